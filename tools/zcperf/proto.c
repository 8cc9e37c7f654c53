// SPDX-License-Identifier: MIT
/*
 * proto.c - control-channel framing, parameters and results of iperf3's
 * protocol. Every field from the peer is checked for type and range
 * before it is used; nothing is allocated before a length is validated.
 */
#include "proto.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
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
	case ZP_RX_RESULTS:
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
	case ZP_RX_RESULTS:
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
		if (rx->len == 0 || rx->len > (rx->mode == ZP_RX_RESULTS ?
						ZP_MAX_RESULTS_MSG : ZP_MAX_MSG)) {
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

/*
 * Bounds on a peer's JSON before cJSON sees it: nesting depth, and the
 * number of values (cJSON allocates one node, about 80 bytes, per value,
 * so the cap bounds its memory to a few MiB whatever the text). Counted
 * outside strings: every value but the first follows a ',' or opens
 * after '[' / '{'.
 */
static int json_bounds(const char *s, size_t len, size_t max_values,
		       const char **err)
{
	size_t values = 1;
	int depth = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > ZP_JSON_MAX_DEPTH) {
				*err = "JSON nested too deeply";
				return -EINVAL;
			}
			values++;
		} else if (c == ']' || c == '}') {
			depth--;
		} else if (c == ',') {
			values++;
		}
		if (values > max_values) {
			*err = "too many JSON values";
			return -E2BIG;
		}
	}
	return 0;
}

/* Parses a peer's message: an object, with nothing but white space
 * after it. *root is freed with cJSON_Delete(). */
static int doc_parse(cJSON **root, const char *json, size_t len,
		     size_t max_values, const char **err)
{
	const char *end = NULL;
	int ret = json_bounds(json, len, max_values, err);

	if (ret < 0)
		return ret;
	*root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!*root) {
		*err = "malformed JSON";
		return -EINVAL;
	}
	while (end && end < json + len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (!cJSON_IsObject(*root) || !end || end != json + len) {
		*err = cJSON_IsObject(*root) ? "text after the JSON object" :
		       "not a JSON object";
		cJSON_Delete(*root);
		*root = NULL;
		return -EINVAL;
	}
	return 0;
}

struct fget {
	const cJSON *obj;
	const char *err;
};

static const cJSON *member(const struct fget *g, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(g->obj, key);
}

/* A number member within [lo, hi]; absent leaves *v. */
static bool get_num(struct fget *g, const char *key, double lo, double hi,
		    bool integral, double *v)
{
	const cJSON *n = member(g, key);

	if (!n)
		return true;
	if (!cJSON_IsNumber(n) || !(n->valuedouble >= lo) ||
	    !(n->valuedouble <= hi) ||
	    (integral && n->valuedouble != floor(n->valuedouble))) {
		g->err = key;
		return false;
	}
	*v = n->valuedouble;
	return true;
}

static bool get_flag(struct fget *g, const char *key, bool *v)
{
	const cJSON *n = member(g, key);

	if (!n)
		return true;
	if (cJSON_IsBool(n)) {
		*v = cJSON_IsTrue(n);
		return true;
	}
	if (cJSON_IsNumber(n) && (n->valuedouble == 0 || n->valuedouble == 1)) {
		*v = n->valuedouble == 1;
		return true;
	}
	g->err = key;
	return false;
}

static bool get_str(struct fget *g, const char *key, char *out, size_t cap)
{
	const cJSON *n = member(g, key);

	if (!n)
		return true;
	if (!cJSON_IsString(n) || strlen(n->valuestring) >= cap) {
		g->err = key;
		return false;
	}
	if (out)
		snprintf(out, cap, "%s", n->valuestring);
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

/* Prints an encoded message compactly and hands its text over. */
static int doc_finish(cJSON *root, bool ok, char **out, size_t *len)
{
	char *s = ok ? cJSON_PrintUnformatted(root) : NULL;

	cJSON_Delete(root);
	if (!s)
		return -ENOMEM;
	*out = s;
	*len = strlen(s);
	return 0;
}

/* Adders that remember a failed allocation, so an encoder checks once. */
static bool add_num(cJSON *o, const char *key, double v)
{
	return cJSON_AddNumberToObject(o, key, v) != NULL;
}

/*
 * An integer, written exactly: cJSON prints a number past 2^31 with 15
 * significant digits and keeps the text when it reads back within a
 * relative 2^-52, so a 16-digit integer could come out one off (a
 * --verify seed did: every byte then looked corrupt).
 */
bool zp_json_int(cJSON *o, const char *key, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return cJSON_AddRawToObject(o, key, buf) != NULL;
}

static bool add_int(cJSON *o, const char *key, int64_t v)
{
	return zp_json_int(o, key, v);
}

static bool add_bool(cJSON *o, const char *key, bool v)
{
	return cJSON_AddBoolToObject(o, key, v) != NULL;
}

static bool add_str(cJSON *o, const char *key, const char *v)
{
	return cJSON_AddStringToObject(o, key, v) != NULL;
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
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	if (!o)
		return -ENOMEM;
	ok = ok && add_bool(o, p->udp ? "udp" : "tcp", true);
	ok = ok && add_num(o, "omit", p->omit);
	ok = ok && add_num(o, "time", p->time);
	ok = ok && add_int(o, "num", (int64_t)p->num);
	ok = ok && add_num(o, "blockcount", 0);
	if (p->mss)
		ok = ok && add_num(o, "MSS", p->mss);
	if (p->nodelay)
		ok = ok && add_bool(o, "nodelay", true);
	ok = ok && add_num(o, "parallel", p->parallel);
	if (p->reverse)
		ok = ok && add_bool(o, "reverse", true);
	if (p->bidir)
		ok = ok && add_bool(o, "bidirectional", true);
	if (p->window)
		ok = ok && add_num(o, "window", p->window);
	ok = ok && add_num(o, "len", p->len);
	if (p->bandwidth)
		ok = ok && add_int(o, "bandwidth", (int64_t)p->bandwidth);
	ok = ok && add_num(o, "pacing_timer", 1000);
	if (p->title[0])
		ok = ok && add_str(o, "title", p->title);
	if (p->congestion[0])
		ok = ok && add_str(o, "congestion", p->congestion);
	if (p->get_server_output)
		ok = ok && add_num(o, "get_server_output", 1);
	if (p->udp64)
		ok = ok && add_bool(o, "udp_counters_64bit", true);
	ok = ok && add_str(o, "client_version", "3.12");
	ok = ok && add_str(o, "zcperf_version", zc_version());
	if (p->verify) {
		ok = ok && add_bool(o, "zcperf_verify", true);
		ok = ok && add_int(o, "zcperf_seed", (int64_t)p->seed);
	}
	if (p->zc >= 0)
		ok = ok && add_str(o, "zcperf_zc", zc_names[p->zc]);
	if (p->backend >= 0)
		ok = ok && add_str(o, "zcperf_backend", backend_names[p->backend]);
	if (p->fixed >= 0)
		ok = ok && add_bool(o, "zcperf_fixed", p->fixed);
	if (p->inflight)
		ok = ok && add_num(o, "zcperf_inflight", p->inflight);
	if (p->rr)
		ok = ok && add_bool(o, "zcperf_rr", true);
	return doc_finish(o, ok, out, len);
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
	{ "dont_fragment", "--dont-fragment" },
	{ "authtoken", "authentication (--username)" },
};

static bool refused_field(struct fget *g, const char *key)
{
	const cJSON *n = member(g, key);

	if (!n)
		return false;
	if (cJSON_IsNumber(n) && n->valuedouble == 0)
		return false;
	if (cJSON_IsFalse(n))
		return false;
	return true;
}

int zp_params_decode(struct zp_params *p, const char *json, size_t len,
		     int *ierr, const char **err)
{
	static char msg[128];
	cJSON *root;
	struct fget g = { 0 };
	double v;
	bool tcp = false;
	uint64_t blocks = 0;
	int ret;

	*ierr = ZP_IE_RECVPARAMS;
	ret = doc_parse(&root, json, len, ZP_MAX_PARAM_VALUES, err);
	if (ret < 0)
		return ret;
	ret = -EINVAL;
	g.obj = root;
	zp_params_default(p);
	p->time = 0;
	p->len = 0;
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
	    !get_flag(&g, "get_server_output", &p->get_server_output) ||
	    !get_flag(&g, "zcperf_verify", &p->verify) ||
	    !get_flag(&g, "zcperf_rr", &p->rr) ||
	    !get_str(&g, "title", p->title, sizeof(p->title)) ||
	    !get_str(&g, "congestion", p->congestion, sizeof(p->congestion)) ||
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
	if (!get_int(&g, "omit", ZP_MAX_OMIT, &p->omit)) {
		*ierr = ZP_IE_OMIT;
		goto bad;
	}
	if (!get_u64(&g, "num", 1e15, &p->num) ||
	    !get_u64(&g, "blockcount", 1e12, &blocks))
		goto bad;
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
	/* -k: that many writes of len bytes; ends like -n of as many bytes */
	if (blocks && !p->num)
		p->num = blocks * p->len;
	if (p->time == 0 && p->num == 0) {
		*err = "no end condition (time, num and blockcount all 0)";
		*ierr = ZP_IE_DURATION;
		goto out;
	}
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
	p->zcperf = member(&g, "zcperf_version") != NULL;
	if (!get_str(&g, "zcperf_version", NULL, 32))
		goto bad;
	if (!get_u64(&g, "zcperf_seed", 9007199254740991.0, &p->seed) ||
	    !get_int(&g, "zcperf_inflight", 1024, &p->inflight))
		goto bad;
	if (!get_name(&g, "zcperf_zc", zc_names, 3, &p->zc) ||
	    !get_name(&g, "zcperf_backend", backend_names, 4, &p->backend))
		goto bad;
	if (member(&g, "zcperf_fixed")) {
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
	cJSON_Delete(root);
	return ret;
}

/* ---- results ---- */

/* The sender's TCP_INFO summary of a stream, zcperf's own fields
 * (iperf3 3.12 does not exchange them; absent when not measured). */
static const struct {
	const char *key;
	size_t off;
} tcp_fields[] = {
	{ "zcperf_max_snd_cwnd", offsetof(struct zp_sres, max_snd_cwnd) },
	{ "zcperf_max_snd_wnd", offsetof(struct zp_sres, max_snd_wnd) },
	{ "zcperf_max_rtt", offsetof(struct zp_sres, max_rtt) },
	{ "zcperf_min_rtt", offsetof(struct zp_sres, min_rtt) },
	{ "zcperf_mean_rtt", offsetof(struct zp_sres, mean_rtt) },
};

static int64_t *tcp_field(struct zp_sres *s, size_t i)
{
	return (int64_t *)((char *)s + tcp_fields[i].off);
}

static bool stream_encode(cJSON *arr, const struct zp_sres *s)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o && cJSON_AddItemToArray(arr, o);

	if (!ok) {
		cJSON_Delete(o);
		return false;
	}
	ok = ok && add_num(o, "id", s->id);
	ok = ok && add_int(o, "bytes", (int64_t)s->bytes);
	ok = ok && add_int(o, "retransmits", (int64_t)s->retransmits);
	ok = ok && add_num(o, "jitter", s->jitter);
	ok = ok && add_int(o, "errors", (int64_t)s->errors);
	ok = ok && add_int(o, "packets", (int64_t)s->packets);
	ok = ok && add_num(o, "start_time", s->start_time);
	ok = ok && add_num(o, "end_time", s->end_time);
	for (size_t i = 0; i < sizeof(tcp_fields) / sizeof(tcp_fields[0]); i++)
		if (*tcp_field((struct zp_sres *)s, i) >= 0)
			ok = ok && add_int(o, tcp_fields[i].key,
					   *tcp_field((struct zp_sres *)s, i));
	if (s->has_zc) {
		ok = ok && add_int(o, "zcperf_bytes_zc", (int64_t)s->bytes_zc);
		ok = ok && add_int(o, "zcperf_bytes_zc_copied",
				   (int64_t)s->bytes_zc_copied);
		ok = ok && add_int(o, "zcperf_bytes_copied",
				   (int64_t)s->bytes_copied);
	}
	if (s->has_verify) {
		ok = ok && add_int(o, "zcperf_verified", (int64_t)s->v_checked);
		ok = ok && add_int(o, "zcperf_corrupt", (int64_t)s->v_corrupt);
		ok = ok && add_int(o, "zcperf_lost", (int64_t)s->v_lost);
		ok = ok && add_int(o, "zcperf_reordered", (int64_t)s->v_reordered);
	}
	return ok;
}

int zp_results_encode(const struct zp_results *r, const char *server_output,
		      bool output_is_json, char **out, size_t *len)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	bool ok = o != NULL;

	if (!o)
		return -ENOMEM;
	ok = ok && add_num(o, "cpu_util_total", r->cpu_total);
	ok = ok && add_num(o, "cpu_util_user", r->cpu_user);
	ok = ok && add_num(o, "cpu_util_system", r->cpu_sys);
	ok = ok && add_num(o, "sender_has_retransmits", r->sender_has_retransmits);
	if (r->congestion[0])
		ok = ok && add_str(o, "congestion_used", r->congestion);
	ok = ok && add_num(o, "zcperf_cpu_user_s", r->cpu_user_s);
	ok = ok && add_num(o, "zcperf_cpu_sys_s", r->cpu_sys_s);
	if (r->backend[0])
		ok = ok && add_str(o, "zcperf_backend", r->backend);
	arr = ok ? cJSON_AddArrayToObject(o, "streams") : NULL;
	ok = ok && arr;
	for (int i = 0; ok && i < r->nstreams; i++)
		ok = stream_encode(arr, &r->s[i]);
	/* the peer takes results up to ZP_MAX_RESULTS_MSG: half of it for
	 * the report, else a note */
	if (server_output && strlen(server_output) > ZP_MAX_RESULTS_MSG / 2) {
		server_output = "(the server's output is over 512 KiB: not sent)\n";
		output_is_json = false;
	}
	if (ok && server_output && output_is_json) {
		cJSON *so = cJSON_Parse(server_output);

		ok = so && cJSON_AddItemToObject(o, "server_output_json", so);
		if (!ok)
			cJSON_Delete(so);
	} else if (ok && server_output) {
		ok = add_str(o, "server_output_text", server_output);
	}
	return doc_finish(o, ok, out, len);
}

/* iperf3 3.12 prints -1 in some counters as 2^64-1; read both as -1. */
static int64_t as_count(double v)
{
	if (v < 0 || v >= 9.2e18)
		return -1;
	return (int64_t)v;
}

static bool stream_decode(const cJSON *obj, struct zp_sres *s,
			  const char **err)
{
	struct fget g = { .obj = obj };
	double v;
	const char *const req[] = { "id", "bytes", "retransmits", "jitter",
				    "errors", "packets" };

	if (!cJSON_IsObject(obj)) {
		*err = "stream result is not an object";
		return false;
	}
	for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		if (!member(&g, req[i])) {
			*err = "stream result lacks a field";
			return false;
		}
	}
	memset(s, 0, sizeof(*s));
	v = 0;
	if (!get_num(&g, "id", 1, 100000, true, &v))
		goto bad;
	s->id = (int)v;
	/* 2^53 bytes (8 PiB): more than 24 h at 100 Gbit/s, and exact */
	if (!get_num(&g, "bytes", 0, 9007199254740992.0, false, &v))
		goto bad;
	s->bytes = (uint64_t)v;
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
	for (size_t i = 0; i < sizeof(tcp_fields) / sizeof(tcp_fields[0]); i++) {
		v = -1;
		if (!get_num(&g, tcp_fields[i].key, 0, 1e12, true, &v))
			goto bad;
		*tcp_field(s, i) = (int64_t)v;
	}
	s->has_zc = member(&g, "zcperf_bytes_zc") != NULL;
	s->has_verify = member(&g, "zcperf_verified") != NULL;
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
	cJSON *root;
	struct fget g = { 0 };
	const cJSON *arr, *c;
	double v;
	int ret;

	ret = doc_parse(&root, json, len, ZP_MAX_RESULT_VALUES, err);
	if (ret < 0)
		return ret;
	ret = -EINVAL;
	memset(r, 0, sizeof(*r));
	g.obj = root;
	if (!member(&g, "cpu_util_total") || !member(&g, "cpu_util_user") ||
	    !member(&g, "cpu_util_system") ||
	    !member(&g, "sender_has_retransmits")) {
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
	r->has_cpu_s = member(&g, "zcperf_cpu_user_s") != NULL;
	if (!get_num(&g, "zcperf_cpu_user_s", 0, 1e7, false, &r->cpu_user_s) ||
	    !get_num(&g, "zcperf_cpu_sys_s", 0, 1e7, false, &r->cpu_sys_s)) {
		*err = "bad results field";
		goto out;
	}
	arr = member(&g, "streams");
	if (!cJSON_IsArray(arr)) {
		*err = "results lack streams";
		goto out;
	}
	cJSON_ArrayForEach(c, arr) {
		if (r->nstreams >= 2 * ZP_MAX_STREAMS) {
			*err = "too many streams in results";
			goto out;
		}
		if (!stream_decode(c, &r->s[r->nstreams], err))
			goto out;
		r->nstreams++;
	}
	ret = 0;
out:
	cJSON_Delete(root);
	return ret;
}

int zp_results_server_output(const char *json, size_t len, char **out,
			     bool *is_json)
{
	const char *err;
	cJSON *root;
	const cJSON *o;
	int ret = doc_parse(&root, json, len, ZP_MAX_RESULT_VALUES, &err);

	*out = NULL;
	if (ret < 0)
		return ret;
	o = cJSON_GetObjectItemCaseSensitive(root, "server_output_json");
	*is_json = o != NULL;
	if (o)
		*out = cJSON_Print(o);
	o = cJSON_GetObjectItemCaseSensitive(root, "server_output_text");
	if (!*out && cJSON_IsString(o))
		*out = strdup(o->valuestring);
	cJSON_Delete(root);
	return *out ? 0 : -ENOENT;
}
