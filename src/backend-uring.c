// SPDX-License-Identifier: MIT
/*
 * backend-uring.c - the io_uring backend: IORING_OP_SEND_ZC (plain memory
 * or fixed buffers), IORING_OP_SEND for copies, their SENDMSG forms for
 * sends of several pieces, IORING_OP_RECV for reads.
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "compat.h"
#include "internal.h"

#define ZC__CQE_BATCH 64

struct zc__uring {
	struct io_uring ring;
	bool send_zc; /* the kernel has IORING_OP_SEND_ZC */
	bool buffers; /* the sparse fixed-buffer table is registered */
	int evfd;     /* for an outside poller, made on first request */
	bool taskrun; /* the kernel flags pending completions in the SQ ring
		       * (IORING_SETUP_TASKRUN_FLAG) */
};

static struct zc__uring *zc__ur(struct zc_engine *e)
{
	return e->be_data;
}

/* ZC_ENGINE_SQPOLL: how long the ring's kernel thread polls for more
 * requests after the last before it sleeps (a submit then wakes it). */
#define ZC__SQPOLL_IDLE_MS 1

static int zc__uring_setup(struct zc__uring *u, unsigned int sq,
			   unsigned int cq, bool any_thread, bool sqpoll)
{
	/* Best first; older kernels reject the newer flags with EINVAL. */
	static const unsigned int tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_SUBMIT_ALL,
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN |
			IORING_SETUP_SUBMIT_ALL,
		IORING_SETUP_SUBMIT_ALL,
		0,
	};
	/*
	 * ZC_ENGINE_ANY_THREAD: SINGLE_ISSUER refuses every thread but the
	 * first (-EEXIST), DEFER_TASKRUN runs completions only in the
	 * submitter's task, and COOP_TASKRUN would let a submitter that
	 * sleeps in the caller's mutex sit on another thread's completions:
	 * without those flags the kernel interrupts the submitter to post
	 * them.
	 */
	size_t first = any_thread || sqpoll ? 2 : 0;
	int ret = -EINVAL;

	for (size_t i = first; i < sizeof(tries) / sizeof(tries[0]); i++) {
		/* With a task-run mode, ask for its flag (5.19) too. */
		for (int flag = tries[i] ? 1 : 0; flag >= 0; flag--) {
			struct io_uring_params p = { 0 };

			p.flags = tries[i] | IORING_SETUP_CQSIZE;
			if (flag)
				p.flags |= IORING_SETUP_TASKRUN_FLAG;
			/*
			 * ZC_ENGINE_SQPOLL: a kernel thread of the ring issues
			 * every request, so completions run in that thread and
			 * no thread of the caller is ever interrupted to post
			 * them (measured: a submitter asleep in epoll_wait()
			 * got EINTR without it, also with COOP_TASKRUN).
			 */
			if (sqpoll) {
				p.flags |= IORING_SETUP_SQPOLL;
				p.sq_thread_idle = ZC__SQPOLL_IDLE_MS;
			}
			p.cq_entries = cq;
			ret = io_uring_queue_init_params(sq, &u->ring, &p);
			u->taskrun = ret == 0 && flag;
			if (ret != -EINVAL)
				return ret;
		}
	}
	return ret;
}

/*
 * Whether SENDMSG_ZC takes registered buffers (IORING_RECVSEND_FIXED_BUF
 * with an iovec inside one buffer: Linux 6.15). Older kernels refuse the
 * flag when the request is prepared (-EINVAL); newer ones get as far as
 * the file, here an invalid one (-EBADF). Asked once, on the new ring,
 * before any request of ours is in it.
 */
static bool zc__uring_vec_fixed(struct zc__uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
	static struct iovec iov = { .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct io_uring_cqe *cqe;
	bool more = true;
	int res = -EINVAL;

	if (!sqe)
		return false;
	io_uring_prep_sendmsg_zc(sqe, -1, &msg, 0);
	sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
	io_uring_sqe_set_data(sqe, NULL);
	if (io_uring_submit(&u->ring) != 1)
		return false;
	/* A result flagged F_MORE is followed by its notification. */
	for (int seen = 0; more && seen < 2; seen++) {
		if (io_uring_wait_cqe(&u->ring, &cqe) < 0)
			return false;
		if (!(cqe->flags & IORING_CQE_F_NOTIF))
			res = cqe->res;
		more = cqe->flags & IORING_CQE_F_MORE;
		io_uring_cqe_seen(&u->ring, cqe);
	}
	return res != -EINVAL;
}

static int zc__uring_init(struct zc_engine *e, const struct zc_engine_params *p)
{
	unsigned int sq = p->sq_entries ? p->sq_entries : 256;
	unsigned int cq = p->cq_entries ? p->cq_entries : 4 * sq;
	struct io_uring_probe *probe;
	struct zc__uring *u;
	int ret;

	if (cq < sq)
		return -EINVAL;
	u = zc__calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	ret = zc__uring_setup(u, sq, cq, e->any_thread,
			      p->flags & ZC_ENGINE_SQPOLL);
	if (ret < 0) {
		free(u);
		return ret;
	}
	probe = io_uring_get_probe_ring(&u->ring);
	u->send_zc = probe &&
		     io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
	if (probe)
		io_uring_free_probe(probe);
	if (!u->send_zc) {
		/* Before 6.0: MSG_ZEROCOPY does better than io_uring copies. */
		io_uring_queue_exit(&u->ring);
		free(u);
		return -EOPNOTSUPP;
	}
	u->evfd = -1;
	e->vec_fixed = zc__uring_vec_fixed(u);
	e->be_data = u;
	return 0;
}

static void zc__uring_fini(struct zc_engine *e)
{
	struct zc__uring *u = zc__ur(e);

	io_uring_queue_exit(&u->ring);
	if (u->evfd >= 0)
		close(u->evfd);
	free(u);
	e->be_data = NULL;
}

/*
 * With DEFER_TASKRUN, completions wait as task work until we enter the
 * kernel, and polling the ring fd does not see them (measured: no wake-up
 * in a second). A registered eventfd is signalled for that work too.
 */
static int zc__uring_fd(struct zc_engine *e)
{
	struct zc__uring *u = zc__ur(e);
	int fd;

	if (u->evfd >= 0)
		return u->evfd;
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (io_uring_register_eventfd(&u->ring, fd) < 0) {
		close(fd);
		return u->ring.ring_fd;
	}
	u->evfd = fd;
	return fd;
}

static struct io_uring_sqe *zc__sqe(struct zc__uring *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) {
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
	}
	return sqe;
}

/*
 * A send of one piece is IORING_OP_SEND(_ZC); of several (jobs coalesced,
 * or a zc_writev() job), IORING_OP_SENDMSG(_ZC) on op->msg, which lives in
 * the op until its result: the kernel may read it after the submit.
 */
static int zc__uring_send(struct zc_engine *e, struct zc__op *op)
{
	struct zc__uring *u = zc__ur(e);
	struct io_uring_sqe *sqe = zc__sqe(u);
	int fd = op->sock->fd;
	bool zc = op->kind == ZC__OP_SEND_ZC;
	/*
	 * No MSG_WAITALL: with it the kernel retries a partial stream send
	 * itself and a short result never came back but with an error, so
	 * the core's remainder path went untested here. Without it a send
	 * returns what fit in the socket buffer, as on the epoll backends,
	 * and the core resubmits the rest.
	 */
	int flags = MSG_NOSIGNAL;

	if (!sqe)
		return -EBUSY;
	if (op->iovcnt == 1) {
		void *buf = op->iov[0].iov_base;
		size_t len = op->iov[0].iov_len;

		if (zc && op->slot >= 0)
			io_uring_prep_send_zc_fixed(sqe, fd, buf, len, flags,
						    IORING_SEND_ZC_REPORT_USAGE,
						    (unsigned int)op->slot);
		else if (zc)
			io_uring_prep_send_zc(sqe, fd, buf, len, flags,
					      IORING_SEND_ZC_REPORT_USAGE);
		else
			io_uring_prep_send(sqe, fd, buf, len, flags);
	} else {
		op->msg = (struct msghdr){ .msg_iov = op->iov,
					   .msg_iovlen = op->iovcnt };
		if (zc) {
			/* SENDMSG_ZC takes its zero-copy flags in ioprio. */
			io_uring_prep_sendmsg_zc(sqe, fd, &op->msg, flags);
			sqe->ioprio |= IORING_SEND_ZC_REPORT_USAGE;
			if (op->slot >= 0) {
				sqe->ioprio |= IORING_RECVSEND_FIXED_BUF;
				sqe->buf_index = (__u16)op->slot;
			}
		} else {
			io_uring_prep_sendmsg(sqe, fd, &op->msg, flags);
		}
	}
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

static int zc__uring_recv(struct zc_engine *e, struct zc__op *op, void *buf,
			  size_t len)
{
	struct io_uring_sqe *sqe = zc__sqe(zc__ur(e));

	if (!sqe)
		return -EBUSY;
	io_uring_prep_recv(sqe, op->sock->fd, buf, len, 0);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

static int zc__uring_cancel(struct zc_engine *e, struct zc__op *target)
{
	struct io_uring_sqe *sqe = zc__sqe(zc__ur(e));
	struct zc__op *op;

	if (!sqe)
		return -EBUSY;
	op = zc__op_get(e);
	if (!op) {
		/* Make the unused entry harmless. */
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data(sqe, NULL);
		return -ENOMEM;
	}
	op->sock = target->sock;
	op->kind = ZC__OP_CANCEL;
	target->cancel_asked = true;
	io_uring_prep_cancel(sqe, target, 0);
	io_uring_sqe_set_data(sqe, op);
	return 0;
}

/*
 * A request belongs to the task that submitted it. When that thread has
 * exited (ZC_ENGINE_ANY_THREAD: any thread may have submitted), the
 * kernel ends the request with -ECANCELED as soon as it would run again
 * (a poll wake-up: the socket became readable or writable), before it
 * moved a byte. Nobody asked for that: the request would have blocked, so
 * it is issued again, from the thread driving the engine now. A SEND_ZC
 * still owes its notification (F_MORE), which the send path handles.
 */
static int zc__uring_res(struct zc__op *op, int res)
{
	if (res == -ECANCELED && !op->cancel_asked && op->kind != ZC__OP_CANCEL)
		return -EAGAIN;
	return res;
}

static void zc__uring_cqe(struct io_uring_cqe *cqe)
{
	struct zc__op *op = io_uring_cqe_get_data(cqe);

	if (!op)
		return;
	/*
	 * F_MORE promises exactly one F_NOTIF CQE for this request, whatever
	 * res says: decide from the flag, never from the result.
	 */
	if (cqe->flags & IORING_CQE_F_NOTIF)
		zc__op_release(op, cqe->res & IORING_NOTIF_USAGE_ZC_COPIED);
	else
		zc__op_result(op, zc__uring_res(op, cqe->res),
			      cqe->flags & IORING_CQE_F_MORE);
}

static unsigned int zc__uring_reap(struct zc__uring *u)
{
	struct io_uring_cqe *cqes[ZC__CQE_BATCH];
	unsigned int n, total = 0;

	while ((n = io_uring_peek_batch_cqe(&u->ring, cqes, ZC__CQE_BATCH))) {
		for (unsigned int i = 0; i < n; i++)
			zc__uring_cqe(cqes[i]);
		io_uring_cq_advance(&u->ring, n);
		total += n;
	}
	return total;
}

/*
 * Whether entering the kernel without waiting would do nothing: no
 * request to submit, and the kernel flags no completion waiting as task
 * work (IORING_SQ_TASKRUN: with DEFER_TASKRUN they are posted only when
 * we enter) or in its overflow list. Without the flag, it cannot be known.
 */
static bool zc__uring_idle(struct zc__uring *u)
{
	unsigned int flags = IO_URING_READ_ONCE(*u->ring.sq.kflags);

	return u->taskrun && !io_uring_sq_ready(&u->ring) &&
	       !(flags & (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW));
}

static int zc__uring_wait(struct zc_engine *e, int timeout_ms)
{
	struct zc__uring *u = zc__ur(e);
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;
	unsigned int reaped;
	int ret;

	if (u->evfd >= 0) {
		uint64_t v;

		/* Consume the wake-up we are acting on; later ones stay. */
		if (read(u->evfd, &v, sizeof(v)) < 0)
			v = 0;
	}
	/*
	 * Completions already in the ring cost no system call. But the
	 * kernel signals the eventfd only when deferred task work arrives on
	 * an empty list: an outside poller would sleep for ever on work left
	 * pending, so with an eventfd always run it before returning.
	 */
	reaped = zc__uring_reap(u);
	if (reaped && u->evfd < 0)
		return 0;
	if ((timeout_ms == 0 || reaped) && zc__uring_idle(u)) {
		return 0; /* nothing to submit, nothing the kernel holds */
	} else if (timeout_ms == 0 || reaped) {
		ret = io_uring_submit_and_get_events(&u->ring);
	} else {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
		ret = io_uring_submit_and_wait_timeout(
			&u->ring, &cqe, 1, timeout_ms < 0 ? NULL : &ts, NULL);
	}
	zc__uring_reap(u);
	return ret < 0 ? ret : 0;
}

static void zc__uring_flush(struct zc_engine *e)
{
	struct zc__uring *u = zc__ur(e);

	if (io_uring_sq_ready(&u->ring))
		io_uring_submit(&u->ring);
}

static int zc__uring_pool_register(struct zc_engine *e, struct zc_pool *p)
{
	struct zc__uring *u = zc__ur(e);
	struct iovec iov = { .iov_base = p->base, .iov_len = p->size };
	__u64 tag = 0;
	int ret;

	if (!u->buffers) {
		ret = io_uring_register_buffers_sparse(&u->ring,
						       ZC__POOL_SLOTS);
		if (ret < 0)
			return ret;
		u->buffers = true;
	}
	ret = io_uring_register_buffers_update_tag(&u->ring, p->slot, &iov,
						   &tag, 1);
	return ret < 0 ? ret : 0;
}

static void zc__uring_pool_unregister(struct zc_engine *e, struct zc_pool *p)
{
	struct zc__uring *u = zc__ur(e);
	struct iovec iov = { 0 };
	__u64 tag = 0;

	io_uring_register_buffers_update_tag(&u->ring, p->slot, &iov, &tag, 1);
}

const struct zc__backend zc__backend_uring = {
	.name = "io_uring",
	.zerocopy = true,
	.io_max = ZC__IO_MAX, /* the SQE's len is 32 bits, the CQE's res int */
	.fixed_buffers = true,
	.init = zc__uring_init,
	.fini = zc__uring_fini,
	.fd = zc__uring_fd,
	.send = zc__uring_send,
	.recv = zc__uring_recv,
	.cancel = zc__uring_cancel,
	.wait = zc__uring_wait,
	.flush = zc__uring_flush,
	.pool_register = zc__uring_pool_register,
	.pool_unregister = zc__uring_pool_unregister,
};
