// SPDX-License-Identifier: MIT
/*
 * tx.c - the send queue of a socket and the splitting of a write into
 * sends. Owns s->wq order, s->tx_cur (the job being sent) and the rule of
 * one send in flight per socket: several io_uring sends in flight on one
 * socket reorder data (DESIGN.md 3.1). A job goes out as segments of at
 * most seg_max bytes, a datagram as one send; a short send resubmits the
 * remainder. Small jobs queued together share a send: which bytes a send
 * carries, and how what the kernel took goes back to its jobs, is
 * txvec.c's. Whether a send may go now is budget.c's; what an error
 * result means for the connection is fate.c's; when the job is complete
 * and with what result is complete.c's.
 */
#include <errno.h>
#include <stdlib.h>

#include "core.h"

/* No more sends for the job being sent; move on to the next one. */
void zc__tx_advance(struct zc_sock *s)
{
	struct zc__job *job = s->tx_cur;

	job->state = ZC__JOB_SENT;
	if (s->tx_solo)
		s->tx_solo--;
	s->tx_cur = job->link.next == &s->wq ? NULL
					     : zc__job_of(job->link.next);
}

/* Mark the jobs a send carries as in flight, or (@n = -1) not any more. */
static void zc__op_mark(struct zc__op *op, int n)
{
	struct zc__job *job = op->job;

	for (unsigned int k = 0; k < op->njobs; k++) {
		job->inflight += n;
		if (n > 0)
			job->state = ZC__JOB_SENDING;
		else if (!job->off && job != op->job)
			job->state = ZC__JOB_QUEUED;
		job = zc__job_of(job->link.next);
	}
}

/*
 * Send what may go: the next segment of the job being sent, unless a send
 * is in flight or the budget holds it back. Whatever stopped the loop,
 * the writes that are done complete (a job released while the next one
 * waits for the budget still gets its callback).
 */
void zc__tx_kick(struct zc_sock *s)
{
	struct zc_engine *e = s->e;
	bool waiting = false;

	while (!s->tx_busy && s->tx_cur) {
		struct zc__job *job = s->tx_cur;
		size_t seg = job->len - job->off, plain;
		int err = s->fate ? s->fate : s->tx_broken;
		struct zc__op *op;
		bool zc;
		int ret;

		if (err || job->cancel) {
			if (!job->error)
				job->error = job->cancel ? -ECANCELED : err;
			zc__tx_advance(s);
			continue;
		}
		/* A datagram job is one send: one datagram, or one GSO batch
		 * (zc_write() refused one longer than a request carries). */
		if (seg > job->knobs.seg_max && !s->dgram)
			seg = job->knobs.seg_max;
		if (seg > e->be->io_max && !s->dgram)
			seg = e->be->io_max;
		zc = e->be->zerocopy &&
		     zc__send_is_zc(job->knobs.tx_zcopy,
				    job->knobs.zc_threshold, seg, &s->autozc);
		op = zc__op_get(e);
		if (!op) {
			if (zc)
				zc__auto_unwant(&s->autozc);
			zc__tx_fail(s, job, -ENOMEM);
			zc__tx_advance(s);
			continue;
		}
		op->sock = s;
		op->kind = zc ? ZC__OP_SEND_ZC : ZC__OP_SEND;
		plain = zc__tx_gather(s, op, seg, zc);
		if (zc && plain && zc__budget_wait(s, plain)) {
			zc__auto_unwant(&s->autozc); /* a probe not sent */
			zc__op_put(e, op);
			waiting = true;
			break;
		}
		if (zc && plain) {
			op->pinned = plain;
			e->pinned_plain += plain;
			ZC__STAT_ADD(s, bytes_pinned, plain);
		}
		/*
		 * Mark the send in flight before the backend sees it: a backend
		 * may report releases of earlier sends from inside send(), and
		 * the kick those cause must not send the same bytes again.
		 */
		s->tx_busy = true;
		s->tx_op = op;
		s->ops++;
		zc__op_mark(op, 1);
		ret = e->be->send(e, op);
		if (ret < 0) {
			s->tx_busy = false;
			s->tx_op = NULL;
			s->ops--;
			zc__op_mark(op, -1);
			zc__unpin(op);
			zc__op_put(e, op);
			zc__tx_fail(s, job, ret);
			zc__tx_advance(s);
			continue;
		}
		ZC__STAT_ADD(s, sends, 1);
	}
	zc__budget_done(s, waiting);
	zc__tx_settle(s);
}

/*
 * Jobs a send carried after @first that took nothing of it and were
 * cancelled meanwhile never started: they end now, as a queued job
 * cancelled does (zc_cancel()), ahead of earlier ones. Not at teardown,
 * where every unstarted job fails in order.
 */
static void zc__tx_drop_unstarted(struct zc__job *first, unsigned int carried)
{
	struct zc_sock *s = first->sock;
	struct zc__list *it = first->link.next;

	if (s->teardown)
		return;
	for (unsigned int k = 1; k < carried && it != &s->wq; k++) {
		struct zc__job *j = zc__job_of(it);

		it = it->next;
		if (j->state == ZC__JOB_QUEUED && j->cancel) {
			j->error = -ECANCELED;
			zc__job_complete(j);
		}
	}
}

void zc__send_result(struct zc__op *op, int res, bool notif_follows)
{
	struct zc_sock *s = op->sock;
	struct zc_engine *e = s->e;
	struct zc__job *job = op->job, *j;
	size_t taken = res > 0 ? (size_t)res : 0;
	unsigned int carried = op->njobs;

	s->tx_busy = false;
	s->tx_op = NULL;
	if (op->kind ==
	    ZC__OP_SEND_ZC) /* the backend may have made it a copy */
		ZC__STAT_ADD(s, sends_zc, 1);
	if (taken) {
		ZC__STAT_ADD(s, bytes_written, taken);
		if (taken < op->len)
			ZC__STAT_ADD(s, short_sends, 1);
		if (op->kind == ZC__OP_SEND)
			ZC__STAT_ADD(s, bytes_copied, taken);
	}
	op->njobs = zc__tx_took(op, taken, op->kind == ZC__OP_SEND);
	op->len = taken;
	if (res <= 0) {
		if ((res == -ENOBUFS || res == -ENOMEM) &&
		    op->kind == ZC__OP_SEND_ZC) {
			/*
			 * The kernel could not pin or track the pages (optmem
			 * or RLIMIT_MEMLOCK): copy the rest of this job.
			 */
			job->knobs.tx_zcopy = ZC_TX_OFF;
		} else if (res == -ECANCELED && !job->cancel && !s->aborted) {
			/* A later job of the send was cancelled: go on. */
		} else if (carried > 1 && zc__err_is_local(res)) {
			/* Which job's bytes did the kernel refuse? Each
			 * goes alone now, so the error is that job's. */
			s->tx_solo = carried;
		} else if (res != -EAGAIN && res != -EINTR) {
			/* 0: a stream took nothing. What the error means for
			 * the connection (an abort's, for one) is fate.c's. */
			zc__tx_fail(s, job, res ? res : -EPIPE);
		}
	}
	zc__tx_drop_unstarted(op->job, carried);
	while ((j = s->tx_cur) && (j->off == j->len || j->error))
		zc__tx_advance(s);
	if (notif_follows) {
		/* The release gives back every job that took bytes, or the
		 * first one when an error result promised it. */
		if (!op->njobs)
			op->njobs = 1;
		op->notif_owed = true;
		s->ops++;
		ZC__STAT_ADD(s, notifs_outstanding, 1);
		j = job;
		for (unsigned int k = 0; k < op->njobs; k++) {
			j->released_by_kernel = true;
			if (!e->unsafe_early)
				j->notifs++;
			j = zc__job_of(j->link.next);
		}
		if (e->unsafe_early)
			op->job = NULL; /* test mode: complete before release */
	} else {
		zc__unpin(op);
		zc__op_put(e, op);
	}
}
