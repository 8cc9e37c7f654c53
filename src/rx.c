// SPDX-License-Identifier: MIT
/*
 * rx.c - the receive queue of a socket: reads complete in the order they
 * were queued with what has arrived, one recv in flight at a time; 0 means
 * end of stream (DESIGN.md 3.7). A read that comes back empty on a
 * connection whose fate is an error reports that error (complete.c), so
 * a reset taken by the write side is never a clean end here.
 */
#include <errno.h>

#include "core.h"

void zc__rx_kick(struct zc_sock *s)
{
	struct zc_engine *e = s->e;
	struct zc__job *job;

	while (!s->rx_busy && (job = zc__first(&s->rq))) {
		struct zc__op *op;
		int ret;

		/*
		 * After a reset the kernel still hands out what arrived
		 * before it: only our own abort or an ended stream stops the
		 * reads here.
		 */
		if (job->cancel || s->rx_eof || s->rx_broken || s->aborted) {
			if (job->cancel)
				job->error = -ECANCELED;
			else if (s->aborted)
				job->error = s->fate;
			else
				job->error = s->rx_broken;
			zc__job_complete(job);
			continue;
		}
		op = zc__op_get(e);
		if (!op) {
			job->error = -ENOMEM;
			zc__job_complete(job);
			continue;
		}
		op->job = job;
		op->sock = s;
		op->kind = ZC__OP_RECV;
		/* A read completes with what arrived: longer than a request
		 * carries, it gets at most that much. */
		op->len = job->len < e->be->io_max ? job->len : e->be->io_max;
		s->rx_busy =
			true; /* before the backend sees it, as for sends */
		s->rx_op = op;
		s->ops++;
		job->inflight++;
		job->state = ZC__JOB_SENDING;
		ret = e->be->recv(e, op, job->buf, op->len);
		if (ret < 0) {
			s->rx_busy = false;
			s->rx_op = NULL;
			s->ops--;
			job->inflight--;
			zc__op_put(e, op);
			job->error = ret;
			zc__job_complete(job);
			continue;
		}
	}
}

void zc__recv_result(struct zc__op *op, int res)
{
	struct zc_sock *s = op->sock;
	struct zc__job *job = op->job;

	s->rx_busy = false;
	s->rx_op = NULL;
	job->inflight--;
	zc__op_put(s->e, op);
	if (res > 0) {
		job->off = (size_t)res;
		ZC__STAT_ADD(s, bytes_read, res);
	} else if (res == 0) {
		s->rx_eof = !s->dgram; /* an empty datagram is not an end */
	} else if ((res == -EAGAIN || res == -EINTR) && !job->cancel) {
		job->state = ZC__JOB_QUEUED; /* try again */
		return;
	} else {
		if (res == -EAGAIN || res == -EINTR)
			res = -ECANCELED;
		res = zc__fate_note(s, res);
		job->error = res;
		/* A stream ends; datagrams go on, and a bad buffer (EFAULT)
		 * fails only its own job, as read(2) does. */
		if (res != -ECANCELED && res != -EFAULT && !s->dgram)
			s->rx_broken = res;
	}
	zc__job_complete(job);
}
