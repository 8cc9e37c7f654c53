// SPDX-License-Identifier: MIT
/*
 * abi-compat.c - what programs built against older headers call. Since
 * 0.2 the structs passed by pointer keep reserved space and grow inside
 * it; zcaio 0.1's were smaller, so its binaries get the 0.1 layout here,
 * bound by symbol version (ZCAIO_0.1 in libzcaio.map; the 0.2 defaults
 * are bound in engine.c). Only in libzcaio.so (ZC__ABI_COMPAT): a static
 * link has no old binaries to serve.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* zcaio 0.1: struct zc_engine_params without reserved space. */
struct zc__params_v01 {
	unsigned int sq_entries, cq_entries, flags;
	int backend;
};

/* zcaio 0.1: struct zc_stats was its first 14 counters. */
struct zc__stats_v01 {
	uint64_t counter[14];
};

_Static_assert(sizeof(struct zc__stats_v01) == offsetof(struct zc_stats, size),
	       "0.1's counters are the head of struct zc_stats");

ZC_API int zc__engine_create_v01(struct zc_engine **out,
				 const struct zc__params_v01 *old);
ZC_API int zc__engine_stats_v01(struct zc_engine *e, struct zc__stats_v01 *out);
ZC_API int zc__sock_stats_v01(struct zc_sock *s, struct zc__stats_v01 *out);

__asm__(".symver zc__engine_create_v01, zc_engine_create@ZCAIO_0.1");
__asm__(".symver zc__engine_stats_v01, zc_engine_stats@ZCAIO_0.1");
__asm__(".symver zc__sock_stats_v01, zc_sock_stats@ZCAIO_0.1");

int zc__engine_create_v01(struct zc_engine **out,
			  const struct zc__params_v01 *old)
{
	struct zc_engine_params p = { 0 };

	if (old) {
		if (old->flags)
			return -EINVAL; /* 0.1 knew no flag */
		p.sq_entries = old->sq_entries;
		p.cq_entries = old->cq_entries;
		p.backend = old->backend;
	}
	return zc_engine_create(out, old ? &p : NULL);
}

/* The 0.1 head of what a 0.2 call (returning ret) read into st. */
static int zc__stats_v01(int ret, const struct zc_stats *st,
			 struct zc__stats_v01 *out)
{
	if (!ret)
		memcpy(out, st, sizeof(*out));
	return ret;
}

int zc__engine_stats_v01(struct zc_engine *e, struct zc__stats_v01 *out)
{
	struct zc_stats st;

	return zc__stats_v01(out ? zc_engine_stats(e, &st) : -EINVAL, &st, out);
}

int zc__sock_stats_v01(struct zc_sock *s, struct zc__stats_v01 *out)
{
	struct zc_stats st;

	return zc__stats_v01(out ? zc_sock_stats(s, &st) : -EINVAL, &st, out);
}
