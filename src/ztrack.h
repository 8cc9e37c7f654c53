/* SPDX-License-Identifier: MIT */
/*
 * ztrack.h - matching MSG_ZEROCOPY notifications to sends.
 *
 * Every sendmsg(MSG_ZEROCOPY) that takes at least one byte gets the next
 * id of the socket's 32-bit counter; the kernel reports releases on the
 * error queue as ranges [lo, hi] of those ids, coalesced and in any
 * order. The tracker widens ids to 64 bits (valid while fewer than 2^31
 * sends are outstanding) and hands back each tracked entry exactly once.
 */
#ifndef ZCAIO_ZTRACK_H
#define ZCAIO_ZTRACK_H

#include <stdint.h>

struct zc__ztrack {
	void **slot;   /* ring: entry of id i at slot[i & (cap - 1)] */
	uint32_t cap;  /* power of two */
	uint64_t base; /* lowest id not yet released */
	uint64_t next; /* id the next send gets */
};

/* first: the counter's current value (0 on a fresh socket). */
void zc__ztrack_init(struct zc__ztrack *t, uint32_t first);
void zc__ztrack_fini(struct zc__ztrack *t);
/* Make room for one more entry, so the next push cannot fail: call it
 * before a send that will consume an id. Return: 0 or -ENOMEM. */
int zc__ztrack_reserve(struct zc__ztrack *t);
/* Track an entry under the next id. Return: 0 or -ENOMEM. */
int zc__ztrack_push(struct zc__ztrack *t, void *entry);
/* Entries outstanding. */
uint64_t zc__ztrack_count(const struct zc__ztrack *t);
/*
 * Release the range [lo, hi]: fn(ctx, entry) for each entry still held.
 * Ids outside what is outstanding are ignored. Return: entries released.
 */
unsigned int zc__ztrack_release(struct zc__ztrack *t, uint32_t lo, uint32_t hi,
				void (*fn)(void *ctx, void *entry), void *ctx);

#endif
