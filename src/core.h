/* SPDX-License-Identifier: MIT */
/*
 * core.h - what the files of the backend-independent core share among
 * themselves (not the backends: their interface is in internal.h).
 *
 *   job.c       job objects and the public job API (write, read, cancel)
 *   tx.c        send queue and segmenting, one send in flight per socket
 *   txvec.c     which bytes a send carries: the jobs it coalesces
 *   rx.c        receive queue
 *   complete.c  backend events in; when a job is complete; callbacks out
 *   fate.c      what happened to the connection (errors, resets)
 *   budget.c    the pin budget and its waiters
 *   timer.c     deadlines
 *   sock.c      socket lifecycle: attach, close, abort, teardown
 */
#ifndef ZCAIO_CORE_H
#define ZCAIO_CORE_H

#include "internal.h"

static inline struct zc__job *zc__job_of(struct zc__list *l)
{
	return zc__container_of(l, struct zc__job, link);
}

static inline struct zc__job *zc__first(struct zc__list *q)
{
	return zc__list_empty(q) ? NULL : zc__job_of(q->next);
}

/* job.c */
void zc__job_put(struct zc_engine *e, struct zc__job *job);

/* tx.c */
void zc__tx_advance(struct zc_sock *s);
void zc__tx_kick(struct zc_sock *s);
void zc__send_result(struct zc__op *op, int res, bool notif_follows);

/* txvec.c */
void zc__job_took(struct zc__job *job, size_t n);
size_t zc__tx_gather(struct zc_sock *s, struct zc__op *op, size_t seg, bool zc);
bool zc__op_carries(const struct zc__op *op, const struct zc__job *job);
unsigned int zc__tx_took(struct zc__op *op, size_t taken, bool copied);

/* rx.c */
void zc__rx_kick(struct zc_sock *s);
void zc__recv_result(struct zc__op *op, int res);

/* complete.c */
void zc__job_finish(struct zc__job *job);
void zc__tx_complete_ready(struct zc_sock *s);

/* fate.c */
bool zc__err_is_local(int err);
void zc__tx_fail(struct zc_sock *s, struct zc__job *job, int err);
void zc__conn_check(struct zc_sock *s);

/* budget.c */
void zc__unpin(struct zc__op *op);
bool zc__over_budget(struct zc_sock *s, size_t seg);

/* sock.c */
void zc__sock_detach(struct zc_sock *s);
void zc__cancel_op(struct zc_sock *s, struct zc__op *target);

#endif
