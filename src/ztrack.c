// SPDX-License-Identifier: MIT
/* ztrack.c - MSG_ZEROCOPY id ranges to sends; see ztrack.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ztrack.h"

void zc__ztrack_init(struct zc__ztrack *t, uint32_t first)
{
	memset(t, 0, sizeof(*t));
	t->base = t->next = first;
}

void zc__ztrack_fini(struct zc__ztrack *t)
{
	free(t->slot);
	t->slot = NULL;
	t->cap = 0;
}

uint64_t zc__ztrack_count(const struct zc__ztrack *t)
{
	return t->next - t->base;
}

static int zc__ztrack_grow(struct zc__ztrack *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 64;
	void **slot;

	if (cap > (1u << 30))
		return -ENOMEM;
	slot = zc__calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (uint64_t id = t->base; id != t->next; id++)
		slot[id & (cap - 1)] = t->slot[id & (t->cap - 1)];
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	return 0;
}

int zc__ztrack_reserve(struct zc__ztrack *t)
{
	return zc__ztrack_count(t) < t->cap ? 0 : zc__ztrack_grow(t);
}

int zc__ztrack_push(struct zc__ztrack *t, void *entry)
{
	int ret = zc__ztrack_reserve(t);

	if (ret < 0)
		return ret;
	t->slot[t->next & (t->cap - 1)] = entry;
	t->next++;
	return 0;
}

unsigned int zc__ztrack_release(struct zc__ztrack *t, uint32_t lo, uint32_t hi,
				void (*fn)(void *ctx, void *entry), void *ctx)
{
	/* Widen: lo is at most 2^31 away from the lowest outstanding id. */
	uint64_t lo64 = t->base + (int64_t)(int32_t)(lo - (uint32_t)t->base);
	uint64_t hi64 = lo64 + (uint32_t)(hi - lo);
	unsigned int n = 0;

	if ((int64_t)(lo64 - t->base) < 0)
		lo64 = t->base; /* part of the range was released before */
	if (hi64 >= t->next)
		hi64 = t->next - 1;
	for (uint64_t id = lo64; id <= hi64 && id < t->next; id++) {
		void **s = &t->slot[id & (t->cap - 1)];

		if (*s) {
			void *entry = *s;

			*s = NULL;
			fn(ctx, entry);
			n++;
		}
	}
	while (t->base != t->next && !t->slot[t->base & (t->cap - 1)])
		t->base++;
	return n;
}
