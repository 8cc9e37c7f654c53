// SPDX-License-Identifier: MIT
/*
 * budget.c - the pin budget: bytes of plain (unregistered) memory the
 * kernel holds for zero-copy sends. Root has no RLIMIT_MEMLOCK, so this is
 * the only bound (DESIGN.md 3.6). A send that would pass the budget waits
 * on the engine's budget_waiters until pinned bytes come back.
 */
#include "core.h"

void zc__unpin(struct zc__op *op)
{
	struct zc_sock *s = op->sock;
	struct zc_engine *e = s->e;
	struct zc__list woken;

	if (!op->pinned)
		return;
	e->pinned_plain -= op->pinned;
	ZC__STAT_ADD(s, bytes_pinned, -op->pinned);
	op->pinned = 0;
	if (zc__list_empty(&e->budget_waiters))
		return;
	/* Move the waiters aside: a kick may put a socket back. */
	zc__list_init(&woken);
	woken.next = e->budget_waiters.next;
	woken.prev = e->budget_waiters.prev;
	woken.next->prev = woken.prev->next = &woken;
	zc__list_init(&e->budget_waiters);
	while (!zc__list_empty(&woken)) {
		struct zc_sock *w = zc__container_of(woken.next, struct zc_sock,
						     budget_link);
		zc__list_del(&w->budget_link);
		zc__sock_kick(w);
	}
}

/* Whether this send must wait for pinned bytes to come back. */
bool zc__over_budget(struct zc_sock *s, size_t seg)
{
	struct zc_engine *e = s->e;

	/* One send always may go, or a budget below seg_max would stall. */
	if (!e->pinned_plain || e->stats.bytes_pinned + seg <= e->pin_budget)
		return false;
	if (zc__list_empty(&s->budget_link))
		zc__list_add_tail(&e->budget_waiters, &s->budget_link);
	return true;
}
