// SPDX-License-Identifier: MIT
/*
 * complete.c - completion and dispatch. The backend's events enter here
 * (zc__op_result, zc__op_release); a job's end and its result are decided
 * here, in one function (zc__job_complete); the callbacks run from here.
 *
 * When a job is complete (DESIGN.md 3.3, 3.4):
 *  - a write: no more sends for it (all its bytes were taken, or an error
 *    or a cancel ended it), no result pending and every zero-copy send of
 *    it released. Writes of a socket complete in the order they were
 *    queued (zc__tx_settle), except one cancelled before it started,
 *    which leaves at once;
 *  - a read: its one recv came back, or it could not be issued.
 * With what result: what the job's own sends and recvs said, then the
 * connection's fate (fate.c): a zero-copy write whose pages came back
 * without the peer's acknowledgement on a failed connection fails with
 * the connection's error, and a read that finds end of stream on a
 * failed connection reports that error, not 0. The result is fixed here
 * and never rewritten afterwards.
 */
#include <stdlib.h>

#include "core.h"

void zc__job_complete(struct zc__job *job)
{
	struct zc_sock *s = job->sock;
	struct zc_engine *e = s->e;

	if (job->timer)
		zc__timer_del(e, job);
	zc__list_del(&job->link);
	job->state = ZC__JOB_DONE;
	if (job->op == ZC_OP_WRITE)
		job->error = zc__write_verdict(s, job);
	else if (!job->error && !job->off && !s->dgram && s->fate)
		job->error = s->fate; /* end of stream on a failed connection */
	zc__list_add_tail(&e->done, &job->link);
}

void zc__tx_settle(struct zc_sock *s)
{
	struct zc__job *job;

	while ((job = zc__first(&s->wq)) && job->state == ZC__JOB_SENT &&
	       !job->inflight && !job->notifs)
		zc__job_complete(job);
}

void zc__op_result(struct zc__op *op, int res, bool notif_follows)
{
	struct zc_sock *s = op->sock;

	s->ops--;
	switch (op->kind) {
	case ZC__OP_CANCEL: zc__op_put(s->e, op); break;
	case ZC__OP_RECV: zc__recv_result(op, res); break;
	case ZC__OP_SEND:
	case ZC__OP_SEND_ZC: zc__send_result(op, res, notif_follows); break;
	}
	zc__sock_kick(s);
}

/* What a release of @op gives back to @job, which the send carried. */
static size_t zc__op_share(const struct zc__op *op, const struct zc__job *job,
			   size_t *left)
{
	size_t room = job == op->job ? job->len - op->job_off : job->len;
	size_t n = *left < room ? *left : room;

	*left -= n;
	return n;
}

void zc__op_release(struct zc__op *op, bool copied)
{
	struct zc_sock *s = op->sock;
	struct zc_engine *e = s->e;
	struct zc__job *job = op->job;
	size_t bytes = op->len, left = bytes;

	s->ops--;
	ZC__STAT_ADD(s, notifs_outstanding, -1);
	if (copied)
		ZC__STAT_ADD(s, bytes_zc_copied, bytes);
	else
		ZC__STAT_ADD(s, bytes_zc, bytes);
	if (job && bytes && job->knobs.tx_zcopy == ZC_TX_AUTO &&
	    zc__auto_report(&s->autozc, copied, e->auto_reprobe))
		ZC__STAT_ADD(s, auto_fallbacks, 1);
	for (unsigned int k = 0; job && k < op->njobs; k++) {
		size_t n = zc__op_share(op, job, &left);

		job->notifs--;
		if (copied)
			job->bytes_copied += n;
		else
			job->bytes_zc += n;
		job = zc__job_of(job->link.next);
	}
	zc__unpin(op);
	zc__op_put(e, op);
	zc__sock_kick(s);
}

static void zc__call_job(struct zc_engine *e, struct zc__job *job)
{
	struct zc_result r = {
		.id = job->id,
		.op = job->op,
		.error = job->error,
		.res = job->off ? (ssize_t)job->off : job->error,
		.buf = job->buf,
		.len = job->len,
		.bytes_zc = job->bytes_zc,
		.bytes_copied = job->bytes_copied,
	};

	for (unsigned int i = 0; job->op == ZC_OP_WRITE && i < job->npieces;
	     i++)
		if (job->pieces[i].pool)
			job->pieces[i].pool->users--;
	/* Counted as the callback runs (zc_stats: "callbacks run"). */
	if (job->error)
		ZC__STAT_ADD(job->sock, jobs_failed, 1);
	else
		ZC__STAT_ADD(job->sock, jobs_done, 1);
	job->cb(job->sock, &r, job->user_data);
	zc__job_put(e, job);
}

int zc__run_callbacks(struct zc_engine *e)
{
	int n = 0;

	e->in_callback = true;
	for (;;) {
		struct zc__list *it;

		if (!zc__list_empty(&e->done)) {
			it = e->done.next;
			zc__list_del(it);
			e->pending--;
			zc__call_job(e, zc__job_of(it));
		} else if (!zc__list_empty(&e->closed)) {
			struct zc_sock *s;

			it = e->closed.next;
			zc__list_del(it);
			e->pending--;
			s = zc__container_of(it, struct zc_sock, done_link);
			/* The callback may close the fd, and its number be
			 * reused by a socket attached next: let go first. */
			zc__sock_detach(s);
			if (s->close_cb)
				s->close_cb(s, s->fate ? s->fate : s->tx_broken,
					    s->close_user);
			zc__sock_free(s);
		} else {
			break;
		}
		n++;
	}
	e->in_callback = false;
	return n;
}
