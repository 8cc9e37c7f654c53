// SPDX-License-Identifier: MIT
/*
 * hist-test - the --rr latency histogram (hist.h): its quantiles stay
 * within the bucket error (0.8 %) of the exact sorted samples, over
 * latencies from 1 us to 1 s; min, max, mean and stddev are exact; its
 * memory is the same for ten samples or ten million.
 */
#include "hist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	static struct zp_hist h;
	enum { N = 1000000 };
	double *v = malloc(N * sizeof(*v)), sum = 0, sq = 0, mean, sd;
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	int fails = 0;

	srand(12345);
	zp_hist_reset(&h);
	for (int i = 0; i < N; i++) {
		/* log-uniform over 1 us .. 1 s, whole nanoseconds */
		v[i] = floor(pow(10, 3 + 6.0 * rand() / RAND_MAX)) / 1e9;
		zp_hist_add(&h, v[i]);
		sum += v[i];
	}
	qsort(v, N, sizeof(*v), cmp);
	mean = sum / N;
	for (int i = 0; i < N; i++)
		sq += (v[i] - mean) * (v[i] - mean);
	sd = sqrt(sq / (N - 1));
	for (int i = 0; i < 4; i++) {
		double exact = v[(size_t)ceil(qs[i] * N) - 1];
		double got = zp_hist_quantile(&h, qs[i]);

		printf("p%g: exact %.9f, histogram %.9f\n", qs[i] * 100, exact, got);
		if (fabs(got - exact) > exact * 0.008 + 1e-9)
			fails++;
	}
	if (zp_hist_count(&h) != N || zp_hist_min(&h) != v[0] ||
	    zp_hist_max(&h) != v[N - 1] ||
	    fabs(zp_hist_mean(&h) - mean) > mean * 1e-9 ||
	    fabs(zp_hist_stddev(&h) - sd) > sd * 1e-6) {
		printf("FAIL: count/min/max/mean/stddev differ (mean %g vs %g, sd %g vs %g)\n",
		       zp_hist_mean(&h), mean, zp_hist_stddev(&h), sd);
		fails++;
	}
	if (sizeof(h) > 64 * 1024) {
		printf("FAIL: the histogram is %zu bytes\n", sizeof(h));
		fails++;
	}
	free(v);
	if (fails) {
		printf("FAIL: %d checks\n", fails);
		return 1;
	}
	printf("PASS (%zu bytes, any number of samples)\n", sizeof(h));
	return 0;
}
