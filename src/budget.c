// SPDX-License-Identifier: MIT
/*
 * budget.c - the pin budget: bytes of plain (unregistered) memory the
 * kernel holds for zero-copy sends. Root has no RLIMIT_MEMLOCK, so this is
 * the only bound (DESIGN.md 3.6).
 *
 * A send that would pass the budget waits: its socket joins the engine's
 * line of waiters (budget_waiters) with what it needs. When pinned bytes
 * come back, waiters are woken from the front, first come first served,
 * for as long as the next one fits: each release costs the waiters it
 * lets go plus one, never a walk of the whole line. A send that fits
 * when it is made goes at once; one send may always go when nothing is
 * pinned, or a budget below seg_max would stall for ever.
 */
#include "core.h"

static bool zc__budget_fits(const struct zc_engine *e, size_t seg)
{
	return !e->pinned_plain || e->stats.bytes_pinned + seg <= e->pin_budget;
}

static struct zc_sock *zc__budget_head(struct zc_engine *e)
{
	return zc__list_empty(&e->budget_waiters)
		       ? NULL
		       : zc__container_of(e->budget_waiters.next,
					  struct zc_sock, budget_link);
}

void zc__budget_wake(struct zc_engine *e)
{
	struct zc_sock *w;

	if (e->budget_waking)
		return; /* called from a kick below: the loop goes on */
	e->budget_waking = true;
	while ((w = zc__budget_head(e)) && zc__budget_fits(e, w->budget_need)) {
		zc__sock_kick(w);
		if (zc__budget_head(e) == w)
			break; /* it still waits (wants more now) */
	}
	e->budget_waking = false;
	e->budget_rewake = false;
}

bool zc__budget_wait(struct zc_sock *s, size_t seg)
{
	struct zc_engine *e = s->e;

	if (zc__budget_fits(e, seg)) {
		/* Out of the line; the next may go once this send is counted. */
		zc__budget_leave(s);
		return false;
	}
	s->budget_need = seg;
	if (zc__list_empty(&s->budget_link))
		zc__list_add_tail(&e->budget_waiters, &s->budget_link);
	return true;
}

void zc__budget_leave(struct zc_sock *s)
{
	struct zc_engine *e = s->e;

	if (zc__list_empty(&s->budget_link))
		return;
	if (zc__budget_head(e) == s)
		e->budget_rewake = true; /* the next one may fit */
	zc__list_del(&s->budget_link);
}

void zc__budget_done(struct zc_sock *s, bool waiting)
{
	if (!waiting)
		zc__budget_leave(s);
	if (s->e->budget_rewake)
		zc__budget_wake(s->e);
}

void zc__unpin(struct zc__op *op)
{
	struct zc_sock *s = op->sock;
	struct zc_engine *e = s->e;

	if (!op->pinned)
		return;
	e->pinned_plain -= op->pinned;
	ZC__STAT_ADD(s, bytes_pinned, -op->pinned);
	op->pinned = 0;
	zc__budget_wake(e);
}
