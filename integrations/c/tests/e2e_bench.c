/* A tiny harness built on the client, run by e2e.sh under the runner and
 * without it. Each benchmark's setup, body and teardown append a line
 * "<phase> <name> <CLOCK_MONOTONIC ns>" to the file named by
 * MEMTALLY_TEST_LOG, so the test can place them against the windows. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memtally.h"

static FILE *logf_;

static void log_phase(const char *phase, const char *name) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(logf_, "%s %s %lld\n", phase, name,
	        (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	fflush(logf_);
}

static void *kept;

static void body_alloc(void) {
	int *v = malloc(250 * sizeof *v);
	memset(v, 0, 250 * sizeof *v);
	kept = v; /* freed in teardown, outside the window */
}

static void body_empty(void) {}

/* Allocates on its first call only, as a lazily built table does. */
static void *table;
static void body_lazy(void) {
	if (!table)
		table = calloc(1, 4096);
}

struct bench {
	const char *uri;
	void (*body)(void);
};

int main(void) {
	static const struct bench benches[] = {
		{"tests/e2e_bench.c::alloc_1000_bytes", body_alloc},
		{"tests/e2e_bench.c::empty", body_empty},
		{"tests/e2e_bench.c::lazy_table", body_lazy},
	};
	const char *path = getenv("MEMTALLY_TEST_LOG");
	size_t i;
	int under_runner;
	long long warmup = memtally_warmup_calls();

	logf_ = fopen(path ? path : "/dev/null", "a");
	if (!logf_)
		return 1;
	under_runner = memtally_init("memtally-c-e2e", "0.1.0");
	if (under_runner < 0 || warmup < 0)
		return 1; /* they said why; nothing may run unmeasured */
	printf("under runner: %s\n", under_runner ? "yes" : "no");
	for (i = 0; i < sizeof benches / sizeof benches[0]; i++) {
		long long w;
		log_phase("setup", benches[i].uri);
		/* Warm-up is the harness's: the body's calls before the window. */
		for (w = 0; w < warmup; w++) {
			log_phase("warmup", benches[i].uri);
			benches[i].body();
			free(kept);
			kept = NULL;
		}
		if (memtally_start_after_warmup(benches[i].uri, (uint32_t)warmup) != MEMTALLY_OK &&
		    under_runner)
			return 1;
		log_phase("body", benches[i].uri);
		benches[i].body();
		if (memtally_stop() != MEMTALLY_OK && under_runner)
			return 1;
		log_phase("teardown", benches[i].uri);
		free(kept);
		kept = NULL;
	}
	memtally_teardown();
	free(table);
	/* Without a runner every call is a no-op that reports so. */
	if (!under_runner && (memtally_start("x") != MEMTALLY_INACTIVE ||
	                      memtally_stop() != MEMTALLY_INACTIVE))
		return 1;
	fclose(logf_);
	return 0;
}
