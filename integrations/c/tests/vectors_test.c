/* Runs every vector of protocol/vectors/vectors.json through the codec:
 * valid ones must decode to their message (and canonical ones encode to
 * their exact bytes), invalid ones must fail with their category. Reads the
 * file written by intstr.py, where integers are decimal strings. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memtally.h"

static int passed, failed;

static void fail(const char *name, const char *why) {
	failed++;
	printf("FAIL %s: %s\n", name, why);
}

static unsigned char *unhex(const char *hex, size_t *n) {
	size_t len = strlen(hex), i;
	unsigned char *out = malloc(len / 2 + 1);
	for (i = 0; i < len / 2; i++) {
		unsigned b;
		sscanf(hex + 2 * i, "%2x", &b);
		out[i] = (unsigned char)b;
	}
	*n = len / 2;
	return out;
}

static int str_matches(struct memtally_str got, json_t *want) {
	const char *w = json_string_value(want);
	size_t n = json_string_length(want);
	return w && got.len == n && memcmp(got.ptr, w, n) == 0;
}

static int uint_matches(unsigned long long got, json_t *want) {
	const char *w = json_string_value(want);
	return w && strtoull(w, NULL, 10) == got;
}

static struct memtally_str str_of(json_t *v) {
	struct memtally_str s;
	s.ptr = json_string_value(v);
	s.len = json_string_length(v);
	return s;
}

/* Compares a decoded message with the vector's message, field by field,
 * and fills want with the vector's message for the encoder. */
static int same(const struct memtally_message *m, json_t *msg,
                struct memtally_message *want) {
	const char *kind = json_string_value(json_object_get(msg, "kind"));
	const char *key;
	json_t *v;
	static const char *names[] = {"", "hello", "welcome", "start", "stop",
	                              "ack", "error", "marker", "pause", "resume",
	                              "js_heap"};
	memset(want, 0, sizeof *want);
	if (!kind || strcmp(names[m->kind], kind) != 0)
		return 0;
	want->kind = m->kind;
	json_object_foreach(msg, key, v) {
		if (!strcmp(key, "kind"))
			continue;
		if (!strcmp(key, "version")) {
			if (!uint_matches(m->version, v)) return 0;
			want->version = (uint32_t)strtoull(json_string_value(v), NULL, 10);
		} else if (!strcmp(key, "min_version")) {
			if (!uint_matches(m->min_version, v)) return 0;
			want->min_version = (uint32_t)strtoull(json_string_value(v), NULL, 10);
		} else if (!strcmp(key, "pid")) {
			if (!uint_matches(m->pid, v)) return 0;
			want->pid = (uint32_t)strtoull(json_string_value(v), NULL, 10);
		} else if (!strcmp(key, "gc_forced")) {
			if (!uint_matches(m->gc_forced, v)) return 0;
			want->gc_forced = (uint32_t)strtoull(json_string_value(v), NULL, 10);
		} else if (!strcmp(key, "gc_count")) {
			if (!uint_matches(m->gc_count, v)) return 0;
			want->gc_count = (uint32_t)strtoull(json_string_value(v), NULL, 10);
		} else if (!strcmp(key, "used_before")) {
			if (!uint_matches(m->used_before, v)) return 0;
			want->used_before = strtoull(json_string_value(v), NULL, 10);
		} else if (!strcmp(key, "used_after")) {
			if (!uint_matches(m->used_after, v)) return 0;
			want->used_after = strtoull(json_string_value(v), NULL, 10);
		} else if (!strcmp(key, "peak")) {
			if (!uint_matches(m->peak, v)) return 0;
			want->peak = strtoull(json_string_value(v), NULL, 10);
		} else if (!strcmp(key, "retained_after")) {
			if (!uint_matches(m->retained_after, v)) return 0;
			want->retained_after = strtoull(json_string_value(v), NULL, 10);
		} else if (!strcmp(key, "warmup")) {
			if (!m->has_warmup || !uint_matches(m->warmup, v)) return 0;
			want->warmup = (uint32_t)strtoull(json_string_value(v), NULL, 10);
			want->has_warmup = 1;
		} else if (!strcmp(key, "timestamp")) {
			if (!uint_matches(m->timestamp, v)) return 0;
			want->timestamp = strtoull(json_string_value(v), NULL, 10);
		} else if (!strcmp(key, "integration")) {
			if (!str_matches(m->integration, v)) return 0;
			want->integration = str_of(v);
		} else if (!strcmp(key, "integration_version")) {
			if (!str_matches(m->integration_version, v)) return 0;
			want->integration_version = str_of(v);
		} else if (!strcmp(key, "mode")) {
			if (!str_matches(m->mode, v)) return 0;
			want->mode = str_of(v);
		} else if (!strcmp(key, "uri")) {
			if (!str_matches(m->uri, v)) return 0;
			want->uri = str_of(v);
		} else if (!strcmp(key, "reason")) {
			if (!str_matches(m->reason, v)) return 0;
			want->reason = str_of(v);
		} else if (!strcmp(key, "name")) {
			if (!str_matches(m->name, v)) return 0;
			want->name = str_of(v);
		} else {
			return 0;
		}
	}
	/* an optional field the vector lacks must not be decoded either */
	return !(m->has_warmup && !want->has_warmup);
}

static void valid(json_t *vec) {
	const char *name = json_string_value(json_object_get(vec, "name"));
	json_t *msg = json_object_get(vec, "message");
	size_t n, consumed = 0, len;
	unsigned char *in = unhex(json_string_value(json_object_get(vec, "frame_hex")), &n);
	static unsigned char out[MEMTALLY_HEADER_SIZE + MEMTALLY_MAX_FRAME_SIZE];
	struct memtally_message m, want;
	int r = memtally_read_frame(in, n, &m, &consumed);
	if (r != MEMTALLY_OK)
		fail(name, memtally_status_name(r));
	else if (consumed != n)
		fail(name, "did not consume the whole input");
	else if (!same(&m, msg, &want))
		fail(name, "decoded message differs");
	else if (json_is_true(json_object_get(vec, "canonical")) &&
	         (memtally_encode(&want, out, sizeof out, &len) != MEMTALLY_OK ||
	          len != n || memcmp(out, in, n) != 0))
		fail(name, "canonical encoding differs");
	else
		passed++;
	free(in);
}

static void invalid(json_t *vec) {
	const char *name = json_string_value(json_object_get(vec, "name"));
	const char *category = json_string_value(json_object_get(vec, "category"));
	size_t n, consumed;
	unsigned char *in = unhex(json_string_value(json_object_get(vec, "frame_hex")), &n);
	struct memtally_message m;
	int r = memtally_read_frame(in, n, &m, &consumed);
	if (strcmp(memtally_status_name(r), category) != 0) {
		char why[128];
		snprintf(why, sizeof why, "got %s, want %s", memtally_status_name(r), category);
		fail(name, why);
	} else {
		passed++;
	}
	free(in);
}

/* The encoder refuses what decoders would reject (SPEC 4.3). */
static void refusals(void) {
	static unsigned char out[MEMTALLY_HEADER_SIZE + MEMTALLY_MAX_FRAME_SIZE + 64];
	static char big[MEMTALLY_MAX_FRAME_SIZE];
	struct memtally_message m;
	size_t len;

	memset(&m, 0, sizeof m);
	m.kind = MEMTALLY_START;
	if (memtally_encode(&m, out, sizeof out, &len) != MEMTALLY_INVALID)
		fail("encode_refuses_empty_uri", "accepted");
	else
		passed++;
	m.uri.ptr = "\xc0\xaf";
	m.uri.len = 2;
	if (memtally_encode(&m, out, sizeof out, &len) != MEMTALLY_INVALID)
		fail("encode_refuses_invalid_utf8", "accepted");
	else
		passed++;
	memset(big, 'u', sizeof big);
	m.uri.ptr = big;
	m.uri.len = MEMTALLY_MAX_URI_SIZE;
	if (memtally_encode(&m, out, sizeof out, &len) != MEMTALLY_OK)
		fail("encode_accepts_uri_at_the_limit", "refused");
	else
		passed++;
	m.uri.len = MEMTALLY_MAX_URI_SIZE + 1;
	if (memtally_encode(&m, out, sizeof out, &len) != MEMTALLY_INVALID)
		fail("encode_refuses_uri_over_the_limit", "accepted");
	else
		passed++;
	m.kind = MEMTALLY_ERROR;
	m.reason.ptr = big;
	m.reason.len = sizeof big;
	if (memtally_encode(&m, out, sizeof out, &len) != MEMTALLY_INVALID)
		fail("encode_refuses_oversized_payload", "accepted");
	else
		passed++;
	m.kind = MEMTALLY_START;
	m.uri.len = 10;
	if (memtally_encode(&m, out, 8, &len) != MEMTALLY_NO_SPACE)
		fail("encode_reports_small_buffer", "not reported");
	else
		passed++;
	memset(&m, 0, sizeof m);
	m.kind = MEMTALLY_MARKER;
	if (memtally_encode(&m, out, sizeof out, &len) != MEMTALLY_INVALID)
		fail("encode_refuses_empty_marker_name", "accepted");
	else
		passed++;
	m.name.ptr = big;
	m.name.len = MEMTALLY_MAX_NAME_SIZE + 1;
	if (memtally_encode(&m, out, sizeof out, &len) != MEMTALLY_INVALID)
		fail("encode_refuses_marker_name_over_the_limit", "accepted");
	else
		passed++;
	memset(&m, 0, sizeof m);
	m.kind = MEMTALLY_HELLO;
	m.integration.ptr = big;
	m.integration.len = MEMTALLY_MAX_NAME_SIZE + 1;
	if (memtally_encode(&m, out, sizeof out, &len) != MEMTALLY_INVALID)
		fail("encode_refuses_integration_over_the_limit", "accepted");
	else
		passed++;
}

int main(int argc, char **argv) {
	json_error_t err;
	json_t *root, *v;
	size_t i;
	if (argc != 2) {
		fprintf(stderr, "usage: vectors_test VECTORS_WITH_STRING_INTS.json\n");
		return 2;
	}
	root = json_load_file(argv[1], 0, &err);
	if (!root) {
		fprintf(stderr, "%s:%d: %s\n", argv[1], err.line, err.text);
		return 2;
	}
	if (json_array_size(json_object_get(root, "valid")) == 0 ||
	    json_array_size(json_object_get(root, "invalid")) == 0) {
		fprintf(stderr, "%s: no vectors\n", argv[1]);
		return 2;
	}
	json_array_foreach(json_object_get(root, "valid"), i, v) valid(v);
	json_array_foreach(json_object_get(root, "invalid"), i, v) invalid(v);
	refusals();
	json_decref(root);
	printf("vectors: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
