/* SPDX-License-Identifier: MIT */
/*
 * core.h - what the files of the backend-independent core share among
 * themselves (not the backends: their interface is in internal.h).
 *
 *   job.c       job objects and the public job API (write, read, cancel)
 *   tx.c        send queue and segmenting, one send in flight per socket
 *   txvec.c     which bytes a send carries: the jobs it coalesces
 *   rx.c        receive queue
 *   complete.c  backend events in; when a job is complete, and with what
 *               result (zc__job_complete, the one place); callbacks out
 *   fate.c      the connection's one fate, and what a result means for it
 *   budget.c    the pin budget and its waiters
 *   timer.c     deadlines, a heap judged after reaping
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
/* The job ends now: its result is decided and its callback queued. */
void zc__job_complete(struct zc__job *job);
/* Complete the socket's writes that are done, oldest first. */
void zc__tx_settle(struct zc_sock *s);

/* fate.c */
bool zc__err_is_local(int err);
/* What an error result means here: a connection error becomes the
 * connection's fate (the first one wins) and is returned as it. */
int zc__fate_note(struct zc_sock *s, int err);
/* A write ended with err: fail it, and break the stream if it must. */
void zc__tx_fail(struct zc_sock *s, struct zc__job *job, int err);
/* The result of a write whose pages all came back with no error seen. */
int zc__write_verdict(struct zc_sock *s, struct zc__job *job);
/* Before a reset: remember how far the peer acknowledged. */
void zc__fate_abort(struct zc_sock *s, int err);

/* budget.c */
void zc__unpin(struct zc__op *op);
/* Whether a send of seg bytes must wait; if so s waits in line. */
bool zc__budget_wait(struct zc_sock *s, size_t seg);
/* s leaves the line (it sends, or has nothing to send). */
void zc__budget_leave(struct zc_sock *s);
/* After a kick of s: out of the line unless waiting, and wake the next
 * waiters if the front of the line moved. */
void zc__budget_done(struct zc_sock *s, bool waiting);

/* timer.c */
/* Make room for one more deadline; 0 or -ENOMEM. */
int zc__timer_reserve(struct zc_engine *e);
void zc__timer_add(struct zc_engine *e, struct zc__job *job);
void zc__timer_del(struct zc_engine *e, struct zc__job *job);

/* sock.c */
void zc__sock_detach(struct zc_sock *s);
void zc__cancel_op(struct zc_sock *s, struct zc__op *target);

#endif
