// SPDX-License-Identifier: MIT
/*
 * proto-json - the bounds on a peer's JSON (proto.h), checked on the
 * decoders directly: iperf3's largest legitimate messages pass (results
 * of --bidir -P 128: 256 stream records, the 115th value no longer a
 * limit), hostile ones are refused with a reason before cJSON builds
 * them: too deep, too many values, text after the object, a framed
 * length over the cap of its kind.
 */
#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fails;

#define CHECK(cond, what)                                         \
	do {                                                      \
		if (!(cond)) {                                    \
			printf("FAIL: %s (line %d)\n", what, __LINE__); \
			fails++;                                  \
		}                                                 \
	} while (0)

/* Results with @n stream records, as iperf3 3.12 writes them. */
static char *results(int n)
{
	size_t cap = 256 + (size_t)n * 200, len;
	char *s = malloc(cap);

	len = (size_t)snprintf(s, cap, "{\"cpu_util_total\":1.5,\"cpu_util_user\":0.5,"
			       "\"cpu_util_system\":1,\"sender_has_retransmits\":1,"
			       "\"streams\":[");
	for (int i = 1; i <= n; i++)
		len += (size_t)snprintf(s + len, cap - len,
			"%s{\"id\":%d,\"bytes\":%d,\"retransmits\":%d,\"jitter\":0,"
			"\"errors\":0,\"packets\":0,\"start_time\":0,\"end_time\":2}",
			i > 1 ? "," : "", i, 1000 + i, i % 7);
	snprintf(s + len, cap - len, "]}");
	return s;
}

/* Frames @len in a 4-byte header and feeds it; the reader's verdict. */
static int frame(enum zp_rx_mode mode, uint32_t len)
{
	struct zp_rx rx = { 0 };
	uint8_t h[4] = { len >> 24, len >> 16, len >> 8, len };
	const char *err = NULL;
	int ret;

	zp_rx_start(&rx, mode);
	ret = zp_rx_push(&rx, h, 4, &err);
	zp_rx_reset(&rx);
	return ret;
}

int main(void)
{
	static struct zp_results r;
	struct zp_params p;
	const char *err = NULL;
	int ierr;
	char *s = results(256), buf[8192];

	CHECK(zp_results_decode(&r, s, strlen(s), &err) == 0, "256 streams");
	CHECK(r.nstreams == 256 && r.s[114].id == 115 && r.s[255].retransmits == 4,
	      "every record read");
	free(s);
	{
		const char *huge = "{\"cpu_util_total\":1,\"cpu_util_user\":0,"
			"\"cpu_util_system\":1,\"sender_has_retransmits\":1,"
			"\"streams\":[{\"id\":1,\"bytes\":9223372036854775813,"
			"\"retransmits\":0,\"jitter\":0,\"errors\":0,\"packets\":0}]}";

		CHECK(zp_results_decode(&r, huge, strlen(huge), &err) < 0,
		      "bytes past 2^53 refused");
	}
	s = results(2 * ZP_MAX_STREAMS + 1);
	CHECK(zp_results_decode(&r, s, strlen(s), &err) < 0, "257 streams refused");
	free(s);

	/* nesting */
	snprintf(buf, sizeof(buf), "{\"tcp\":true,\"time\":1,\"x\":%.*s%.*s}",
		 ZP_JSON_MAX_DEPTH + 2, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
		 ZP_JSON_MAX_DEPTH + 2, "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
	CHECK(zp_params_decode(&p, buf, strlen(buf), &ierr, &err) < 0 &&
	      strstr(err, "deep"), "deep nesting refused");
	/* values */
	{
		size_t n = (size_t)snprintf(buf, sizeof(buf), "{\"tcp\":true,\"time\":1,\"x\":[0");

		for (int i = 0; i < ZP_MAX_PARAM_VALUES + 1; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",0");
		snprintf(buf + n, sizeof(buf) - n, "]}");
	}
	CHECK(zp_params_decode(&p, buf, strlen(buf), &ierr, &err) == -E2BIG,
	      "too many values in parameters refused");
	/* text after the object, a non-object, broken JSON */
	snprintf(buf, sizeof(buf), "{\"tcp\":true,\"time\":1} {\"udp\":true}");
	CHECK(zp_params_decode(&p, buf, strlen(buf), &ierr, &err) < 0,
	      "trailing text refused");
	snprintf(buf, sizeof(buf), "[1,2]");
	CHECK(zp_params_decode(&p, buf, strlen(buf), &ierr, &err) < 0,
	      "an array refused");
	snprintf(buf, sizeof(buf), "{\"tcp\":true,\"time\":1,");
	CHECK(zp_params_decode(&p, buf, strlen(buf), &ierr, &err) < 0,
	      "broken JSON refused");
	/* iperf3's -O, -T and --get-server-output arrive */
	snprintf(buf, sizeof(buf), "{\"tcp\":true,\"time\":2,\"omit\":3,"
		 "\"title\":\"x y\",\"get_server_output\":1,\"len\":1000}");
	CHECK(zp_params_decode(&p, buf, strlen(buf), &ierr, &err) == 0 &&
	      p.omit == 3 && p.get_server_output && !strcmp(p.title, "x y"),
	      "omit, title, get_server_output read");
	snprintf(buf, sizeof(buf), "{\"tcp\":true,\"time\":2,\"omit\":601}");
	CHECK(zp_params_decode(&p, buf, strlen(buf), &ierr, &err) < 0 &&
	      ierr == ZP_IE_OMIT, "omit over 600 refused with IEOMIT");
	/* framing caps, before any allocation of the body */
	CHECK(frame(ZP_RX_JSON, ZP_MAX_MSG) == ZP_RX_MORE, "params at the cap");
	CHECK(frame(ZP_RX_JSON, ZP_MAX_MSG + 1) == -EMSGSIZE, "params over the cap");
	CHECK(frame(ZP_RX_RESULTS, ZP_MAX_RESULTS_MSG) == ZP_RX_MORE,
	      "results at the cap");
	CHECK(frame(ZP_RX_RESULTS, ZP_MAX_RESULTS_MSG + 1) == -EMSGSIZE,
	      "results over the cap");
	CHECK(frame(ZP_RX_RESULTS, 0x80000000u) == -EMSGSIZE, "negative length");
	/* integers round-trip exactly: a --verify seed of 16 digits once
	 * came back one off through cJSON's number printing */
	{
		static const uint64_t seeds[] = { 9007199254740991ull,
			8123456789012347ull, 4503599627370497ull, 1234567 };

		for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
			struct zp_params q;
			char *js;
			size_t n;

			zp_params_default(&p);
			p.verify = true;
			p.seed = seeds[i];
			p.num = 999999999999999ull;
			CHECK(zp_params_encode(&p, &js, &n) == 0, "encode");
			CHECK(zp_params_decode(&q, js, n, &ierr, &err) == 0 &&
			      q.seed == seeds[i] && q.num == p.num,
			      "seed and num exact");
			free(js);
		}
	}
	if (fails)
		return 1;
	printf("PASS\n");
	return 0;
}
