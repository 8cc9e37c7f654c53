// SPDX-License-Identifier: MIT
/*
 * sock.c - sockets and their jobs: the per-socket FIFOs, splitting a write
 * into sends, completion on release, cancel, close and abort. Backend
 * independent: a backend only issues requests and reports their results
 * (zc__op_result) and releases (zc__op_release).
 *
 * The rules kept here (DESIGN.md section 3):
 *  - at most one send and one recv in flight per socket: several io_uring
 *    sends in flight on one socket reorder data;
 *  - a write job completes when all its bytes were taken (or an error ended
 *    it) and every zero-copy send of it was released, and write jobs of a
 *    socket complete in the order they were queued;
 *  - a write that failed after part of it went out left a hole in the
 *    stream, and a connection error ends the stream: every later write of
 *    that socket then fails with the same error instead of going out. A
 *    write that failed alone, with nothing sent, leaves the stream whole;
 *    so does cancelling a started write (documented: the peer gets part).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

static struct zc__job *zc__job_get(struct zc_engine *e)
{
	struct zc__job *job = e->job_free;

	if (job)
		e->job_free = (struct zc__job *)job->link.next;
	else if (!(job = zc__calloc(1, sizeof(*job))))
		return NULL;
	memset(job, 0, sizeof(*job));
	zc__list_init(&job->link);
	return job;
}

static void zc__job_put(struct zc_engine *e, struct zc__job *job)
{
	job->link.next = (struct zc__list *)e->job_free;
	e->job_free = job;
}

static struct zc__job *zc__job_of(struct zc__list *l)
{
	return zc__container_of(l, struct zc__job, link);
}

static struct zc__job *zc__first(struct zc__list *q)
{
	return zc__list_empty(q) ? NULL : zc__job_of(q->next);
}

int zc_sock_attach(struct zc_engine *e, int fd, struct zc_sock **out)
{
	struct zc_sock *s;
	socklen_t optlen = sizeof(int);
	int type, ret = zc__engine_check(e);

	if (ret < 0)
		return ret;
	if (!out)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen) < 0)
		return -errno;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -EPROTOTYPE;
	s = zc__calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->e = e;
	s->fd = fd;
	s->dgram = type == SOCK_DGRAM;
	zc__list_init(&s->wq);
	zc__list_init(&s->rq);
	zc__list_init(&s->budget_link);
	zc__list_init(&s->done_link);
	s->knobs.tx_zcopy = ZC_TX_INHERIT;
	s->knobs.zc_threshold = UINT64_MAX;
	s->knobs.seg_max = UINT64_MAX;
	s->knobs.deadline_ms = UINT64_MAX;
	if (e->be->attach) {
		ret = e->be->attach(e, s);
		if (ret < 0) {
			free(s);
			return ret;
		}
	}
	zc__list_add_tail(&e->socks, &s->link);
	*out = s;
	return 0;
}

int zc_sock_fd(struct zc_sock *s)
{
	return s ? s->fd : -EINVAL;
}

/* The engine lets go of the socket: after this it never touches the fd. */
static void zc__sock_detach(struct zc_sock *s)
{
	if (s->detached)
		return;
	s->detached = true;
	if (s->e->be->detach)
		s->e->be->detach(s->e, s);
	zc__list_del(&s->link);
	zc__list_del(&s->budget_link);
}

void zc__sock_free(struct zc_sock *s)
{
	zc__sock_detach(s);
	free(s);
}

/* Queue a job for its callback; callbacks run from zc__run_callbacks(). */
static void zc__job_finish(struct zc__job *job)
{
	zc__list_del(&job->link);
	job->state = ZC__JOB_DONE;
	zc__list_add_tail(&job->sock->e->done, &job->link);
}

static void zc__unpin(struct zc__op *op)
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

/* No more sends for the job being sent; move on to the next one. */
static void zc__tx_advance(struct zc_sock *s)
{
	struct zc__job *job = s->tx_cur;

	job->state = ZC__JOB_SENT;
	s->tx_cur = job->link.next == &s->wq ? NULL
					     : zc__job_of(job->link.next);
}

static void zc__tx_complete_ready(struct zc_sock *s)
{
	struct zc__job *job;

	while ((job = zc__first(&s->wq)) && job->state == ZC__JOB_SENT &&
	       !job->inflight && !job->notifs)
		zc__job_finish(job);
}

/* Errors that say nothing about the connection: the job failed alone. */
static bool zc__err_is_local(int err)
{
	switch (err) {
	case -EFAULT:
	case -EINVAL:
	case -EOPNOTSUPP:
	case -ENOMEM:
	case -ENOBUFS:
	case -ECANCELED:
	case -EMSGSIZE:
	case -EBUSY: return true;
	}
	return false;
}

/*
 * End the job being sent with err. A failure after part of the job went
 * out leaves a hole in the stream, and a connection error ends it: later
 * jobs fail too. A job that failed alone, with nothing sent, leaves the
 * stream whole.
 */
static void zc__tx_fail(struct zc_sock *s, struct zc__job *job, int err)
{
	job->error = err;
	/* A datagram is one send: there is no stream to protect. */
	if (!(job->cancel && err == -ECANCELED) && !s->tx_err && !s->dgram &&
	    (job->off || !zc__err_is_local(err)))
		s->tx_err = err;
}

/* Whether this send must wait for pinned bytes to come back. */
static bool zc__over_budget(struct zc_sock *s, size_t seg)
{
	struct zc_engine *e = s->e;

	/* One send always may go, or a budget below seg_max would stall. */
	if (!e->pinned_plain || e->stats.bytes_pinned + seg <= e->pin_budget)
		return false;
	if (zc__list_empty(&s->budget_link))
		zc__list_add_tail(&e->budget_waiters, &s->budget_link);
	return true;
}

static void zc__tx_kick(struct zc_sock *s)
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
		/* A datagram job is one send: one datagram, or one GSO batch. */
		if (seg > job->knobs.seg_max && !s->dgram)
			seg = job->knobs.seg_max;
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

static void zc__rx_kick(struct zc_sock *s)
{
	struct zc_engine *e = s->e;
	struct zc__job *job;

	while (!s->rx_busy && (job = zc__first(&s->rq))) {
		struct zc__op *op;
		int ret;

		if (job->cancel || s->rx_eof || s->rx_err) {
			if (job->cancel)
				job->error = -ECANCELED;
			else if (s->rx_err)
				job->error = s->rx_err;
			zc__job_finish(job);
			continue;
		}
		op = zc__op_get(e);
		if (!op) {
			job->error = -ENOMEM;
			zc__job_finish(job);
			continue;
		}
		op->job = job;
		op->sock = s;
		op->kind = ZC__OP_RECV;
		op->len = job->len;
		s->rx_busy =
			true; /* before the backend sees it, as for sends */
		s->rx_op = op;
		s->ops++;
		job->inflight++;
		job->state = ZC__JOB_SENDING;
		ret = e->be->recv(e, op, job->buf, job->len);
		if (ret < 0) {
			s->rx_busy = false;
			s->rx_op = NULL;
			s->ops--;
			job->inflight--;
			zc__op_put(e, op);
			job->error = ret;
			zc__job_finish(job);
			continue;
		}
	}
}

static void zc__cancel_op(struct zc_sock *s, struct zc__op *target)
{
	if (target && s->e->be->cancel(s->e, target) == 0)
		s->ops++;
}

/* Graceful close: after the last write, shut down, then drop the reads. */
static void zc__close_progress(struct zc_sock *s)
{
	struct zc_engine *e = s->e;
	struct zc__list *it;

	if (!s->closing || s->close_queued || !zc__list_empty(&s->wq))
		return;
	if (!s->shut) {
		s->shut = true;
		if (!s->aborted && !s->teardown)
			shutdown(s->fd, SHUT_WR);
		for (it = s->rq.next; it != &s->rq; it = it->next)
			zc__job_of(it)->cancel = true;
		if (s->rx_busy)
			zc__cancel_op(s, s->rx_op);
		zc__rx_kick(s);
	}
	if (!zc__list_empty(&s->rq) || s->ops)
		return;
	s->close_queued = true;
	zc__list_add_tail(&e->closed, &s->done_link);
}

void zc__sock_kick(struct zc_sock *s)
{
	zc__tx_kick(s);
	if (!zc__list_empty(&s->rq))
		zc__rx_kick(s);
	if (s->closing)
		zc__close_progress(s);
}

/*
 * A reset makes the kernel drop its queues and release the pages of data
 * the peer never acknowledged. A write whose pages came back that way must
 * not report success: after its last release, with no send of ours in
 * flight to hear of the error, ask the socket whether it is still there.
 */
static void zc__conn_check(struct zc_sock *s)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int err = 0;

	if (s->tx_err || s->tx_busy ||
	    getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    ti.tcpi_state != TCP_CLOSE)
		return;
	/*
	 * Closed with no error is the graceful end: our FIN was acked, and
	 * with it every byte before it (seen: a peer that shut down first
	 * acks our FIN while zc_sock_close() shuts down, before the last
	 * job's callback). A reset leaves ECONNRESET or EPIPE here.
	 */
	len = sizeof(err);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || !err)
		return;
	s->tx_err = -err;
}

static void zc__send_result(struct zc__op *op, int res, bool notif_follows)
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

static void zc__recv_result(struct zc__op *op, int res)
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
		if (s->aborted)
			res = s->abort_err;
		job->error = res;
		if (res != -ECANCELED && !s->dgram)
			s->rx_err = res; /* a stream ends; datagrams go on */
	}
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

void zc__op_release(struct zc__op *op, bool copied)
{
	struct zc_sock *s = op->sock;
	struct zc_engine *e = s->e;
	struct zc__job *job = op->job;
	size_t bytes = op->len;

	s->ops--;
	ZC__STAT_ADD(s, notifs_outstanding, -1);
	if (copied)
		ZC__STAT_ADD(s, bytes_zc_copied, bytes);
	else
		ZC__STAT_ADD(s, bytes_zc, bytes);
	if (job) {
		job->notifs--;
		if (!job->notifs && job->state == ZC__JOB_SENT && !job->error)
			s->conn_check_due = true;
		if (copied)
			job->bytes_copied += bytes;
		else
			job->bytes_zc += bytes;
		if (bytes && job->knobs.tx_zcopy == ZC_TX_AUTO &&
		    zc__auto_report(&s->autozc, copied, e->auto_reprobe))
			ZC__STAT_ADD(s, auto_fallbacks, 1);
	}
	zc__unpin(op);
	zc__op_put(e, op);
	zc__sock_kick(s);
}

static int zc__job_check(struct zc_sock *s, const void *buf, size_t len,
			 zc_job_cb cb)
{
	int ret;

	if (!s)
		return -EINVAL;
	ret = zc__engine_check(s->e);
	if (ret < 0)
		return ret;
	if (!buf || !len || !cb || len > SSIZE_MAX)
		return -EINVAL;
	if (s->closing || s->aborted)
		return -EPIPE;
	if (s->e->max_jobs && s->e->pending >= s->e->max_jobs)
		return -EAGAIN;
	return 0;
}

static struct zc__job *zc__job_new(struct zc_sock *s, enum zc_op opcode,
				   const void *buf, size_t len, zc_job_cb cb,
				   void *user_data, uint64_t *id)
{
	struct zc_engine *e = s->e;
	struct zc__job *job = zc__job_get(e);

	if (!job)
		return NULL;
	job->sock = s;
	job->id = e->next_id++;
	job->op = opcode;
	job->state = ZC__JOB_QUEUED;
	job->buf = (char *)buf;
	job->len = len;
	job->cb = cb;
	job->user_data = user_data;
	e->pending++;
	ZC__STAT_ADD(s, jobs_queued, 1);
	if (id)
		*id = job->id;
	return job;
}

int zc_write(struct zc_sock *s, const void *buf, size_t len,
	     const struct zc_write_opts *opts, zc_job_cb cb, void *user_data,
	     uint64_t *id)
{
	int tx = ZC_TX_INHERIT;
	struct zc_pool *pool = NULL;
	struct zc__job *job;
	int ret = zc__job_check(s, buf, len, cb);

	if (ret < 0)
		return ret;
	if (opts) {
		if (opts->flags || opts->tx_zcopy < ZC_TX_INHERIT ||
		    opts->tx_zcopy > ZC_TX_AUTO)
			return -EINVAL;
		tx = opts->tx_zcopy;
		pool = opts->pool;
		if (pool && (pool->e != s->e ||
			     (const char *)buf < (char *)pool->base ||
			     len > pool->size ||
			     (size_t)((const char *)buf - (char *)pool->base) >
				     pool->size - len))
			return -EINVAL;
	}
	job = zc__job_new(s, ZC_OP_WRITE, buf, len, cb, user_data, id);
	if (!job)
		return -ENOMEM;
	job->pool = pool;
	if (pool)
		pool->users++;
	job->knobs = zc__knobs_resolve(&s->e->knobs, &s->knobs, tx);
	if (opts && opts->deadline_ms)
		job->knobs.deadline_ms = opts->deadline_ms;
	if (job->knobs.deadline_ms) {
		job->deadline = zc__now_ms() + (int64_t)job->knobs.deadline_ms;
		if (job->deadline < s->e->deadline_next)
			s->e->deadline_next = job->deadline;
	}
	zc__list_add_tail(&s->wq, &job->link);
	if (!s->tx_cur)
		s->tx_cur = job;
	zc__tx_kick(s);
	return 0;
}

int zc_read(struct zc_sock *s, void *buf, size_t len, zc_job_cb cb,
	    void *user_data, uint64_t *id)
{
	struct zc__job *job;
	int ret = zc__job_check(s, buf, len, cb);

	if (ret < 0)
		return ret;
	job = zc__job_new(s, ZC_OP_READ, buf, len, cb, user_data, id);
	if (!job)
		return -ENOMEM;
	zc__list_add_tail(&s->rq, &job->link);
	zc__rx_kick(s);
	return 0;
}

static struct zc__job *zc__find(struct zc__list *q, uint64_t id)
{
	for (struct zc__list *it = q->next; it != q; it = it->next)
		if (zc__job_of(it)->id == id)
			return zc__job_of(it);
	return NULL;
}

int zc_cancel(struct zc_sock *s, uint64_t id)
{
	struct zc__job *job;
	int ret = s ? zc__engine_check(s->e) : -EINVAL;

	if (ret < 0)
		return ret;
	job = zc__find(&s->wq, id);
	if (!job)
		job = zc__find(&s->rq, id);
	if (!job || job->cancel)
		return -ENOENT;
	if (job->state == ZC__JOB_SENT)
		return -EALREADY; /* all with the kernel; completes on release */
	if (job->state == ZC__JOB_QUEUED) {
		/* Never started: it leaves the queue at once. */
		if (s->tx_cur == job)
			zc__tx_advance(s);
		job->error = -ECANCELED;
		zc__job_finish(job);
		zc__sock_kick(s);
		return 0;
	}
	job->cancel = true;
	if (job->op == ZC_OP_WRITE && s->tx_op && s->tx_op->job == job)
		zc__cancel_op(s, s->tx_op);
	if (job->op == ZC_OP_READ && s->rx_op && s->rx_op->job == job)
		zc__cancel_op(s, s->rx_op);
	zc__sock_kick(s); /* between two sends (budget): end it now */
	return 0;
}

int zc_sock_close(struct zc_sock *s, zc_close_cb cb, void *user_data)
{
	int ret = s ? zc__engine_check(s->e) : -EINVAL;

	if (ret < 0)
		return ret;
	if (s->closing)
		return -EALREADY;
	s->closing = true;
	s->close_cb = cb;
	s->close_user = user_data;
	s->e->pending++;
	zc__sock_kick(s);
	return 0;
}

/*
 * A reset makes the kernel drop the socket's queues, which releases the
 * pages at once; close() alone would keep sending from them.
 */
static void zc__reset(int fd)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (connect(fd, &sa, sizeof(sa)) == 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	shutdown(fd, SHUT_RDWR);
}

/* Reset the connection; every job not yet complete fails with err. */
void zc__sock_abort_err(struct zc_sock *s, int err)
{
	s->aborted = true;
	s->abort_err = err;
	s->tx_err = err;
	s->rx_err = err;
	zc__reset(s->fd);
	if (s->tx_busy)
		zc__cancel_op(s, s->tx_op);
	if (s->rx_busy)
		zc__cancel_op(s, s->rx_op);
	zc__sock_kick(s);
}

int zc_sock_abort(struct zc_sock *s)
{
	int ret = s ? zc__engine_check(s->e) : -EINVAL;

	if (ret < 0)
		return ret;
	if (s->aborted)
		return -EALREADY;
	zc__sock_abort_err(s, -ECONNABORTED);
	return 0;
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

/* Engine teardown: drop what never started, reset what did. */
void zc__sock_teardown(struct zc_sock *s)
{
	bool started = false;

	for (struct zc__list *it = s->wq.next; it != &s->wq; it = it->next) {
		struct zc__job *job = zc__job_of(it);

		if (job->state == ZC__JOB_QUEUED)
			job->cancel = true; /* fails -ECANCELED, in order */
		else
			started = true;
	}
	if (started && !s->aborted)
		zc_sock_abort(s);
	s->teardown = true;
	if (!s->closing) {
		s->closing = true;
		s->e->pending++;
	}
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

	if (job->pool)
		job->pool->users--;
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
