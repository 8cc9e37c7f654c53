/* SPDX-License-Identifier: MIT */
/*
 * hist.h - a latency histogram of bounded size (--rr): log-linear
 * buckets, 128 per power of two of nanoseconds, so any quantile is within
 * 0.8 % of the true sample whatever the run's length; exact count, min,
 * max, mean and standard deviation beside them.
 */
#ifndef ZCPERF_HIST_H
#define ZCPERF_HIST_H

#include <stdint.h>

#define ZP_HIST_SUB_BITS 7
#define ZP_HIST_SUB (1u << ZP_HIST_SUB_BITS)
/* values below ZP_HIST_SUB ns exactly, then one row per power of two up
 * to 2^64 ns */
#define ZP_HIST_BUCKETS ((64 - ZP_HIST_SUB_BITS + 1) * ZP_HIST_SUB)

struct zp_hist {
	uint64_t n;
	uint64_t min_ns, max_ns;
	double mean, m2;	/* Welford's running mean and sum of squares, ns */
	uint64_t bucket[ZP_HIST_BUCKETS];
};

void zp_hist_reset(struct zp_hist *h);
/* Adds one sample of @seconds (negative counts as 0). */
void zp_hist_add(struct zp_hist *h, double seconds);
uint64_t zp_hist_count(const struct zp_hist *h);
/* In seconds; 0 when empty. */
double zp_hist_min(const struct zp_hist *h);
double zp_hist_max(const struct zp_hist *h);
double zp_hist_mean(const struct zp_hist *h);
double zp_hist_stddev(const struct zp_hist *h);
/* The sample of rank ceil(q * n) (0 < q <= 1), as the middle of its
 * bucket, kept within [min, max]. */
double zp_hist_quantile(const struct zp_hist *h, double q);

#endif
