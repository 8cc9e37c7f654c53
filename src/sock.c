// SPDX-License-Identifier: MIT
/*
 * sock.c - the life of a socket: attach, graceful close (send what is
 * queued, shut down, drop the reads, wait for every request), abort (reset,
 * which releases the pages at once) and engine teardown. zc__sock_kick()
 * moves a socket on after any event: its send queue, its receive queue,
 * its close.
 *
 * Where the rest lives: job.c (public job API), tx.c (send queue and
 * segmenting), rx.c (receive queue), complete.c (completion and dispatch),
 * fate.c (the connection's fate), budget.c (pin budget), timer.c
 * (deadlines).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core.h"

int zc_sock_attach(struct zc_engine *e, int fd, struct zc_sock **out)
{
	struct zc_sock *s;
	socklen_t optlen = sizeof(int);
	int type, ret = zc__engine_check_new(e);

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
void zc__sock_detach(struct zc_sock *s)
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

void zc__cancel_op(struct zc_sock *s, struct zc__op *target)
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
		if (!s->aborted && !s->teardown && !s->no_shutdown)
			s->fin = shutdown(s->fd, SHUT_WR) == 0; /* FIN queued */
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

/*
 * Reset the connection: the connection's fate becomes err (unless it had
 * failed already), and every job not yet complete that the peer did not
 * acknowledge fails with it.
 */
void zc__sock_abort_err(struct zc_sock *s, int err)
{
	zc__fate_abort(s, err);
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

/* Engine teardown: drop what never started, reset what did. */
void zc__sock_teardown(struct zc_sock *s)
{
	bool started = false;

	for (struct zc__list *it = s->wq.next; it != &s->wq; it = it->next) {
		struct zc__job *job = zc__job_of(it);

		/* A job a send carries after its first, none of it taken
		 * yet, has not started either (txvec.c). */
		if (job->state == ZC__JOB_QUEUED ||
		    (job->state == ZC__JOB_SENDING && !job->off &&
		     job != s->tx_cur))
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
