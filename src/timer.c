// SPDX-License-Identifier: MIT
/*
 * timer.c - deadlines of write jobs (DESIGN.md 3.10).
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "core.h"

int64_t zc__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A peer that stops reading pins our pages for ever. A write past its
 * deadline resets the connection: the kernel drops its queues, the pages
 * come back, and every job fails with -ETIMEDOUT after its release.
 */
void zc__deadlines(struct zc_engine *e, int64_t now)
{
	int64_t next = INT64_MAX;

	for (struct zc__list *it = e->socks.next; it != &e->socks;
	     it = it->next) {
		struct zc_sock *s = zc__container_of(it, struct zc_sock, link);

		if (s->aborted)
			continue;
		for (struct zc__list *j = s->wq.next; j != &s->wq;
		     j = j->next) {
			int64_t d = zc__job_of(j)->deadline;

			if (!d)
				continue;
			if (d <= now) {
				zc__sock_abort_err(s, -ETIMEDOUT);
				break;
			}
			if (d < next)
				next = d;
		}
	}
	e->deadline_next = next;
}
