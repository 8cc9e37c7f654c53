// SPDX-License-Identifier: MIT
/*
 * json.c - bounded JSON reader and a small writer.
 *
 * The reader is a recursive-descent parser whose recursion is capped at
 * ZP_JSON_MAX_DEPTH and whose nodes live in a fixed array: a hostile peer
 * can make it fail, never make it allocate more than the input's size.
 */
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jp {
	struct zp_jdoc *d;
	const char *p, *end;
	const char *err;
};

static void skip_ws(struct jp *j)
{
	while (j->p < j->end &&
	       (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int new_node(struct jp *j, enum zp_jtype t)
{
	struct zp_jdoc *d = j->d;

	if (d->n >= ZP_JSON_MAX_NODES) {
		j->err = "too many values";
		return -1;
	}
	memset(&d->nodes[d->n], 0, sizeof(d->nodes[0]));
	d->nodes[d->n].type = t;
	d->nodes[d->n].next = -1;
	d->nodes[d->n].child = -1;
	return d->n++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put_utf8(char *out, size_t *o, unsigned int cp)
{
	if (cp < 0x80) {
		out[(*o)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*o)++] = (char)(0xc0 | (cp >> 6));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*o)++] = (char)(0xe0 | (cp >> 12));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* Decodes a string at j->p (on the opening quote) into the string area.
 * A decoded string is never longer than its encoding, so the area sized
 * to the input always has room. \u escapes outside the BMP are kept as
 * '?' pairs: nothing zcperf reads needs them. */
static const char *parse_string(struct jp *j)
{
	struct zp_jdoc *d = j->d;
	char *out = d->strs + d->strs_used;
	size_t o = 0;

	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;

		if (c < 0x20) {
			j->err = "control character in string";
			return NULL;
		}
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (j->p >= j->end)
			break;
		c = (unsigned char)*j->p++;
		switch (c) {
		case '"': case '\\': case '/':
			out[o++] = (char)c;
			break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u': {
			unsigned int cp = 0;

			if (j->end - j->p < 4) {
				j->err = "short \\u escape";
				return NULL;
			}
			for (int i = 0; i < 4; i++) {
				int v = hexval(j->p[i]);

				if (v < 0) {
					j->err = "bad \\u escape";
					return NULL;
				}
				cp = cp << 4 | (unsigned int)v;
			}
			j->p += 4;
			if (cp == 0) {
				j->err = "NUL in string";
				return NULL;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = '?';
			put_utf8(out, &o, cp);
			break;
		}
		default:
			j->err = "bad escape";
			return NULL;
		}
	}
	if (j->p >= j->end) {
		j->err = "unterminated string";
		return NULL;
	}
	j->p++;
	out[o++] = '\0';
	d->strs_used += o;
	return out;
}

static int parse_value(struct jp *j, int depth);

static int parse_container(struct jp *j, int depth, bool obj)
{
	int idx = new_node(j, obj ? ZP_JOBJ : ZP_JARR);
	int last = -1;
	char close = obj ? '}' : ']';

	if (idx < 0)
		return -1;
	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return idx;
	}
	for (;;) {
		const char *key = NULL;
		int v;

		skip_ws(j);
		if (obj) {
			if (j->p >= j->end || *j->p != '"') {
				j->err = "expected member name";
				return -1;
			}
			key = parse_string(j);
			if (!key)
				return -1;
			skip_ws(j);
			if (j->p >= j->end || *j->p != ':') {
				j->err = "expected ':'";
				return -1;
			}
			j->p++;
		}
		v = parse_value(j, depth + 1);
		if (v < 0)
			return -1;
		j->d->nodes[v].key = key;
		if (last < 0)
			j->d->nodes[idx].child = v;
		else
			j->d->nodes[last].next = v;
		last = v;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return idx;
		}
		j->err = obj ? "expected ',' or '}'" : "expected ',' or ']'";
		return -1;
	}
}

static int parse_number(struct jp *j)
{
	char tmp[64];
	size_t n = 0;
	char *endp;
	int idx;
	double v;

	while (j->p + n < j->end && n < sizeof(tmp) - 1 &&
	       strchr("+-0123456789.eE", j->p[n]))
		n++;
	if (n == 0 || n == sizeof(tmp) - 1) {
		j->err = "bad number";
		return -1;
	}
	memcpy(tmp, j->p, n);
	tmp[n] = '\0';
	v = strtod(tmp, &endp);
	if (endp != tmp + n || !isfinite(v)) {
		j->err = "bad number";
		return -1;
	}
	j->p += n;
	idx = new_node(j, ZP_JNUM);
	if (idx >= 0)
		j->d->nodes[idx].num = v;
	return idx;
}

static int parse_word(struct jp *j, const char *w, enum zp_jtype t, bool b)
{
	size_t n = strlen(w);
	int idx;

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n)) {
		j->err = "unexpected word";
		return -1;
	}
	j->p += n;
	idx = new_node(j, t);
	if (idx >= 0)
		j->d->nodes[idx].b = b;
	return idx;
}

static int parse_value(struct jp *j, int depth)
{
	const char *s;
	int idx;

	if (depth > ZP_JSON_MAX_DEPTH) {
		j->err = "nested too deep";
		return -1;
	}
	skip_ws(j);
	if (j->p >= j->end) {
		j->err = "unexpected end";
		return -1;
	}
	switch (*j->p) {
	case '{':
		return parse_container(j, depth, true);
	case '[':
		return parse_container(j, depth, false);
	case '"':
		idx = new_node(j, ZP_JSTR);
		if (idx < 0)
			return -1;
		s = parse_string(j);
		if (!s)
			return -1;
		j->d->nodes[idx].str = s;
		return idx;
	case 't':
		return parse_word(j, "true", ZP_JBOOL, true);
	case 'f':
		return parse_word(j, "false", ZP_JBOOL, false);
	case 'n':
		return parse_word(j, "null", ZP_JNULL, false);
	default:
		return parse_number(j);
	}
}

int zp_json_parse(struct zp_jdoc *d, const char *text, size_t len,
		  const char **err)
{
	struct jp j = { .d = d, .p = text, .end = text + len };
	int root;

	d->n = 0;
	d->strs = NULL;
	d->strs_used = 0;
	d->strs_cap = 0;
	if (len > ZP_JSON_MAX_INPUT) {
		*err = "message too long";
		return -1;
	}
	d->strs = malloc(len + 1);
	if (!d->strs) {
		*err = "out of memory";
		return -1;
	}
	d->strs_cap = len + 1;
	root = parse_value(&j, 0);
	if (root >= 0) {
		skip_ws(&j);
		if (j.p != j.end) {
			j.err = "trailing bytes";
			root = -1;
		}
	}
	if (root < 0) {
		*err = j.err ? j.err : "parse error";
		zp_json_free(d);
		return -1;
	}
	return root;
}

void zp_json_free(struct zp_jdoc *d)
{
	free(d->strs);
	d->strs = NULL;
}

int zp_json_get(const struct zp_jdoc *d, int obj, const char *key)
{
	if (obj < 0 || obj >= d->n || d->nodes[obj].type != ZP_JOBJ)
		return -1;
	for (int c = d->nodes[obj].child; c >= 0; c = d->nodes[c].next)
		if (!strcmp(d->nodes[c].key, key))
			return c;
	return -1;
}

const struct zp_jnode *zp_json_node(const struct zp_jdoc *d, int idx)
{
	if (idx < 0 || idx >= d->n)
		return NULL;
	return &d->nodes[idx];
}

/* ---- writer ---- */

static void jw_raw(struct zp_jw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		char *nb;

		while (cap < w->len + n + 1)
			cap *= 2;
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->oom = true;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
jw_fmt(struct zp_jw *w, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		jw_raw(w, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void jw_string(struct zp_jw *w, const char *s)
{
	jw_raw(w, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			jw_raw(w, e, 2);
		} else if (c < 0x20) {
			jw_fmt(w, "\\u%04x", c);
		} else {
			jw_raw(w, s, 1);
		}
	}
	jw_raw(w, "\"", 1);
}

static void jw_sep(struct zp_jw *w, const char *key)
{
	if (!w->first)
		jw_raw(w, ",", 1);
	w->first = false;
	if (!w->compact) {
		jw_raw(w, "\n", 1);
		for (int i = 0; i < w->depth; i++)
			jw_raw(w, "\t", 1);
	}
	if (key) {
		jw_string(w, key);
		jw_raw(w, w->compact ? ":" : ":\t", w->compact ? 1 : 2);
	}
}

void zp_jw_init(struct zp_jw *w, bool compact)
{
	memset(w, 0, sizeof(*w));
	w->compact = compact;
	w->first = true;
}

void zp_jw_free(struct zp_jw *w)
{
	free(w->buf);
	w->buf = NULL;
}

static void jw_open(struct zp_jw *w, const char *key, const char *c)
{
	if (w->depth > 0 || !w->first)
		jw_sep(w, key);
	jw_raw(w, c, 1);
	w->depth++;
	w->first = true;
}

static void jw_close(struct zp_jw *w, const char *c)
{
	w->depth--;
	if (!w->first && !w->compact) {
		jw_raw(w, "\n", 1);
		for (int i = 0; i < w->depth; i++)
			jw_raw(w, "\t", 1);
	}
	jw_raw(w, c, 1);
	w->first = false;
}

void zp_jw_obj(struct zp_jw *w, const char *key) { jw_open(w, key, "{"); }
void zp_jw_arr(struct zp_jw *w, const char *key) { jw_open(w, key, "["); }
void zp_jw_end_obj(struct zp_jw *w) { jw_close(w, "}"); }
void zp_jw_end_arr(struct zp_jw *w) { jw_close(w, "]"); }

void zp_jw_num(struct zp_jw *w, const char *key, double v)
{
	jw_sep(w, key);
	if (!isfinite(v))
		v = 0;
	if (v == (double)(int64_t)v && v < 1e15 && v > -1e15)
		jw_fmt(w, "%lld", (long long)v);
	else
		jw_fmt(w, "%.17g", v);
}

void zp_jw_int(struct zp_jw *w, const char *key, int64_t v)
{
	jw_sep(w, key);
	jw_fmt(w, "%lld", (long long)v);
}

void zp_jw_u64(struct zp_jw *w, const char *key, uint64_t v)
{
	jw_sep(w, key);
	jw_fmt(w, "%llu", (unsigned long long)v);
}

void zp_jw_str(struct zp_jw *w, const char *key, const char *s)
{
	jw_sep(w, key);
	jw_string(w, s);
}

void zp_jw_bool(struct zp_jw *w, const char *key, bool v)
{
	jw_sep(w, key);
	jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void zp_jw_null(struct zp_jw *w, const char *key)
{
	jw_sep(w, key);
	jw_raw(w, "null", 4);
}
