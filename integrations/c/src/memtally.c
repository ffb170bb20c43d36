/* memtally protocol v1 client: codec and session. See memtally.h. */
#define _GNU_SOURCE
#include "memtally.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- codec */

#define MAX_DEPTH 32

static const struct {
	const char *name;
	enum memtally_kind kind;
} kinds[] = {
	{"hello", MEMTALLY_HELLO}, {"welcome", MEMTALLY_WELCOME},
	{"start", MEMTALLY_START}, {"stop", MEMTALLY_STOP},
	{"ack", MEMTALLY_ACK},     {"error", MEMTALLY_ERROR},
	{"marker", MEMTALLY_MARKER}, {"pause", MEMTALLY_PAUSE},
	{"resume", MEMTALLY_RESUME}, {"js_heap", MEMTALLY_JS_HEAP},
};

static const char *kind_name(enum memtally_kind k) {
	size_t i;
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return NULL;
}

const char *memtally_status_name(int status) {
	switch (status) {
	case MEMTALLY_OK: return "ok";
	case MEMTALLY_TRUNCATED: return "truncated";
	case MEMTALLY_TOO_LARGE: return "too_large";
	case MEMTALLY_MALFORMED: return "malformed";
	case MEMTALLY_UNKNOWN_KIND: return "unknown_kind";
	case MEMTALLY_INVALID: return "invalid";
	case MEMTALLY_NO_SPACE: return "no_space";
	case MEMTALLY_EOF: return "eof";
	case MEMTALLY_INACTIVE: return "inactive";
	case MEMTALLY_REFUSED: return "refused";
	}
	return "unknown";
}

/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int valid_utf8(const unsigned char *s, size_t n) {
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t need;
		unsigned lo = 0x80, hi = 0xbf;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return 0;
		}
		if (n - i - 1 < need)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k <= need; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return 0;
		i += need + 1;
	}
	return 1;
}

static uint64_t be(const unsigned char *p, size_t n) {
	uint64_t v = 0;
	size_t i;
	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* What one msgpack value's head says about it. */
struct head {
	enum { T_INT, T_NEGINT, T_STR, T_OTHER, T_ARRAY, T_MAP } type;
	uint64_t u;      /* integer value (T_INT), or its two's complement */
	size_t hlen;     /* bytes of the head */
	uint64_t body;   /* bytes after the head that belong to the value */
	uint64_t count;  /* containers: number of child values */
};

/* Parses the head of the value at p[0..n). Returns 0 when the head itself
 * runs past the end or the lead byte is c1. */
static int parse_head(const unsigned char *p, size_t n, struct head *h) {
	unsigned c;
	if (n < 1)
		return 0;
	c = p[0];
	h->hlen = 1;
	h->u = 0;
	h->body = 0;
	h->count = 0;
	h->type = T_OTHER;
	if (c <= 0x7f) {
		h->type = T_INT;
		h->u = c;
		return 1;
	}
	if (c >= 0xe0) {
		h->type = T_NEGINT;
		return 1;
	}
	if (c >= 0x80 && c <= 0x8f) {
		h->type = T_MAP;
		h->count = 2u * (c & 0x0f);
		return 1;
	}
	if (c >= 0x90 && c <= 0x9f) {
		h->type = T_ARRAY;
		h->count = c & 0x0f;
		return 1;
	}
	if (c >= 0xa0 && c <= 0xbf) {
		h->type = T_STR;
		h->body = c & 0x1f;
		return 1;
	}
	switch (c) {
	case 0xc0: case 0xc2: case 0xc3:
		return 1;
	case 0xc1:
		return 0;
	case 0xc4: case 0xc5: case 0xc6: { /* bin */
		size_t w = (size_t)1 << (c - 0xc4);
		if (n < 1 + w)
			return 0;
		h->hlen = 1 + w;
		h->body = be(p + 1, w);
		return 1;
	}
	case 0xc7: case 0xc8: case 0xc9: { /* ext: length, type, data */
		size_t w = (size_t)1 << (c - 0xc7);
		if (n < 2 + w)
			return 0;
		h->hlen = 2 + w;
		h->body = be(p + 1, w);
		return 1;
	}
	case 0xca: h->body = 4; return 1;
	case 0xcb: h->body = 8; return 1;
	case 0xcc: case 0xcd: case 0xce: case 0xcf: {
		size_t w = (size_t)1 << (c - 0xcc);
		if (n < 1 + w)
			return 0;
		h->hlen = 1 + w;
		h->type = T_INT;
		h->u = be(p + 1, w);
		return 1;
	}
	case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
		size_t w = (size_t)1 << (c - 0xd0);
		if (n < 1 + w)
			return 0;
		h->hlen = 1 + w;
		h->u = be(p + 1, w);
		/* the sign bit of the big-endian number decides */
		h->type = (p[1] & 0x80) ? T_NEGINT : T_INT;
		return 1;
	}
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
		h->body = 1 + ((size_t)1 << (c - 0xd4)); /* type byte, data */
		return 1;
	case 0xd9: case 0xda: case 0xdb: {
		size_t w = (size_t)1 << (c - 0xd9);
		if (n < 1 + w)
			return 0;
		h->hlen = 1 + w;
		h->type = T_STR;
		h->body = be(p + 1, w);
		return 1;
	}
	case 0xdc: case 0xdd: {
		size_t w = (size_t)2 << (c - 0xdc);
		if (n < 1 + w)
			return 0;
		h->hlen = 1 + w;
		h->type = T_ARRAY;
		h->count = be(p + 1, w);
		return 1;
	}
	case 0xde: case 0xdf: {
		size_t w = (size_t)2 << (c - 0xde);
		if (n < 1 + w)
			return 0;
		h->hlen = 1 + w;
		h->type = T_MAP;
		h->count = 2 * be(p + 1, w);
		return 1;
	}
	}
	return 0;
}

/* A top-level key or value: where it is and what it holds. */
struct slot {
	struct head h;
	const unsigned char *p;
};

static int str_eq(const struct slot *s, const char *lit) {
	size_t n = strlen(lit);
	return s->h.body == n && memcmp(s->p + s->h.hlen, lit, n) == 0;
}

struct field {
	const char *key;
	int is_str;
	uint64_t max;
	size_t offset;  /* into struct memtally_message */
	size_t present; /* optional fields: offset of the int saying it is set; 0 when required */
};

#define F_STR(name) {#name, 1, 0, offsetof(struct memtally_message, name), 0}
#define F_U32(name) {#name, 0, 0xffffffffu, offsetof(struct memtally_message, name), 0}
#define F_U64(name) {#name, 0, UINT64_MAX, offsetof(struct memtally_message, name), 0}
#define F_OPT_U32(name, flag) \
	{#name, 0, 0xffffffffu, offsetof(struct memtally_message, name), \
	 offsetof(struct memtally_message, flag)}

/* Whether the message carries field f: required fields always do. */
static int has_field(const struct memtally_message *m, const struct field *f) {
	int set;
	if (!f->present)
		return 1;
	memcpy(&set, (const char *)m + f->present, sizeof set);
	return set != 0;
}

static const struct field hello_fields[] = {F_U32(version), F_U32(min_version),
	F_STR(integration), F_STR(integration_version), F_U32(pid)};
static const struct field welcome_fields[] = {F_U32(version), F_STR(mode)};
static const struct field start_fields[] = {F_STR(uri), F_OPT_U32(warmup, has_warmup)};
static const struct field error_fields[] = {F_STR(reason)};
static const struct field marker_fields[] = {F_STR(name), F_U64(timestamp)};
static const struct field js_heap_fields[] = {F_STR(uri), F_U32(gc_forced),
	F_U64(used_before), F_U64(used_after), F_U64(peak), F_U64(retained_after),
	F_U32(gc_count)};

static const struct field *fields_of(enum memtally_kind k, size_t *n) {
	switch (k) {
	case MEMTALLY_HELLO: *n = 5; return hello_fields;
	case MEMTALLY_WELCOME: *n = 2; return welcome_fields;
	case MEMTALLY_START: *n = 2; return start_fields;
	case MEMTALLY_ERROR: *n = 1; return error_fields;
	case MEMTALLY_MARKER: *n = 2; return marker_fields;
	case MEMTALLY_JS_HEAP: *n = 7; return js_heap_fields;
	default: *n = 0; return NULL;
	}
}

/* Where each top-level key and value starts, for the duplicate check and
 * the fields; a payload of 65536 bytes holds at most 32768 pairs. Static,
 * so decoding never allocates (and is not reentrant). */
static struct {
	uint32_t key, val;
} top[MEMTALLY_MAX_FRAME_SIZE / 2];

/* The slot of the value at offset off, whose head is known to be valid. */
static struct slot slot_at(const unsigned char *payload, size_t len, uint32_t off) {
	struct slot s;
	memset(&s, 0, sizeof s);
	parse_head(payload + off, len - off, &s.h);
	s.p = payload + off;
	return s;
}

int memtally_decode(const unsigned char *payload, size_t len,
                    struct memtally_message *m) {
	uint64_t remaining[MAX_DEPTH + 1]; /* children left per open container */
	int depth = 0;
	size_t pos = 0, npairs = 0, i, j;
	const struct slot *kind = NULL;
	struct slot kind_slot, value;
	struct head h;

	if (len > MEMTALLY_MAX_FRAME_SIZE)
		return MEMTALLY_MALFORMED;
	memset(m, 0, sizeof *m);

	/* Stage A: walk the whole value iteratively. */
	if (!parse_head(payload, len, &h) || h.type != T_MAP)
		return MEMTALLY_MALFORMED;
	pos = h.hlen;
	depth = 1;
	remaining[1] = h.count;
	if (h.count > len - pos || h.count / 2 > sizeof top / sizeof top[0])
		return MEMTALLY_MALFORMED;
	while (depth > 0) {
		int at_top = depth == 1;
		uint64_t index;
		if (remaining[depth] == 0) {
			depth--;
			continue;
		}
		index = remaining[depth]--;
		if (!parse_head(payload + pos, len - pos, &h))
			return MEMTALLY_MALFORMED;
		if (h.body > len - pos - h.hlen)
			return MEMTALLY_MALFORMED;
		if (h.type == T_STR && !valid_utf8(payload + pos + h.hlen, (size_t)h.body))
			return MEMTALLY_MALFORMED;
		if (at_top) {
			/* index counts down: even is a key, odd its value */
			if (index % 2 == 0) {
				if (h.type != T_STR)
					return MEMTALLY_MALFORMED;
				top[npairs].key = (uint32_t)pos;
			} else {
				top[npairs++].val = (uint32_t)pos;
			}
		}
		pos += h.hlen + (size_t)h.body;
		if (h.type == T_ARRAY || h.type == T_MAP) {
			if (depth == MAX_DEPTH)
				return MEMTALLY_MALFORMED;
			/* each child takes at least one byte */
			if (h.count > len - pos)
				return MEMTALLY_MALFORMED;
			remaining[++depth] = h.count;
		}
	}
	if (pos != len)
		return MEMTALLY_MALFORMED;
	for (i = 0; i < npairs; i++) {
		struct slot ki = slot_at(payload, len, top[i].key);
		for (j = i + 1; j < npairs; j++) {
			struct slot kj = slot_at(payload, len, top[j].key);
			if (ki.h.body == kj.h.body &&
			    memcmp(ki.p + ki.h.hlen, kj.p + kj.h.hlen, (size_t)ki.h.body) == 0)
				return MEMTALLY_MALFORMED;
		}
		if (str_eq(&ki, "kind")) {
			kind_slot = slot_at(payload, len, top[i].val);
			kind = &kind_slot;
		}
	}
	if (!kind || kind->h.type != T_STR)
		return MEMTALLY_MALFORMED;

	/* Stage B */
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (str_eq(kind, kinds[i].name))
			break;
	if (i == sizeof kinds / sizeof kinds[0])
		return MEMTALLY_UNKNOWN_KIND;
	m->kind = kinds[i].kind;

	/* Stage C */
	{
		size_t nf, f;
		const struct field *fs = fields_of(m->kind, &nf);
		for (f = 0; f < nf; f++) {
			const struct slot *v = NULL;
			char *dst = (char *)m + fs[f].offset;
			for (i = 0; i < npairs; i++) {
				struct slot k = slot_at(payload, len, top[i].key);
				if (str_eq(&k, fs[f].key)) {
					value = slot_at(payload, len, top[i].val);
					v = &value;
					break;
				}
			}
			if (!v && fs[f].present)
				continue;
			if (!v)
				return MEMTALLY_MALFORMED;
			if (fs[f].present) {
				int set = 1;
				memcpy((char *)m + fs[f].present, &set, sizeof set);
			}
			if (fs[f].is_str) {
				struct memtally_str s;
				if (v->h.type != T_STR)
					return MEMTALLY_MALFORMED;
				s.ptr = (const char *)v->p + v->h.hlen;
				s.len = (size_t)v->h.body;
				memcpy(dst, &s, sizeof s);
			} else {
				if (v->h.type != T_INT || v->h.u > fs[f].max)
					return MEMTALLY_MALFORMED;
				if (fs[f].max == UINT64_MAX) {
					memcpy(dst, &v->h.u, sizeof v->h.u);
				} else {
					uint32_t u = (uint32_t)v->h.u;
					memcpy(dst, &u, sizeof u);
				}
			}
		}
		if (((m->kind == MEMTALLY_START || m->kind == MEMTALLY_JS_HEAP) && m->uri.len == 0) ||
		    (m->kind == MEMTALLY_MARKER && m->name.len == 0))
			return MEMTALLY_MALFORMED;
	}
	return MEMTALLY_OK;
}

int memtally_read_frame(const unsigned char *in, size_t len,
                        struct memtally_message *m, size_t *consumed) {
	uint32_t n;
	if (len == 0)
		return MEMTALLY_EOF;
	if (len < MEMTALLY_HEADER_SIZE)
		return MEMTALLY_TRUNCATED;
	n = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
	    (uint32_t)in[3] << 24;
	if (n > MEMTALLY_MAX_FRAME_SIZE)
		return MEMTALLY_TOO_LARGE;
	if (n == 0)
		return MEMTALLY_MALFORMED;
	if (len - MEMTALLY_HEADER_SIZE < n)
		return MEMTALLY_TRUNCATED;
	*consumed = MEMTALLY_HEADER_SIZE + n;
	return memtally_decode(in + MEMTALLY_HEADER_SIZE, n, m);
}

/* Encoder: writes into out[0..cap) at *pos, failing on overflow. */
struct writer {
	unsigned char *out;
	size_t cap, pos;
	int full;
};

static void put(struct writer *w, const void *p, size_t n) {
	if (w->full || w->cap - w->pos < n) {
		w->full = 1;
		return;
	}
	memcpy(w->out + w->pos, p, n);
	w->pos += n;
}

static void put_be(struct writer *w, unsigned lead, uint64_t v, size_t n) {
	unsigned char b[9];
	size_t i;
	b[0] = (unsigned char)lead;
	for (i = 0; i < n; i++)
		b[1 + i] = (unsigned char)(v >> (8 * (n - 1 - i)));
	put(w, b, 1 + n);
}

static void put_uint(struct writer *w, uint64_t v) {
	if (v <= 0x7f)
		put_be(w, (unsigned)v, 0, 0);
	else if (v <= 0xff)
		put_be(w, 0xcc, v, 1);
	else if (v <= 0xffff)
		put_be(w, 0xcd, v, 2);
	else if (v <= 0xffffffffu)
		put_be(w, 0xce, v, 4);
	else
		put_be(w, 0xcf, v, 8);
}

static void put_str(struct writer *w, const char *s, size_t n) {
	if (n <= 31)
		put_be(w, 0xa0 | (unsigned)n, 0, 0);
	else if (n <= 0xff)
		put_be(w, 0xd9, n, 1);
	else if (n <= 0xffff)
		put_be(w, 0xda, n, 2);
	else
		put_be(w, 0xdb, n, 4);
	put(w, s, n);
}

int memtally_encode(const struct memtally_message *m, unsigned char *out,
                    size_t cap, size_t *len) {
	struct writer w;
	size_t nf, f, payload, npairs = 1;
	const struct field *fs = fields_of(m->kind, &nf);
	const char *kname = kind_name(m->kind);

	if (!kname)
		return MEMTALLY_INVALID;
	if (((m->kind == MEMTALLY_START || m->kind == MEMTALLY_JS_HEAP) && m->uri.len == 0) ||
	    (m->kind == MEMTALLY_MARKER && m->name.len == 0))
		return MEMTALLY_INVALID;
	/* The runner's limits (SPEC.md 6.7). */
	if (((m->kind == MEMTALLY_START || m->kind == MEMTALLY_JS_HEAP) &&
	     m->uri.len > MEMTALLY_MAX_URI_SIZE) ||
	    (m->kind == MEMTALLY_MARKER && m->name.len > MEMTALLY_MAX_NAME_SIZE) ||
	    (m->kind == MEMTALLY_HELLO && (m->integration.len > MEMTALLY_MAX_NAME_SIZE ||
	                                   m->integration_version.len > MEMTALLY_MAX_NAME_SIZE)))
		return MEMTALLY_INVALID;
	for (f = 0; f < nf; f++) {
		const struct memtally_str *s;
		if (!fs[f].is_str)
			continue;
		s = (const struct memtally_str *)((const char *)m + fs[f].offset);
		if (s->len && !s->ptr)
			return MEMTALLY_INVALID;
		if (!valid_utf8((const unsigned char *)s->ptr, s->len))
			return MEMTALLY_INVALID;
	}
	w.out = out;
	w.cap = cap;
	w.pos = MEMTALLY_HEADER_SIZE;
	w.full = cap < MEMTALLY_HEADER_SIZE;
	for (f = 0; f < nf; f++)
		npairs += (size_t)has_field(m, &fs[f]);
	put_be(&w, 0x80 | (unsigned)npairs, 0, 0);
	put_str(&w, "kind", 4);
	put_str(&w, kname, strlen(kname));
	for (f = 0; f < nf; f++) {
		const char *field = (const char *)m + fs[f].offset;
		if (!has_field(m, &fs[f]))
			continue;
		put_str(&w, fs[f].key, strlen(fs[f].key));
		if (fs[f].is_str) {
			struct memtally_str s;
			memcpy(&s, field, sizeof s);
			put_str(&w, s.ptr, s.len);
		} else if (fs[f].max == UINT64_MAX) {
			uint64_t v;
			memcpy(&v, field, sizeof v);
			put_uint(&w, v);
		} else {
			uint32_t v;
			memcpy(&v, field, sizeof v);
			put_uint(&w, v);
		}
	}
	if (w.full) {
		/* too big for the protocol, or only for the caller's buffer */
		return cap >= MEMTALLY_HEADER_SIZE + MEMTALLY_MAX_FRAME_SIZE
		           ? MEMTALLY_INVALID : MEMTALLY_NO_SPACE;
	}
	payload = w.pos - MEMTALLY_HEADER_SIZE;
	if (payload > MEMTALLY_MAX_FRAME_SIZE)
		return MEMTALLY_INVALID;
	out[0] = (unsigned char)payload;
	out[1] = (unsigned char)(payload >> 8);
	out[2] = (unsigned char)(payload >> 16);
	out[3] = (unsigned char)(payload >> 24);
	*len = w.pos;
	return MEMTALLY_OK;
}

/* -------------------------------------------------------------- session */

#define FRAME_BUF (MEMTALLY_HEADER_SIZE + MEMTALLY_MAX_FRAME_SIZE)

/* The frame buffers are zero-initialised statics (bss), apart from the
 * small session state, so an idle client costs no file size and no pages. */
static unsigned char request_buf[FRAME_BUF];
static unsigned char reply_buf[FRAME_BUF];

static struct {
	int active;
	int ctl, ack;
	size_t stop_len;
	unsigned char stop_frame[24];
	size_t pause_len;
	unsigned char pause_frame[24];
	size_t resume_len;
	unsigned char resume_frame[24];
	unsigned char *request;
	unsigned char *reply;
} s = {0, -1, -1, 0, {0}, 0, {0}, 0, {0}, request_buf, reply_buf};

static void warn(const char *what, const char *detail) {
	fprintf(stderr, "memtally: %s%s%s\n", what, detail ? ": " : "",
	        detail ? detail : "");
}

static void close_fds(void) {
	if (s.ctl >= 0)
		close(s.ctl);
	if (s.ack >= 0)
		close(s.ack);
	s.ctl = s.ack = -1;
	s.active = 0;
}

/* The runner is gone (SPEC 2.5): stop talking to it for good. */
static int gone(const char *why) {
	close_fds();
	warn("runner gone, running as the plain harness", why);
	return MEMTALLY_INACTIVE;
}

static int64_t now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline; 1 when ready, 0 on timeout. */
static int wait_fd(int fd, short events, int64_t deadline) {
	for (;;) {
		struct pollfd p;
		int64_t left = deadline - now_ms();
		int r;
		if (left < 0)
			return 0;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return 0;
	}
}

/* One write() per frame (SPEC 2.4); the remainder of a partial write to the
 * non-blocking ctl waits for POLLOUT within the reply timeout. SIGPIPE is
 * blocked around the write so a dead runner shows up as EPIPE. */
static int send_frame(const unsigned char *frame, size_t len, int64_t deadline) {
	sigset_t pipe_set, old, pending;
	int was_pending, result = MEMTALLY_OK;
	size_t done = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	while (done < len) {
		ssize_t n = write(s.ctl, frame + done, len - done);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && wait_fd(s.ctl, POLLOUT, deadline))
			continue;
		if (n < 0 && errno == EPIPE) {
			if (!was_pending) {
				struct timespec zero = {0, 0};
				sigtimedwait(&pipe_set, NULL, &zero);
			}
			result = MEMTALLY_EOF;
		} else {
			result = MEMTALLY_TRUNCATED;
		}
		break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return result;
}

/* Reads exactly n bytes from ack before deadline. */
static int read_exact(unsigned char *buf, size_t n, int64_t deadline) {
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(s.ack, buf + got, n - got);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0)
			return MEMTALLY_EOF;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return MEMTALLY_EOF;
		if (!wait_fd(s.ack, POLLIN, deadline))
			return MEMTALLY_TRUNCATED;
	}
	return MEMTALLY_OK;
}

/* Sends frame and waits for the reply, which it decodes into reply. Any
 * failure means the runner is gone. */
static int request(const unsigned char *frame, size_t len,
                   struct memtally_message *reply) {
	int64_t deadline = now_ms() + MEMTALLY_REPLY_TIMEOUT_MS;
	uint32_t n;
	int r;
	char detail[64];

	r = send_frame(frame, len, deadline);
	if (r == MEMTALLY_EOF)
		return gone("write to the ctl fifo: broken pipe");
	if (r != MEMTALLY_OK)
		return gone("write to the ctl fifo failed or timed out");
	r = read_exact(s.reply, MEMTALLY_HEADER_SIZE, deadline);
	if (r == MEMTALLY_OK) {
		n = (uint32_t)s.reply[0] | (uint32_t)s.reply[1] << 8 |
		    (uint32_t)s.reply[2] << 16 | (uint32_t)s.reply[3] << 24;
		if (n == 0 || n > MEMTALLY_MAX_FRAME_SIZE)
			return gone("reply with an invalid frame length");
		r = read_exact(s.reply + MEMTALLY_HEADER_SIZE, n, deadline);
	}
	if (r == MEMTALLY_EOF)
		return gone("the ack fifo was closed");
	if (r != MEMTALLY_OK)
		return gone("no reply within 5 s");
	r = memtally_decode(s.reply + MEMTALLY_HEADER_SIZE, n, reply);
	if (r != MEMTALLY_OK) {
		snprintf(detail, sizeof detail, "undecodable reply (%s)",
		         memtally_status_name(r));
		return gone(detail);
	}
	return MEMTALLY_OK;
}

/* Opens one FIFO without blocking and checks it is one. -1 on failure,
 * with errno set (ENXIO: nobody reads ctl; ENOTSUP: not a FIFO). */
static int open_fifo(const char *path, int mode) {
	struct stat st;
	int fd;
	do
		fd = open(path, mode | O_NONBLOCK | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		errno = ENOTSUP;
		return -1;
	}
	return fd;
}

/* The FIFOs the environment names cannot be used: running as the plain
 * harness would leave the runner with no benchmark and no reason. */
static int cannot_measure(const char *path) {
	fprintf(stderr, "memtally: cannot measure under the runner: cannot use %s (%s)\n",
	        path, errno == ENOTSUP ? "not a fifo" : strerror(errno));
	return -1;
}

int memtally_init(const char *integration, const char *version) {
	const char *ctl = getenv("MEMTALLY_CTL_FIFO");
	const char *ack = getenv("MEMTALLY_ACK_FIFO");
	struct memtally_message m, reply;
	size_t len;
	int r;

	if (s.active)
		return 1;
	if (!ctl || !*ctl || !ack || !*ack)
		return 0;
	s.ctl = open_fifo(ctl, O_WRONLY);
	if (s.ctl < 0) {
		if (errno == ENXIO) /* a stale environment, no runner */
			return 0;
		return cannot_measure(ctl);
	}
	s.ack = open_fifo(ack, O_RDONLY);
	if (s.ack < 0) {
		r = cannot_measure(ack);
		close_fds();
		return r;
	}

	memset(&m, 0, sizeof m);
	m.kind = MEMTALLY_STOP;
	if (memtally_encode(&m, s.stop_frame, sizeof s.stop_frame, &s.stop_len) != MEMTALLY_OK) {
		close_fds();
		return 0;
	}
	m.kind = MEMTALLY_PAUSE;
	if (memtally_encode(&m, s.pause_frame, sizeof s.pause_frame, &s.pause_len) != MEMTALLY_OK) {
		close_fds();
		return 0;
	}
	m.kind = MEMTALLY_RESUME;
	if (memtally_encode(&m, s.resume_frame, sizeof s.resume_frame, &s.resume_len) != MEMTALLY_OK) {
		close_fds();
		return 0;
	}
	m.kind = MEMTALLY_HELLO;
	m.version = MEMTALLY_PROTOCOL_VERSION;
	m.min_version = MEMTALLY_PROTOCOL_MIN_VERSION;
	m.integration.ptr = integration ? integration : "memtally-c";
	m.integration.len = strlen(m.integration.ptr);
	m.integration_version.ptr = version ? version : "";
	m.integration_version.len = strlen(m.integration_version.ptr);
	m.pid = (uint32_t)getpid();
	r = memtally_encode(&m, s.request, FRAME_BUF, &len);
	if (r != MEMTALLY_OK) {
		close_fds();
		warn("hello not sent", "integration name or version is not valid UTF-8, or longer than 256 bytes");
		return 0;
	}
	s.active = 1;
	if (request(s.request, len, &reply) != MEMTALLY_OK)
		return 0;
	if (reply.kind == MEMTALLY_ERROR) {
		char msg[300];
		snprintf(msg, sizeof msg, "%.*s", (int)(reply.reason.len > 256 ? 256 : reply.reason.len),
		         reply.reason.ptr);
		close_fds();
		warn("runner refused hello, running as the plain harness", msg);
		return 0;
	}
	if (reply.kind != MEMTALLY_WELCOME) {
		gone("hello answered with something other than welcome");
		return 0;
	}
	if (reply.version < m.min_version || reply.version > m.version ||
	    reply.mode.len != 6 || memcmp(reply.mode.ptr, "memory", 6) != 0) {
		close_fds();
		warn("runner asked for a protocol version or mode this client does not "
		     "speak, running as the plain harness", NULL);
		return 0;
	}
	return 1;
}

int memtally_active(void) { return s.active; }

/* Sends an already encoded request that must be answered by ack. */
static int expect_ack(const unsigned char *frame, size_t len, const char *what) {
	struct memtally_message reply;
	int r = request(frame, len, &reply);
	if (r != MEMTALLY_OK)
		return r;
	if (reply.kind == MEMTALLY_ACK)
		return MEMTALLY_OK;
	if (reply.kind == MEMTALLY_ERROR) {
		fprintf(stderr, "memtally: runner refused %s: %.*s\n", what,
		        (int)(reply.reason.len > 512 ? 512 : reply.reason.len),
		        reply.reason.ptr);
		return MEMTALLY_REFUSED;
	}
	return gone("request answered with something other than ack or error");
}

/* Sends start, with the warm-up count when has_warmup is 1. */
static int start(const char *uri, size_t n, int has_warmup, uint32_t warmup) {
	struct memtally_message m;
	size_t len;
	int r;
	if (!s.active)
		return MEMTALLY_INACTIVE;
	memset(&m, 0, sizeof m);
	m.kind = MEMTALLY_START;
	m.uri.ptr = uri;
	m.uri.len = n;
	m.has_warmup = has_warmup;
	m.warmup = warmup;
	r = memtally_encode(&m, s.request, FRAME_BUF, &len);
	if (r != MEMTALLY_OK) {
		warn("start not sent", "the uri is empty, not UTF-8, or too long");
		return r;
	}
	return expect_ack(s.request, len, "start");
}

int memtally_start_n(const char *uri, size_t n) {
	return start(uri, n, 0, 0);
}

int memtally_start(const char *uri) {
	return memtally_start_n(uri, uri ? strlen(uri) : 0);
}

int memtally_start_after_warmup_n(const char *uri, size_t n, uint32_t warmup) {
	return start(uri, n, 1, warmup);
}

int memtally_start_after_warmup(const char *uri, uint32_t warmup) {
	return memtally_start_after_warmup_n(uri, uri ? strlen(uri) : 0, warmup);
}

long long memtally_warmup_calls(void) {
	const char *v = getenv("MEMTALLY_WARMUP");
	unsigned long long n = 0;
	const char *p;
	if (!v || !*v)
		return 1;
	/* Digits only, at most uint32's: strtoul would take signs and spaces. */
	for (p = v; *p; p++) {
		if (*p < '0' || *p > '9' || p - v >= 10)
			break;
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	if (*p || n > 0xffffffffull) {
		fprintf(stderr, "memtally: read MEMTALLY_WARMUP: \"%.64s\" is not a number of calls (0 to 4294967295)\n", v);
		return -1;
	}
	return (long long)n;
}

int memtally_stop(void) {
	if (!s.active)
		return MEMTALLY_INACTIVE;
	return expect_ack(s.stop_frame, s.stop_len, "stop");
}

int memtally_pause(void) {
	if (!s.active)
		return MEMTALLY_INACTIVE;
	return expect_ack(s.pause_frame, s.pause_len, "pause");
}

int memtally_resume(void) {
	if (!s.active)
		return MEMTALLY_INACTIVE;
	return expect_ack(s.resume_frame, s.resume_len, "resume");
}

int memtally_marker(const char *name, uint64_t timestamp) {
	struct memtally_message m;
	size_t len;
	int r;
	if (!s.active)
		return MEMTALLY_INACTIVE;
	memset(&m, 0, sizeof m);
	m.kind = MEMTALLY_MARKER;
	m.name.ptr = name;
	m.name.len = name ? strlen(name) : 0;
	m.timestamp = timestamp;
	r = memtally_encode(&m, s.request, FRAME_BUF, &len);
	if (r != MEMTALLY_OK)
		return r;
	return expect_ack(s.request, len, "marker");
}

void memtally_teardown(void) { close_fds(); }
