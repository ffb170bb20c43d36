/* memtally protocol v1 client (see protocol/SPEC.md).
 *
 * A benchmark harness calls memtally_init() once, memtally_start(uri) right
 * before a benchmark's body and memtally_stop() right after it, and
 * memtally_teardown() at the end. Outside the memtally runner every call is a
 * cheap no-op, so the harness behaves exactly as without memtally.
 *
 * The client never calls malloc: its buffers are static and the stop frame
 * is built by memtally_init(), so nothing it does lands in a measured window.
 * The session functions are not thread-safe; a multi-threaded harness
 * serialises its calls.
 *
 * The codec (memtally_encode, memtally_decode, memtally_read_frame) is
 * exposed for tests and for integrations that carry the protocol themselves.
 */
#ifndef MEMTALLY_H
#define MEMTALLY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEMTALLY_PROTOCOL_VERSION 1u
#define MEMTALLY_PROTOCOL_MIN_VERSION 1u
#define MEMTALLY_MAX_FRAME_SIZE 65536u
#define MEMTALLY_HEADER_SIZE 4u
#define MEMTALLY_REPLY_TIMEOUT_MS 5000
/* The longest strings the runner keeps, in bytes (SPEC.md 6.7): the encoder
 * refuses longer ones (MEMTALLY_INVALID). */
#define MEMTALLY_MAX_URI_SIZE 4096u
#define MEMTALLY_MAX_NAME_SIZE 256u

/* Status codes. The first four name the error categories of SPEC.md 4.6. */
enum memtally_status {
	MEMTALLY_OK = 0,
	MEMTALLY_TRUNCATED = 1,
	MEMTALLY_TOO_LARGE = 2,
	MEMTALLY_MALFORMED = 3,
	MEMTALLY_UNKNOWN_KIND = 4,
	MEMTALLY_INVALID = 5,  /* the encoder refuses the message (4.3) */
	MEMTALLY_NO_SPACE = 6, /* the output buffer is too small */
	MEMTALLY_EOF = 7,      /* clean end of input before a frame began */
	MEMTALLY_INACTIVE = 8, /* no runner: the call did nothing */
	MEMTALLY_REFUSED = 9   /* the runner answered with an error */
};

enum memtally_kind {
	MEMTALLY_HELLO = 1,
	MEMTALLY_WELCOME,
	MEMTALLY_START,
	MEMTALLY_STOP,
	MEMTALLY_ACK,
	MEMTALLY_ERROR,
	MEMTALLY_MARKER,
	MEMTALLY_PAUSE,
	MEMTALLY_RESUME,
	MEMTALLY_JS_HEAP
};

/* A string that is not NUL-terminated; decoded strings point into the
 * payload they came from. */
struct memtally_str {
	const char *ptr;
	size_t len;
};

/* One message. Only the fields of its kind are meaningful. */
struct memtally_message {
	enum memtally_kind kind;
	uint32_t version;     /* hello, welcome */
	uint32_t min_version; /* hello */
	uint32_t pid;         /* hello */
	uint64_t timestamp;   /* marker */
	struct memtally_str integration;         /* hello */
	struct memtally_str integration_version; /* hello */
	struct memtally_str mode;                /* welcome */
	struct memtally_str uri;                 /* start, js_heap */
	struct memtally_str reason;              /* error */
	struct memtally_str name;                /* marker */
	uint32_t gc_forced;                      /* js_heap */
	uint32_t gc_count;                       /* js_heap */
	uint64_t used_before, used_after, peak, retained_after; /* js_heap */
	/* start: the calls of the body run outside any window before the one
	 * this window measures, sent and received only when has_warmup is 1. */
	uint32_t warmup;
	int has_warmup;
};

/* Connects to the runner named by MEMTALLY_CTL_FIFO and MEMTALLY_ACK_FIFO,
 * introducing the caller as integration at version. Returns 1 when a
 * session is open, 0 when running as the plain harness (no runner, or the
 * runner refused or could not be reached: a warning then says why), and -1
 * when the environment names FIFOs that cannot be opened: a message on
 * stderr says why, and the harness must then exit with a non-zero status
 * rather than run its benchmarks unmeasured (SPEC.md 2.3). Calling it again
 * while connected does nothing and returns 1. */
int memtally_init(const char *integration, const char *version);

/* 1 while a session with the runner is open. */
int memtally_active(void);

/* Opens the window of the benchmark uri (non-empty UTF-8). Returns
 * MEMTALLY_OK once the runner is tracking; MEMTALLY_INACTIVE without a
 * runner; another status when the window could not be opened. */
int memtally_start(const char *uri);

/* Same as memtally_start, for a uri that is not NUL-terminated. */
int memtally_start_n(const char *uri, size_t len);

/* Same as memtally_start, telling the runner that the caller ran the body
 * warmup times outside any window before the call this window measures (0:
 * the window holds the cold first call). The client runs nothing itself:
 * warming up is the harness's business, e.g.
 *
 *     for (i = 0; i < n; i++) body();            outside any window
 *     memtally_start_after_warmup(uri, n);
 *     body();                                    the measured call
 *     memtally_stop();
 *
 * where n is MEMTALLY_WARMUP's value (memtally_warmup_calls()). */
int memtally_start_after_warmup(const char *uri, uint32_t warmup);

/* Same as memtally_start_after_warmup, for a uri that is not NUL-terminated. */
int memtally_start_after_warmup_n(const char *uri, size_t len, uint32_t warmup);

/* The number of warm-up calls the runner asks for before each measured
 * call: MEMTALLY_WARMUP, or 1 when it is absent or empty (a runner that
 * predates it). Returns -1, with a message on stderr, when it holds
 * something other than a number from 0 to 4294967295: the harness should
 * then exit rather than guess. Reads the environment, allocates nothing. */
long long memtally_warmup_calls(void);

/* Closes the open window. Returns MEMTALLY_OK once the runner stopped
 * tracking, MEMTALLY_INACTIVE without a runner. */
int memtally_stop(void);

/* Stops counting the open benchmark's allocations until memtally_resume,
 * for a region the harness excludes from measurement. Returns MEMTALLY_OK
 * once the runner paused, MEMTALLY_INACTIVE without a runner. */
int memtally_pause(void);

/* Counts the open benchmark's allocations again after memtally_pause. */
int memtally_resume(void);

/* Records the instant timestamp (CLOCK_MONOTONIC ns) as name. */
int memtally_marker(const char *name, uint64_t timestamp);

/* Closes the FIFOs. The runner ends the session when the process exits. */
void memtally_teardown(void);

/* Encodes m canonically as a whole frame (header included) into out.
 * Returns MEMTALLY_OK and sets *len, MEMTALLY_INVALID for a message the
 * protocol forbids, MEMTALLY_NO_SPACE when cap is too small. */
int memtally_encode(const struct memtally_message *m, unsigned char *out,
                    size_t cap, size_t *len);

/* Decodes one payload (no header) with the strictness of SPEC.md 4.4.
 * Returns MEMTALLY_OK, MEMTALLY_MALFORMED or MEMTALLY_UNKNOWN_KIND. */
int memtally_decode(const unsigned char *payload, size_t len,
                    struct memtally_message *m);

/* Reads the frame at the start of in (len bytes available), following
 * SPEC.md 3: MEMTALLY_EOF for empty input, MEMTALLY_TRUNCATED,
 * MEMTALLY_TOO_LARGE (from the header alone), MEMTALLY_MALFORMED for a zero
 * length, or the result of memtally_decode on the payload. *consumed is
 * the frame's size when a payload was found. */
int memtally_read_frame(const unsigned char *in, size_t len,
                        struct memtally_message *m, size_t *consumed);

/* "ok", "truncated", "too_large", "malformed", "unknown_kind", ... */
const char *memtally_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif
