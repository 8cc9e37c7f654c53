/* SPDX-License-Identifier: MIT */
/*
 * verify.h - offset-derived payload for --verify.
 *
 * The 8-byte word at stream offset o (o a multiple of 8) is
 * (o ^ key) * K, little-endian, with K odd: it looks random on the wire
 * yet a received word tells which offset it was sent at, so the receiver
 * can tell lost bytes (a jump ahead) from reordered ones (a word from
 * the past) and from corruption (a word that decodes to nonsense).
 */
#ifndef ZCPERF_VERIFY_H
#define ZCPERF_VERIFY_H

#include <stddef.h>
#include <stdint.h>

struct zp_vstate {
	uint64_t off;	/* next stream offset expected */
	uint64_t checked, corrupt, lost, reordered;
};

void zp_pattern_fill(uint8_t *buf, size_t len, uint64_t off, uint64_t key);
/* Checks @len received bytes that continue the stream. */
void zp_verify_stream(struct zp_vstate *v, const uint8_t *buf, size_t len,
		      uint64_t key);
/* Checks one datagram's payload that claims stream offset @off. */
void zp_verify_datagram(struct zp_vstate *v, const uint8_t *buf, size_t len,
			uint64_t off, uint64_t key);

#endif
