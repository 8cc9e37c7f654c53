// SPDX-License-Identifier: MIT
/*
 * complete.c - completion and dispatch: the backend's events enter here
 * (zc__op_result, zc__op_release), a job is judged complete here, and the
 * callbacks run from here. A write job completes once, after all its
 * bytes were taken (or an error ended it) and every zero-copy send of it
 * was released, in the order the socket's writes were queued (DESIGN.md
 * 3.3, 3.4).
 */
#include <stdlib.h>

#include "core.h"

/* Queue a job for its callback; callbacks run from zc__run_callbacks(). */
void zc__job_finish(struct zc__job *job)
{
	zc__list_del(&job->link);
	job->state = ZC__JOB_DONE;
	zc__list_add_tail(&job->sock->e->done, &job->link);
}

void zc__tx_complete_ready(struct zc_sock *s)
{
	struct zc__job *job;

	while ((job = zc__first(&s->wq)) && job->state == ZC__JOB_SENT &&
	       !job->inflight && !job->notifs)
		zc__job_finish(job);
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
		if (!job->notifs && job->state == ZC__JOB_SENT && !job->error)
			s->conn_check_due = true;
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
	struct zc_sock *s = job->sock;
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
	/* All releases of a batch came before the callbacks: one check. */
	if (s->conn_check_due && job->op == ZC_OP_WRITE) {
		s->conn_check_due = false;
		zc__conn_check(s);
	}
	/* Pages released by a reset or an abort, not by the peer's ack. */
	if (job->op == ZC_OP_WRITE && !job->error && job->released_by_kernel &&
	    (s->aborted ||
	     (s->tx_err && !s->dgram && !zc__err_is_local(s->tx_err)))) {
		job->error = s->aborted ? s->abort_err : s->tx_err;
		r.error = job->error;
	}
	if (job->error)
		ZC__STAT_ADD(s, jobs_failed, 1);
	else
		ZC__STAT_ADD(s, jobs_done, 1);
	job->cb(s, &r, job->user_data);
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
				s->close_cb(s, s->tx_err, s->close_user);
			zc__sock_free(s);
		} else {
			break;
		}
		n++;
	}
	e->in_callback = false;
	return n;
}
