// SPDX-License-Identifier: MIT
/*
 * fuzz-ctl - libFuzzer target for everything a peer sends on zcperf's
 * control channel: the framing reader (cookie, state bytes, 4-byte
 * length + JSON) fed in odd-sized chunks, then the JSON decoders of
 * parameters and results.
 * Input: byte 0 picks the reader mode (% 4: state, parameters, cookie,
 * results) and chunking, the rest is the wire.
 */
#include "proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef ZP_FUZZ_STUB
const char *zc_version(void);
const char *zc_version(void)
{
	return "fuzz";
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zp_rx rx = { 0 };
	const char *err = NULL;
	size_t chunk, off = 1;
	int ret = ZP_RX_MORE;

	if (size < 1)
		return 0;
	chunk = (data[0] >> 2) % 7 + 1;
	zp_rx_start(&rx, (enum zp_rx_mode)(data[0] % 4));
	while (off < size && ret == ZP_RX_MORE) {
		size_t n = zp_rx_need(&rx);

		if (n > chunk)
			n = chunk;
		if (n > size - off)
			n = size - off;
		if (n == 0)
			break;
		ret = zp_rx_push(&rx, data + off, n, &err);
		off += n;
	}
	if (ret == ZP_RX_DONE &&
	    (rx.mode == ZP_RX_JSON || rx.mode == ZP_RX_RESULTS)) {
		struct zp_params p;
		struct zp_results *r = malloc(sizeof(*r));
		char *so;
		bool so_json;
		int ierr;

		zp_params_decode(&p, rx.body, rx.len, &ierr, &err);
		if (r)
			zp_results_decode(r, rx.body, rx.len, &err);
		free(r);
		if (zp_results_server_output(rx.body, rx.len, &so, &so_json) == 0)
			free(so);
	}
	if (ret == ZP_RX_DONE && rx.mode == ZP_RX_COOKIE)
		zp_cookie_valid(rx.hdr);
	zp_rx_reset(&rx);
	return 0;
}
