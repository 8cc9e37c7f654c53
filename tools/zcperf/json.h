/* SPDX-License-Identifier: MIT */
/*
 * json.h - a small, bounded JSON reader and writer for zcperf.
 *
 * The reader parses untrusted control messages: the input length, the
 * number of values and the nesting depth are all capped, and the only
 * memory it uses is the caller's struct zp_jdoc plus one string area the
 * size of the input, allocated once.
 */
#ifndef ZCPERF_JSON_H
#define ZCPERF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZP_JSON_MAX_INPUT (64 * 1024)
#define ZP_JSON_MAX_NODES 1024
#define ZP_JSON_MAX_DEPTH 16

enum zp_jtype { ZP_JNULL, ZP_JBOOL, ZP_JNUM, ZP_JSTR, ZP_JARR, ZP_JOBJ };

struct zp_jnode {
	enum zp_jtype type;
	int next;	/* next sibling, -1 at the end */
	int child;	/* first child of an array or object, -1 if none */
	const char *key; /* member name inside an object, else NULL */
	const char *str; /* NUL-terminated, for ZP_JSTR */
	double num;
	bool b;
};

struct zp_jdoc {
	struct zp_jnode nodes[ZP_JSON_MAX_NODES];
	int n;
	char *strs; /* decoded strings and keys */
	size_t strs_used, strs_cap;
};

/* Parses @len bytes; returns the root's index (0) or -1; @err gets a
 * static description. zp_json_free() releases the string area. */
int zp_json_parse(struct zp_jdoc *d, const char *text, size_t len,
		  const char **err);
void zp_json_free(struct zp_jdoc *d);

/* Member @key of object @obj, or -1. */
int zp_json_get(const struct zp_jdoc *d, int obj, const char *key);
const struct zp_jnode *zp_json_node(const struct zp_jdoc *d, int idx);

/* Writer: a growing string with pretty printing like iperf3's -J. */
struct zp_jw {
	char *buf;
	size_t len, cap;
	int depth;
	bool first; /* no member written yet at this level */
	bool compact;
	bool oom;
};

void zp_jw_init(struct zp_jw *w, bool compact);
void zp_jw_free(struct zp_jw *w);
void zp_jw_obj(struct zp_jw *w, const char *key);	/* key NULL in arrays */
void zp_jw_arr(struct zp_jw *w, const char *key);
void zp_jw_end_obj(struct zp_jw *w);
void zp_jw_end_arr(struct zp_jw *w);
void zp_jw_num(struct zp_jw *w, const char *key, double v);
void zp_jw_int(struct zp_jw *w, const char *key, int64_t v);
void zp_jw_u64(struct zp_jw *w, const char *key, uint64_t v);
void zp_jw_str(struct zp_jw *w, const char *key, const char *s);
void zp_jw_bool(struct zp_jw *w, const char *key, bool v);
void zp_jw_null(struct zp_jw *w, const char *key);

#endif
