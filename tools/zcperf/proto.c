// SPDX-License-Identifier: MIT
/*
 * proto.c - control-channel framing, parameters and results of iperf3's
 * protocol. Every field from the peer is checked for type and range
 * before it is used; nothing is allocated before a length is validated.
 */
#include "proto.h"
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <zcaio.h>

static const char cookie_chars[] = "abcdefghijklmnopqrstuvwxyz234567";

void zp_make_cookie(char cookie[ZP_COOKIE_SIZE])
{
	uint8_t rnd[ZP_COOKIE_SIZE - 1];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		for (size_t i = 0; i < sizeof(rnd); i++)
			rnd[i] = (uint8_t)random();
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		cookie[i] = cookie_chars[rnd[i] % 32];
	cookie[ZP_COOKIE_SIZE - 1] = '\0';
}

bool zp_cookie_valid(const uint8_t c[ZP_COOKIE_SIZE])
{
	if (c[ZP_COOKIE_SIZE - 1] != '\0')
		return false;
	for (int i = 0; i < ZP_COOKIE_SIZE - 1; i++)
		if (!memchr(cookie_chars, c[i], 32) || !c[i])
			return false;
	return true;
}

/* ---- framing ---- */

void zp_rx_start(struct zp_rx *rx, enum zp_rx_mode mode)
{
	free(rx->body);
	memset(rx, 0, sizeof(*rx));
	rx->mode = mode;
}

void zp_rx_reset(struct zp_rx *rx)
{
	free(rx->body);
	rx->body = NULL;
}

size_t zp_rx_need(const struct zp_rx *rx)
{
	switch (rx->mode) {
	case ZP_RX_STATE:
		return rx->have ? 0 : 1;
	case ZP_RX_COOKIE:
		return ZP_COOKIE_SIZE - rx->have;
	case ZP_RX_JSON:
		if (rx->have < 4)
			return 4 - rx->have;
		return rx->len - rx->got;
	}
	return 0;
}

int zp_rx_push(struct zp_rx *rx, const void *buf, size_t n, const char **err)
{
	const uint8_t *b = buf;

	if (n > zp_rx_need(rx)) {
		*err = "internal: pushed more than needed";
		return -EINVAL;
	}
	switch (rx->mode) {
	case ZP_RX_STATE:
		if (n == 1) {
			rx->state = (int8_t)b[0];
			rx->have = 1;
		}
		return rx->have ? ZP_RX_DONE : ZP_RX_MORE;
	case ZP_RX_COOKIE:
		memcpy(rx->hdr + rx->have, b, n);
		rx->have += n;
		return rx->have == ZP_COOKIE_SIZE ? ZP_RX_DONE : ZP_RX_MORE;
	case ZP_RX_JSON:
		break;
	}
	if (rx->have < 4) {
		memcpy(rx->hdr + rx->have, b, n);
		rx->have += n;
		if (rx->have < 4)
			return ZP_RX_MORE;
		rx->len = (uint32_t)rx->hdr[0] << 24 | (uint32_t)rx->hdr[1] << 16 |
			  (uint32_t)rx->hdr[2] << 8 | rx->hdr[3];
		if (rx->len & 0x80000000u) {
			*err = "negative message length";
			return -EMSGSIZE;
		}
		if (rx->len == 0 || rx->len > ZP_MAX_MSG) {
			*err = rx->len ? "message too long" : "empty message";
			return -EMSGSIZE;
		}
		rx->body = malloc(rx->len + 1);
		if (!rx->body) {
			*err = "out of memory";
			return -ENOMEM;
		}
		rx->got = 0;
		return ZP_RX_MORE;
	}
	memcpy(rx->body + rx->got, b, n);
	rx->got += n;
	if (rx->got < rx->len)
		return ZP_RX_MORE;
	rx->body[rx->len] = '\0';
	return ZP_RX_DONE;
}

/* ---- field helpers ---- */

struct fget {
	const struct zp_jdoc *d;
	int obj;
	const char *err;
};

/* A number member within [lo, hi]; absent leaves *v. */
static bool get_num(struct fget *g, const char *key, double lo, double hi,
		    bool integral, double *v)
{
	const struct zp_jnode *n = zp_json_node(g->d, zp_json_get(g->d, g->obj, key));

	if (!n)
		return true;
	if (n->type != ZP_JNUM || n->num < lo || n->num > hi ||
	    (integral && n->num != floor(n->num))) {
		g->err = key;
		return false;
	}
	*v = n->num;
	return true;
}

static bool get_flag(struct fget *g, const char *key, bool *v)
{
	const struct zp_jnode *n = zp_json_node(g->d, zp_json_get(g->d, g->obj, key));

	if (!n)
		return true;
	if (n->type == ZP_JBOOL) {
		*v = n->b;
		return true;
	}
	if (n->type == ZP_JNUM && (n->num == 0 || n->num == 1)) {
		*v = n->num == 1;
		return true;
	}
	g->err = key;
	return false;
}

static bool get_str(struct fget *g, const char *key, char *out, size_t cap)
{
	const struct zp_jnode *n = zp_json_node(g->d, zp_json_get(g->d, g->obj, key));

	if (!n)
		return true;
	if (n->type != ZP_JSTR || strlen(n->str) >= cap) {
		g->err = key;
		return false;
	}
	if (out)
		snprintf(out, cap, "%s", n->str);
	return true;
}

/* An integral number member within [0, hi]; absent reads as 0. */
static bool get_u64(struct fget *g, const char *key, double hi, uint64_t *out)
{
	double v = 0;

	if (!get_num(g, key, 0, hi, true, &v))
		return false;
	*out = (uint64_t)v;
	return true;
}

static bool get_int(struct fget *g, const char *key, double hi, int *out)
{
	double v = 0;

	if (!get_num(g, key, 0, hi, true, &v))
		return false;
	*out = (int)v;
	return true;
}

/* Parses a message into a new document; its root node's index, or -errno
 * (*err says why). The caller ends a document with doc_free(). */
static int doc_parse(struct zp_jdoc **dp, const char *json, size_t len,
		     const char **err)
{
	struct zp_jdoc *d = malloc(sizeof(*d));
	int root;

	if (!d) {
		*err = "out of memory";
		return -ENOMEM;
	}
	root = zp_json_parse(d, json, len, err);
	if (root < 0) {
		free(d);
		return -EINVAL;
	}
	*dp = d;
	return root;
}

static void doc_free(struct zp_jdoc *d)
{
	zp_json_free(d);
	free(d);
}

/* Closes an encoded message's root object and hands its text over. */
static int jw_finish(struct zp_jw *w, char **out, size_t *len)
{
	zp_jw_end_obj(w);
	if (w->oom) {
		zp_jw_free(w);
		return -ENOMEM;
	}
	*out = w->buf;
	*len = w->len;
	return 0;
}

/* ---- parameters ---- */

void zp_params_default(struct zp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->time = 10;
	p->parallel = 1;
	p->len = 128 * 1024;
	p->zc = -1;
	p->backend = -1;
	p->fixed = -1;
}

static const char *const zc_names[] = { "off", "on", "auto" };
static const char *const backend_names[] = { "auto", "io_uring",
					     "msg_zerocopy", "copy" };

int zp_params_encode(const struct zp_params *p, char **out, size_t *len)
{
	struct zp_jw w;

	zp_jw_init(&w, true);
	zp_jw_obj(&w, NULL);
	zp_jw_bool(&w, p->udp ? "udp" : "tcp", true);
	zp_jw_int(&w, "omit", 0);
	zp_jw_int(&w, "time", p->time);
	zp_jw_u64(&w, "num", p->num);
	zp_jw_int(&w, "blockcount", 0);
	if (p->mss)
		zp_jw_int(&w, "MSS", p->mss);
	if (p->nodelay)
		zp_jw_bool(&w, "nodelay", true);
	zp_jw_int(&w, "parallel", p->parallel);
	if (p->reverse)
		zp_jw_bool(&w, "reverse", true);
	if (p->bidir)
		zp_jw_bool(&w, "bidirectional", true);
	if (p->window)
		zp_jw_int(&w, "window", p->window);
	zp_jw_u64(&w, "len", p->len);
	if (p->bandwidth)
		zp_jw_u64(&w, "bandwidth", p->bandwidth);
	zp_jw_int(&w, "pacing_timer", 1000);
	if (p->udp64)
		zp_jw_bool(&w, "udp_counters_64bit", true);
	zp_jw_str(&w, "client_version", "3.12");
	zp_jw_str(&w, "zcperf_version", zc_version());
	if (p->verify) {
		zp_jw_bool(&w, "zcperf_verify", true);
		zp_jw_u64(&w, "zcperf_seed", p->seed);
	}
	if (p->zc >= 0)
		zp_jw_str(&w, "zcperf_zc", zc_names[p->zc]);
	if (p->backend >= 0)
		zp_jw_str(&w, "zcperf_backend", backend_names[p->backend]);
	if (p->fixed >= 0)
		zp_jw_bool(&w, "zcperf_fixed", p->fixed);
	if (p->inflight)
		zp_jw_int(&w, "zcperf_inflight", p->inflight);
	if (p->rr)
		zp_jw_bool(&w, "zcperf_rr", true);
	return jw_finish(&w, out, len);
}

static int name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* A string member, one of names[n]: *out its index; absent or "" leaves *out. */
static bool get_name(struct fget *g, const char *key, const char *const *names,
		     int n, int *out)
{
	char s[32] = "";

	if (!get_str(g, key, s, sizeof(s)))
		return false;
	if (s[0] && (*out = name_index(s, names, n)) < 0) {
		g->err = key;
		return false;
	}
	return true;
}

/* Fields iperf3 clients may send that zcperf does not implement: refused
 * unless they carry the "off" value, so a test never silently measures
 * something else than what the user asked for. */
static const struct {
	const char *key, *what;
} unsupported[] = {
	{ "sctp", "SCTP (--sctp)" },
	{ "server_affinity", "server CPU affinity (-A n,m)" },
	{ "fqrate", "fair-queue pacing (--fq-rate)" },
	{ "burst", "UDP bursts (-b rate/burst)" },
	{ "TOS", "type of service (-S)" },
	{ "flowlabel", "IPv6 flow label (-L)" },
	{ "congestion", "congestion control choice (-C)" },
	{ "get_server_output", "--get-server-output" },
	{ "dont_fragment", "--dont-fragment" },
	{ "authtoken", "authentication (--username)" },
	{ "blockcount", "block count (-k)" },
	{ "omit", "omitting seconds (-O)" },
};

static bool refused_field(struct fget *g, const char *key)
{
	int idx = zp_json_get(g->d, g->obj, key);
	const struct zp_jnode *n = zp_json_node(g->d, idx);

	if (!n)
		return false;
	if (n->type == ZP_JNUM && n->num == 0)
		return false;
	if (n->type == ZP_JBOOL && !n->b)
		return false;
	if (n->type == ZP_JSTR && !strcmp(key, "congestion") && !n->str[0])
		return false;
	return true;
}

int zp_params_decode(struct zp_params *p, const char *json, size_t len,
		     int *ierr, const char **err)
{
	static char msg[128];
	struct zp_jdoc *d;
	struct fget g = { 0 };
	double v;
	bool tcp = false, sctp_dummy = false;
	int root, ret = -EINVAL;

	*ierr = ZP_IE_RECVPARAMS;
	root = doc_parse(&d, json, len, err);
	if (root < 0)
		return root;
	if (d->nodes[root].type != ZP_JOBJ) {
		*err = "parameters are not a JSON object";
		goto out;
	}
	g.d = d;
	g.obj = root;
	zp_params_default(p);
	p->time = 0;
	p->len = 0;
	(void)sctp_dummy;
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		if (refused_field(&g, unsupported[i].key)) {
			snprintf(msg, sizeof(msg), "not supported by zcperf: %s",
				 unsupported[i].what);
			*err = msg;
			*ierr = ZP_IE_UNIMP;
			goto out;
		}
	}
	if (!get_flag(&g, "tcp", &tcp) || !get_flag(&g, "udp", &p->udp) ||
	    !get_flag(&g, "nodelay", &p->nodelay) ||
	    !get_flag(&g, "reverse", &p->reverse) ||
	    !get_flag(&g, "bidirectional", &p->bidir) ||
	    !get_flag(&g, "udp_counters_64bit", &p->udp64) ||
	    !get_flag(&g, "zcperf_verify", &p->verify) ||
	    !get_flag(&g, "zcperf_rr", &p->rr) ||
	    !get_str(&g, "title", NULL, 256) ||
	    !get_str(&g, "extra_data", NULL, 1024) ||
	    !get_str(&g, "congestion_used", NULL, 32) ||
	    !get_str(&g, "client_version", p->client_version,
		     sizeof(p->client_version)))
		goto bad;
	if (tcp == p->udp) {
		*err = "exactly one of tcp and udp must be set";
		goto out;
	}
	if (!get_int(&g, "time", ZP_MAX_TIME, &p->time)) {
		*ierr = ZP_IE_DURATION;
		goto bad;
	}
	if (!get_u64(&g, "num", 1e15, &p->num))
		goto bad;
	if (p->time == 0 && p->num == 0) {
		*err = "no end condition (time and num both 0)";
		*ierr = ZP_IE_DURATION;
		goto out;
	}
	v = 1;
	if (!get_num(&g, "parallel", 1, ZP_MAX_STREAMS, true, &v)) {
		*ierr = ZP_IE_NUMSTREAMS;
		goto bad;
	}
	p->parallel = (int)v;
	v = p->udp ? 1460 : 128 * 1024;
	if (!get_num(&g, "len", p->udp ? ZP_MIN_UDP_LEN : 1,
		     p->udp ? ZP_MAX_UDP_LEN : ZP_MAX_TCP_LEN, true, &v)) {
		*ierr = p->udp ? ZP_IE_UDPBLOCKSIZE : ZP_IE_BLOCKSIZE;
		goto bad;
	}
	p->len = (uint32_t)v;
	if (!get_u64(&g, "bandwidth", 1e13, &p->bandwidth) ||
	    !get_int(&g, "window", 1 << 30, &p->window) ||
	    !get_int(&g, "MSS", 65535, &p->mss))
		goto bad;
	v = 0;
	if (!get_num(&g, "pacing_timer", 0, 1e9, true, &v))
		goto bad;
	if (p->reverse && p->bidir) {
		*err = "reverse and bidirectional together";
		goto out;
	}
	/* zcperf's own fields */
	p->zcperf = zp_json_get(d, root, "zcperf_version") >= 0;
	if (!get_str(&g, "zcperf_version", NULL, 32))
		goto bad;
	if (!get_u64(&g, "zcperf_seed", 9007199254740991.0, &p->seed) ||
	    !get_int(&g, "zcperf_inflight", 1024, &p->inflight))
		goto bad;
	if (!get_name(&g, "zcperf_zc", zc_names, 3, &p->zc) ||
	    !get_name(&g, "zcperf_backend", backend_names, 4, &p->backend))
		goto bad;
	if (zp_json_get(d, root, "zcperf_fixed") >= 0) {
		bool f = false;

		if (!get_flag(&g, "zcperf_fixed", &f))
			goto bad;
		p->fixed = f;
	}
	if (p->verify && p->udp && p->len < 24) {
		*err = "--verify over UDP needs -l 24 or more";
		*ierr = ZP_IE_UDPBLOCKSIZE;
		goto out;
	}
	ret = 0;
	goto out;
bad:
	snprintf(msg, sizeof(msg), "bad parameter '%s'", g.err ? g.err : "?");
	*err = msg;
out:
	doc_free(d);
	return ret;
}

/* ---- results ---- */

int zp_results_encode(const struct zp_results *r, char **out, size_t *len)
{
	struct zp_jw w;

	zp_jw_init(&w, true);
	zp_jw_obj(&w, NULL);
	zp_jw_num(&w, "cpu_util_total", r->cpu_total);
	zp_jw_num(&w, "cpu_util_user", r->cpu_user);
	zp_jw_num(&w, "cpu_util_system", r->cpu_sys);
	zp_jw_int(&w, "sender_has_retransmits", r->sender_has_retransmits);
	if (r->congestion[0])
		zp_jw_str(&w, "congestion_used", r->congestion);
	zp_jw_num(&w, "zcperf_cpu_user_s", r->cpu_user_s);
	zp_jw_num(&w, "zcperf_cpu_sys_s", r->cpu_sys_s);
	if (r->backend[0])
		zp_jw_str(&w, "zcperf_backend", r->backend);
	zp_jw_arr(&w, "streams");
	for (int i = 0; i < r->nstreams; i++) {
		const struct zp_sres *s = &r->s[i];

		zp_jw_obj(&w, NULL);
		zp_jw_int(&w, "id", s->id);
		zp_jw_u64(&w, "bytes", s->bytes);
		zp_jw_int(&w, "retransmits", s->retransmits);
		zp_jw_num(&w, "jitter", s->jitter);
		zp_jw_int(&w, "errors", s->errors);
		zp_jw_int(&w, "packets", s->packets);
		zp_jw_num(&w, "start_time", s->start_time);
		zp_jw_num(&w, "end_time", s->end_time);
		if (s->has_zc) {
			zp_jw_u64(&w, "zcperf_bytes_zc", s->bytes_zc);
			zp_jw_u64(&w, "zcperf_bytes_zc_copied", s->bytes_zc_copied);
			zp_jw_u64(&w, "zcperf_bytes_copied", s->bytes_copied);
		}
		if (s->has_verify) {
			zp_jw_u64(&w, "zcperf_verified", s->v_checked);
			zp_jw_u64(&w, "zcperf_corrupt", s->v_corrupt);
			zp_jw_u64(&w, "zcperf_lost", s->v_lost);
			zp_jw_u64(&w, "zcperf_reordered", s->v_reordered);
		}
		zp_jw_end_obj(&w);
	}
	zp_jw_end_arr(&w);
	return jw_finish(&w, out, len);
}

/* iperf3 3.12 prints -1 in some counters as 2^64-1; read both as -1. */
static int64_t as_count(double v)
{
	if (v < 0 || v >= 9.2e18)
		return -1;
	return (int64_t)v;
}

static bool stream_decode(const struct zp_jdoc *d, int obj, struct zp_sres *s,
			  const char **err)
{
	struct fget g = { .d = d, .obj = obj };
	double v;
	const char *const req[] = { "id", "bytes", "retransmits", "jitter",
				    "errors", "packets" };

	if (zp_json_node(d, obj)->type != ZP_JOBJ) {
		*err = "stream result is not an object";
		return false;
	}
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		if (zp_json_get(d, obj, req[i]) < 0) {
			*err = "stream result lacks a field";
			return false;
		}
	}
	memset(s, 0, sizeof(*s));
	v = 0;
	if (!get_num(&g, "id", 1, 100000, true, &v))
		goto bad;
	s->id = (int)v;
	if (!get_num(&g, "bytes", 0, 1.9e19, false, &v))
		goto bad;
	s->bytes = v >= 1.8e19 ? 0 : (uint64_t)v;
	if (!get_num(&g, "retransmits", -1, 1.9e19, false, &v))
		goto bad;
	s->retransmits = as_count(v);
	if (!get_num(&g, "jitter", 0, 1e6, false, &s->jitter))
		goto bad;
	if (!get_num(&g, "errors", -1, 1.9e19, false, &v))
		goto bad;
	s->errors = as_count(v);
	if (!get_num(&g, "packets", -1, 1.9e19, false, &v))
		goto bad;
	s->packets = as_count(v);
	if (!get_num(&g, "start_time", 0, 1e7, false, &s->start_time) ||
	    !get_num(&g, "end_time", 0, 1e7, false, &s->end_time))
		goto bad;
	s->has_zc = zp_json_get(d, obj, "zcperf_bytes_zc") >= 0;
	s->has_verify = zp_json_get(d, obj, "zcperf_verified") >= 0;
	if (!get_u64(&g, "zcperf_bytes_zc", 1.8e19, &s->bytes_zc) ||
	    !get_u64(&g, "zcperf_bytes_zc_copied", 1.8e19, &s->bytes_zc_copied) ||
	    !get_u64(&g, "zcperf_bytes_copied", 1.8e19, &s->bytes_copied) ||
	    !get_u64(&g, "zcperf_verified", 1.8e19, &s->v_checked) ||
	    !get_u64(&g, "zcperf_corrupt", 1.8e19, &s->v_corrupt) ||
	    !get_u64(&g, "zcperf_lost", 1.8e19, &s->v_lost) ||
	    !get_u64(&g, "zcperf_reordered", 1.8e19, &s->v_reordered))
		goto bad;
	return true;
bad:
	*err = "bad stream result field";
	return false;
}

int zp_results_decode(struct zp_results *r, const char *json, size_t len,
		      const char **err)
{
	struct zp_jdoc *d;
	struct fget g = { 0 };
	const struct zp_jnode *arr;
	double v;
	int root, ret = -EINVAL;

	root = doc_parse(&d, json, len, err);
	if (root < 0)
		return root;
	memset(r, 0, sizeof(*r));
	g.d = d;
	g.obj = root;
	if (d->nodes[root].type != ZP_JOBJ ||
	    zp_json_get(d, root, "cpu_util_total") < 0 ||
	    zp_json_get(d, root, "cpu_util_user") < 0 ||
	    zp_json_get(d, root, "cpu_util_system") < 0 ||
	    zp_json_get(d, root, "sender_has_retransmits") < 0) {
		*err = "results lack a required field";
		goto out;
	}
	if (!get_num(&g, "cpu_util_total", 0, 1e6, false, &r->cpu_total) ||
	    !get_num(&g, "cpu_util_user", 0, 1e6, false, &r->cpu_user) ||
	    !get_num(&g, "cpu_util_system", 0, 1e6, false, &r->cpu_sys) ||
	    !get_num(&g, "sender_has_retransmits", -1, 1.9e19, false, &v) ||
	    !get_str(&g, "congestion_used", r->congestion,
		     sizeof(r->congestion)) ||
	    !get_str(&g, "zcperf_backend", r->backend, sizeof(r->backend))) {
		*err = "bad results field";
		goto out;
	}
	r->sender_has_retransmits = (int)as_count(v);
	r->has_cpu_s = zp_json_get(d, root, "zcperf_cpu_user_s") >= 0;
	if (!get_num(&g, "zcperf_cpu_user_s", 0, 1e7, false, &r->cpu_user_s) ||
	    !get_num(&g, "zcperf_cpu_sys_s", 0, 1e7, false, &r->cpu_sys_s)) {
		*err = "bad results field";
		goto out;
	}
	arr = zp_json_node(d, zp_json_get(d, root, "streams"));
	if (!arr || arr->type != ZP_JARR) {
		*err = "results lack streams";
		goto out;
	}
	for (int c = arr->child; c >= 0; c = d->nodes[c].next) {
		if (r->nstreams >= 2 * ZP_MAX_STREAMS) {
			*err = "too many streams in results";
			goto out;
		}
		if (!stream_decode(d, c, &r->s[r->nstreams], err))
			goto out;
		r->nstreams++;
	}
	ret = 0;
out:
	doc_free(d);
	return ret;
}
