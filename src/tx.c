// SPDX-License-Identifier: MIT
/*
 * tx.c - the send queue of a socket and the splitting of a write into
 * sends. Owns s->wq order, s->tx_cur (the job being sent) and the rule of
 * one send in flight per socket: several io_uring sends in flight on one
 * socket reorder data (DESIGN.md 3.1). A job goes out as segments of at
 * most seg_max bytes, a datagram as one send; a short send resubmits the
 * remainder. Whether a send may go now is budget.c's; what a send's
 * result means for the connection is fate.c's; when the job is complete
 * is complete.c's.
 */
#include <errno.h>
#include <stdlib.h>

#include "core.h"

/* No more sends for the job being sent; move on to the next one. */
void zc__tx_advance(struct zc_sock *s)
{
	struct zc__job *job = s->tx_cur;

	job->state = ZC__JOB_SENT;
	s->tx_cur = job->link.next == &s->wq ? NULL
					     : zc__job_of(job->link.next);
}

void zc__tx_kick(struct zc_sock *s)
{
	struct zc_engine *e = s->e;

	while (!s->tx_busy && s->tx_cur) {
		struct zc__job *job = s->tx_cur;
		size_t seg = job->len - job->off;
		struct zc__op *op;
		bool zc;
		int ret;

		if (s->tx_err || job->cancel) {
			if (!job->error)
				job->error = job->cancel ? -ECANCELED
							 : s->tx_err;
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
		if (zc && !job->pool && zc__over_budget(s, seg)) {
			zc__auto_unwant(&s->autozc); /* a probe not sent */
			return;
		}
		op = zc__op_get(e);
		if (!op) {
			if (zc)
				zc__auto_unwant(&s->autozc);
			zc__tx_fail(s, job, -ENOMEM);
			zc__tx_advance(s);
			continue;
		}
		op->job = job;
		op->sock = s;
		op->kind = zc ? ZC__OP_SEND_ZC : ZC__OP_SEND;
		op->len = seg;
		if (zc && !job->pool) {
			op->pinned = seg;
			e->pinned_plain += seg;
			ZC__STAT_ADD(s, bytes_pinned, seg);
		}
		/*
		 * Mark the send in flight before the backend sees it: a backend
		 * may report releases of earlier sends from inside send(), and
		 * the kick those cause must not send the same bytes again.
		 */
		s->tx_busy = true;
		s->tx_op = op;
		s->ops++;
		job->inflight++;
		job->state = ZC__JOB_SENDING;
		ret = e->be->send(e, op, job->buf + job->off, seg);
		if (ret < 0) {
			s->tx_busy = false;
			s->tx_op = NULL;
			s->ops--;
			job->inflight--;
			zc__unpin(op);
			zc__op_put(e, op);
			zc__tx_fail(s, job, ret);
			zc__tx_advance(s);
			continue;
		}
		ZC__STAT_ADD(s, sends, 1);
	}
	zc__tx_complete_ready(s);
}

void zc__send_result(struct zc__op *op, int res, bool notif_follows)
{
	struct zc_sock *s = op->sock;
	struct zc_engine *e = s->e;
	struct zc__job *job = op->job;

	s->tx_busy = false;
	s->tx_op = NULL;
	job->inflight--;
	if (op->kind ==
	    ZC__OP_SEND_ZC) /* the backend may have made it a copy */
		ZC__STAT_ADD(s, sends_zc, 1);
	if (res > 0) {
		job->off += (size_t)res;
		ZC__STAT_ADD(s, bytes_written, res);
		if ((size_t)res < op->len)
			ZC__STAT_ADD(s, short_sends, 1);
		if (op->kind == ZC__OP_SEND) {
			job->bytes_copied += (size_t)res;
			ZC__STAT_ADD(s, bytes_copied, res);
		}
		op->len = (size_t)res;
	} else {
		op->len = 0;
		if ((res == -ENOBUFS || res == -ENOMEM) &&
		    op->kind == ZC__OP_SEND_ZC) {
			/*
			 * The kernel could not pin or track the pages (optmem
			 * or RLIMIT_MEMLOCK): copy the rest of this job.
			 */
			job->knobs.tx_zcopy = ZC_TX_OFF;
		} else if (res != -EAGAIN && res != -EINTR) {
			if (!res)
				res = -EPIPE; /* a stream took nothing */
			if (s->aborted)
				res = s->abort_err;
			zc__tx_fail(s, job, res);
		}
	}
	if (job->off == job->len || job->error)
		zc__tx_advance(s);
	if (notif_follows) {
		job->released_by_kernel = true;
		op->notif_owed = true;
		s->ops++;
		ZC__STAT_ADD(s, notifs_outstanding, 1);
		if (e->unsafe_early)
			op->job = NULL; /* test mode: complete before release */
		else
			job->notifs++;
	} else {
		zc__unpin(op);
		zc__op_put(e, op);
	}
}
