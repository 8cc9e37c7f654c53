// SPDX-License-Identifier: MIT
/*
 * unit-ztrack.c - the MSG_ZEROCOPY range tracker on synthetic
 * notifications: coalesced, out of order, gaps, duplicates, and across the
 * 2^32 wrap of the kernel's counter. Every entry must come back once.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "ztrack.h"

#define N 4096

static int seen[N];

static void on_release(void *ctx, void *entry)
{
	int i = (int)((char *)entry - (char *)seen) / (int)sizeof(seen[0]);

	(void)ctx;
	seen[i]++;
}

static void reset(void)
{
	for (int i = 0; i < N; i++)
		seen[i] = 0;
}

static int count_seen(int lo, int hi, int want)
{
	int bad = 0;

	for (int i = lo; i <= hi; i++)
		bad += seen[i] != want;
	return bad;
}

/* Push n entries starting with kernel id `first`; return the tracker. */
static void fill(struct zc__ztrack *t, uint32_t first, int n)
{
	zc__ztrack_init(t, first);
	for (int i = 0; i < n; i++)
		CHECK(zc__ztrack_push(t, &seen[i]) == 0);
	CHECK(zc__ztrack_count(t) == (uint64_t)n);
}

static void test_in_order(uint32_t first)
{
	struct zc__ztrack t;

	reset();
	fill(&t, first, 100);
	for (int i = 0; i < 100; i++)
		CHECK(zc__ztrack_release(&t, first + i, first + i, on_release,
					 NULL) == 1);
	CHECK(count_seen(0, 99, 1) == 0);
	CHECK(zc__ztrack_count(&t) == 0);
	zc__ztrack_fini(&t);
}

static void test_coalesced_and_out_of_order(uint32_t first)
{
	struct zc__ztrack t;

	reset();
	fill(&t, first, 1000);
	/* Middle first, then the ends, with a duplicate and an overlap. */
	CHECK(zc__ztrack_release(&t, first + 400, first + 599, on_release,
				 NULL) == 200);
	CHECK(zc__ztrack_count(&t) == 1000); /* head still outstanding */
	CHECK(zc__ztrack_release(&t, first + 400, first + 599, on_release,
				 NULL) == 0);
	CHECK(zc__ztrack_release(&t, first + 600, first + 999, on_release,
				 NULL) == 400);
	CHECK(zc__ztrack_release(&t, first + 0, first + 450, on_release,
				 NULL) == 400);
	CHECK(count_seen(0, 999, 1) == 0);
	CHECK(zc__ztrack_count(&t) == 0);
	/* Releases of ids never sent are ignored. */
	CHECK(zc__ztrack_release(&t, first + 1000, first + 2000, on_release,
				 NULL) == 0);
	zc__ztrack_fini(&t);
}

static void test_gaps_and_growth(uint32_t first)
{
	struct zc__ztrack t;

	reset();
	fill(&t, first, 10);
	/* Release the odd ones, then push far more (the ring grows). */
	for (int i = 1; i < 10; i += 2)
		zc__ztrack_release(&t, first + i, first + i, on_release, NULL);
	for (int i = 10; i < N; i++)
		CHECK(zc__ztrack_push(&t, &seen[i]) == 0);
	CHECK(zc__ztrack_count(&t) == N);
	CHECK(zc__ztrack_release(&t, first, first + N - 1, on_release, NULL) ==
	      N - 5);
	CHECK(count_seen(0, N - 1, 1) == 0);
	CHECK(zc__ztrack_count(&t) == 0);
	zc__ztrack_fini(&t);
}

/* Ids from a long-lived socket: the 64-bit view keeps going past 2^32. */
static void test_long_run(void)
{
	struct zc__ztrack t;
	uint32_t kid = 0xfffff000u;

	reset();
	zc__ztrack_init(&t, kid);
	for (int round = 0; round < 64; round++) {
		for (int i = 0; i < 64; i++)
			zc__ztrack_push(&t, &seen[round * 64 + i]);
		/* Reverse order within the round. */
		for (int i = 63; i >= 0; i -= 8)
			zc__ztrack_release(&t, kid + i - 7, kid + i, on_release,
					   NULL);
		kid += 64;
	}
	CHECK(count_seen(0, N - 1, 1) == 0);
	CHECK(zc__ztrack_count(&t) == 0);
	CHECK(t.base > 0xffffffffull);
	zc__ztrack_fini(&t);
}

int main(void)
{
	const uint32_t firsts[] = { 0, 7, 0xffffffffu - 500, 0xfffffffeu };

	for (size_t i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++) {
		test_in_order(firsts[i]);
		test_coalesced_and_out_of_order(firsts[i]);
		test_gaps_and_growth(firsts[i]);
	}
	test_long_run();
	return unit_verdict();
}
