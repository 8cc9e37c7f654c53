// SPDX-License-Identifier: MIT
/*
 * unit-timer.c - the deadline heap: jobs added with random deadlines and
 * removed in random order (as jobs complete) must leave the earliest
 * deadline of the jobs still running on top, every time; an emptied heap
 * gives its memory back down to its minimum.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "unit.h"

#define N 5000

static struct zc__job jobs[N];
static bool live[N];

static int64_t min_live(void)
{
	int64_t m = INT64_MAX;

	for (int i = 0; i < N; i++)
		if (live[i] && jobs[i].deadline < m)
			m = jobs[i].deadline;
	return m;
}

int main(void)
{
	struct zc_engine e;
	int bad = 0;

	memset(&e, 0, sizeof(e));
	srand(7);
	CHECK(zc__timer_next(&e) == INT64_MAX);
	for (int i = 0; i < N; i++) {
		jobs[i].deadline = 1000 + rand() % 100000;
		CHECK(zc__timer_reserve(&e) == 0);
		zc__timer_add(&e, &jobs[i]);
		live[i] = true;
		if (i % 97 == 0)
			bad += zc__timer_next(&e) != min_live();
	}
	CHECK(e.ntimers == N);
	/* Complete jobs in random order, the earliest among them too. */
	for (int k = 0; k < N; k++) {
		int i = rand() % N;

		while (!live[i])
			i = (i + 1) % N;
		zc__timer_del(&e, &jobs[i]);
		live[i] = false;
		CHECK(jobs[i].timer == 0);
		bad += zc__timer_next(&e) != min_live();
		if (k % 500 == 0) {
			/* The top: a completed earliest job must not linger. */
			for (int j = 0; j < N; j++)
				if (live[j] &&
				    jobs[j].deadline == zc__timer_next(&e)) {
					zc__timer_del(&e, &jobs[j]);
					live[j] = false;
					k++;
					break;
				}
			bad += zc__timer_next(&e) != min_live();
		}
	}
	CHECK(bad == 0);
	CHECK(e.ntimers == 0);
	CHECK(zc__timer_next(&e) == INT64_MAX);
	CHECK(e.timers_cap <= 32); /* shrank back */
	zc__timers_fini(&e);
	return unit_verdict();
}
