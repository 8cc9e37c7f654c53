// SPDX-License-Identifier: MIT
/*
 * timer.c - deadlines of write jobs (DESIGN.md 3.10): a binary min-heap
 * of the jobs that have one, keyed by deadline, so adding, removing and
 * finding the next cost O(log n) and O(1) whatever the number of sockets.
 * A job leaves the heap when it completes, so the next deadline is always
 * that of a job still running.
 *
 * Deadlines are judged after reaping (libuv runs its timers after
 * polling): a run that comes late, because the application was busy,
 * first hears what the kernel finished and only then fails what is
 * really overdue. A write past its deadline resets its connection: the
 * kernel drops its queues, the pages come back, and the socket's jobs
 * not delivered fail with -ETIMEDOUT after their release.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "core.h"

#define ZC__TIMERS_MIN 16

int64_t zc__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int zc__timers_resize(struct zc_engine *e, uint32_t cap)
{
	struct zc__job **t = realloc(e->timers, cap * sizeof(*t));

	if (!t)
		return -ENOMEM;
	e->timers = t;
	e->timers_cap = cap;
	return 0;
}

int zc__timer_reserve(struct zc_engine *e)
{
	if (e->ntimers < e->timers_cap)
		return 0;
	if (e->timers_cap >= UINT32_MAX / 2)
		return -ENOMEM;
	return zc__timers_resize(e, e->timers_cap ? e->timers_cap * 2
						  : ZC__TIMERS_MIN);
}

static void zc__timer_set(struct zc_engine *e, uint32_t i, struct zc__job *j)
{
	e->timers[i] = j;
	j->timer = i + 1;
}

static void zc__timer_up(struct zc_engine *e, uint32_t i)
{
	struct zc__job *j = e->timers[i];

	while (i) {
		uint32_t p = (i - 1) / 2;

		if (e->timers[p]->deadline <= j->deadline)
			break;
		zc__timer_set(e, i, e->timers[p]);
		i = p;
	}
	zc__timer_set(e, i, j);
}

static void zc__timer_down(struct zc_engine *e, uint32_t i)
{
	struct zc__job *j = e->timers[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= e->ntimers)
			break;
		if (c + 1 < e->ntimers &&
		    e->timers[c + 1]->deadline < e->timers[c]->deadline)
			c++;
		if (j->deadline <= e->timers[c]->deadline)
			break;
		zc__timer_set(e, i, e->timers[c]);
		i = c;
	}
	zc__timer_set(e, i, j);
}

/* Room was made by zc__timer_reserve(). */
void zc__timer_add(struct zc_engine *e, struct zc__job *job)
{
	e->timers[e->ntimers] = job;
	zc__timer_up(e, e->ntimers++);
}

void zc__timer_del(struct zc_engine *e, struct zc__job *job)
{
	uint32_t i = job->timer - 1;
	struct zc__job *last = e->timers[--e->ntimers];

	job->timer = 0;
	if (last != job) {
		e->timers[i] = last;
		if (i && e->timers[(i - 1) / 2]->deadline > last->deadline)
			zc__timer_up(e, i);
		else
			zc__timer_down(e, i);
	}
	/* Grow-only no more: give memory back when the heap empties out. */
	if (e->timers_cap > ZC__TIMERS_MIN && e->ntimers < e->timers_cap / 4)
		zc__timers_resize(e, e->timers_cap / 2);
}

int64_t zc__timer_next(const struct zc_engine *e)
{
	return e->ntimers ? e->timers[0]->deadline : INT64_MAX;
}

void zc__timers_run(struct zc_engine *e, int64_t now)
{
	while (e->ntimers && e->timers[0]->deadline <= now) {
		struct zc__job *job = e->timers[0];
		struct zc_sock *s = job->sock;

		zc__timer_del(e, job);
		if (!s->aborted)
			zc__sock_abort_err(s, -ETIMEDOUT);
	}
}

void zc__timers_fini(struct zc_engine *e)
{
	free(e->timers);
	e->timers = NULL;
	e->ntimers = e->timers_cap = 0;
}
