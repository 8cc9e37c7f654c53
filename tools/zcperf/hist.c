// SPDX-License-Identifier: MIT
/*
 * hist.c - the bounded latency histogram of --rr (hist.h): memory is
 * fixed (59 KiB) whether a test runs a second or a day.
 */
#include "hist.h"

#include <math.h>
#include <string.h>

static unsigned bucket_of(uint64_t ns)
{
	unsigned e, shift;

	if (ns < ZP_HIST_SUB)
		return (unsigned)ns;
	e = 63u - (unsigned)__builtin_clzll(ns);
	shift = e - ZP_HIST_SUB_BITS;
	return (shift + 1) * ZP_HIST_SUB + (unsigned)(ns >> shift) - ZP_HIST_SUB;
}

/* The lowest value of bucket @b and its width. */
static void bucket_range(unsigned b, double *low, double *width)
{
	unsigned shift;

	if (b < ZP_HIST_SUB) {
		*low = b;
		*width = 1;
		return;
	}
	shift = b / ZP_HIST_SUB - 1;
	*low = ldexp((double)(b % ZP_HIST_SUB + ZP_HIST_SUB), (int)shift);
	*width = ldexp(1.0, (int)shift);
}

void zp_hist_reset(struct zp_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void zp_hist_add(struct zp_hist *h, double seconds)
{
	double x = seconds * 1e9, delta;
	uint64_t ns = x > 0 ? (x < 1.8e19 ? (uint64_t)x : UINT64_MAX) : 0;

	if (!h->n || ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->n++;
	delta = (double)ns - h->mean;
	h->mean += delta / (double)h->n;
	h->m2 += delta * ((double)ns - h->mean);
	h->bucket[bucket_of(ns)]++;
}

uint64_t zp_hist_count(const struct zp_hist *h)
{
	return h->n;
}

double zp_hist_min(const struct zp_hist *h)
{
	return h->n ? h->min_ns / 1e9 : 0;
}

double zp_hist_max(const struct zp_hist *h)
{
	return h->n ? h->max_ns / 1e9 : 0;
}

double zp_hist_mean(const struct zp_hist *h)
{
	return h->n ? h->mean / 1e9 : 0;
}

double zp_hist_stddev(const struct zp_hist *h)
{
	return h->n > 1 ? sqrt(h->m2 / (double)(h->n - 1)) / 1e9 : 0;
}

double zp_hist_quantile(const struct zp_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->n)
		return 0;
	rank = (uint64_t)ceil(q * (double)h->n);
	if (rank < 1)
		rank = 1;
	for (unsigned b = 0; b < ZP_HIST_BUCKETS; b++) {
		double low, width, v;

		seen += h->bucket[b];
		if (seen < rank)
			continue;
		bucket_range(b, &low, &width);
		v = low + (width - 1) / 2;
		v = fmax(v, (double)h->min_ns);
		v = fmin(v, (double)h->max_ns);
		return v / 1e9;
	}
	return h->max_ns / 1e9;
}
