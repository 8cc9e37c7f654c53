// SPDX-License-Identifier: MIT
/*
 * verify.c - fill and check the --verify payload, byte by byte.
 */
#include "verify.h"

#include <string.h>

#define K 0x9e3779b97f4a7c15ull
#define K_INV 0xf1de83e19937733dull /* K * K_INV == 1 mod 2^64 */

static inline uint64_t word_at(uint64_t o, uint64_t key)
{
	return (o ^ key) * K;
}

static inline uint8_t byte_at(uint64_t o, uint64_t key)
{
	return (uint8_t)(word_at(o & ~7ull, key) >> (8 * (o & 7)));
}

void zp_pattern_fill(uint8_t *buf, size_t len, uint64_t off, uint64_t key)
{
	size_t i = 0;

	while (i < len && ((off + i) & 7))
		buf[i] = byte_at(off + i, key), i++;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = word_at(off + i, key);

		memcpy(buf + i, &w, 8); /* little-endian host (x86, arm64) */
	}
	for (; i < len; i++)
		buf[i] = byte_at(off + i, key);
}

static void check_bytes(struct zp_vstate *v, const uint8_t *b, size_t n,
			uint64_t key)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != byte_at(v->off + i, key))
			v->corrupt++;
	v->checked += n;
	v->off += n;
}

void zp_verify_stream(struct zp_vstate *v, const uint8_t *buf, size_t len,
		      uint64_t key)
{
	size_t i = 0;

	while (i < len) {
		uint64_t w, src;

		if ((v->off & 7) || len - i < 8) {
			size_t n = (v->off & 7) ? 8 - (v->off & 7) : len - i;

			if (n > len - i)
				n = len - i;
			check_bytes(v, buf + i, n, key);
			i += n;
			continue;
		}
		memcpy(&w, buf + i, 8);
		if (w == word_at(v->off, key)) {
			v->checked += 8;
			v->off += 8;
			i += 8;
			continue;
		}
		src = (w * K_INV) ^ key;
		if (!(src & 7) && src > v->off && src - v->off < (1ull << 32)) {
			/* Bytes missing: the stream jumps ahead. */
			v->lost += src - v->off;
			v->off = src;
			continue;
		}
		if (!(src & 7) && src < v->off) {
			v->reordered += 8;
			v->checked += 8;
			v->off += 8;
			i += 8;
			continue;
		}
		check_bytes(v, buf + i, 8, key);
		i += 8;
	}
}

void zp_verify_datagram(struct zp_vstate *v, const uint8_t *buf, size_t len,
			uint64_t off, uint64_t key)
{
	uint64_t save;

	if (off > v->off) {
		v->lost += off - v->off;
	} else if (off < v->off) {
		v->reordered += len;
		v->lost -= v->lost >= len ? len : v->lost; /* it came late */
		save = v->off;
		v->off = off;
		check_bytes(v, buf, len, key);
		v->checked -= len;
		v->off = save;
		return;
	}
	v->off = off;
	check_bytes(v, buf, len, key);
}
