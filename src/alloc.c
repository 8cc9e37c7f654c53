// SPDX-License-Identifier: MIT
/*
 * alloc.c - every allocation of the library goes through here, so tests
 * can make the N-th one fail: ZCAIO_FAULT_ALLOC=N (counted per process
 * from the first allocation). Meant for the fault tests only; unset, it
 * costs one predictable branch.
 */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

static long zc__fault_at;
static long zc__allocs;
static pthread_once_t zc__fault_once = PTHREAD_ONCE_INIT;

static void zc__fault_setup(void)
{
	const char *v = getenv("ZCAIO_FAULT_ALLOC");

	zc__fault_at = v ? strtol(v, NULL, 10) : 0;
}

void *zc__calloc(size_t n, size_t size)
{
	pthread_once(&zc__fault_once, zc__fault_setup);
	if (zc__fault_at > 0 &&
	    __atomic_add_fetch(&zc__allocs, 1, __ATOMIC_RELAXED) ==
		    zc__fault_at)
		return NULL;
	return calloc(n, size);
}
