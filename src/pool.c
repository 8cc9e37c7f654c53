// SPDX-License-Identifier: MIT
/*
 * pool.c - registered buffer pools: memory mapped and pinned once (io_uring
 * fixed buffers), counted against the engine's pinned-bytes budget.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

int zc_pool_create(struct zc_engine *e, size_t size, struct zc_pool **out)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct zc_pool *p;
	unsigned int slot;
	int ret = zc__engine_check_new(e);

	if (ret < 0)
		return ret;
	if (!out || !size || size > ZC__POOL_MAX)
		return -EINVAL;
	size = (size + page - 1) & ~(page - 1);
	/* Root has no RLIMIT_MEMLOCK: our own budget is all that stops us. */
	if (e->stats.bytes_pinned + size > e->pin_budget)
		return -ENOMEM;
	for (slot = 0; slot < ZC__POOL_SLOTS && e->pools[slot]; slot++)
		;
	if (slot == ZC__POOL_SLOTS)
		return -ENOSPC;
	p = zc__calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->base = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (p->base == MAP_FAILED) {
		free(p);
		return -ENOMEM;
	}
	p->e = e;
	p->size = size;
	p->slot = slot;
	ret = e->be->pool_register(e, p);
	if (ret < 0) {
		munmap(p->base, size);
		free(p);
		return ret;
	}
	e->pools[slot] = p;
	e->stats.bytes_pinned += size;
	*out = p;
	return 0;
}

void *zc_pool_base(struct zc_pool *p)
{
	return p ? p->base : NULL;
}

size_t zc_pool_size(struct zc_pool *p)
{
	return p ? p->size : 0;
}

int zc_pool_destroy(struct zc_pool *p)
{
	struct zc_engine *e;
	int ret;

	if (!p)
		return -EINVAL;
	e = p->e;
	ret = zc__engine_check(e);
	if (ret < 0)
		return ret;
	if (p->users)
		return -EBUSY;
	e->be->pool_unregister(e, p);
	e->pools[p->slot] = NULL;
	e->stats.bytes_pinned -= p->size;
	munmap(p->base, p->size);
	free(p);
	return 0;
}
