// SPDX-License-Identifier: MIT
/*
 * backend-epoll.c - two backends on epoll, for where io_uring is blocked
 * (container seccomp profiles, kernel.io_uring_disabled) or too old:
 *   msg_zerocopy: send()/sendmsg() with MSG_ZEROCOPY, releases read from
 *                 the socket's error queue;
 *   copy:         plain send(), or sendmsg() for a send of several pieces.
 *
 * Requests are performed at once, without blocking; their results wait on
 * a ready list and are reported from wait(), like io_uring's inline
 * completions. A request that would block waits for an edge-triggered
 * epoll event of its socket.
 */
#include <errno.h>
#include <time.h> /* before errqueue.h, which needs struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "compat.h"
#include "internal.h"
#include "ztrack.h"

/*
 * The kernel numbers a socket's MSG_ZEROCOPY sends from 0, so its 32-bit
 * counter wraps only after 4.3 billion sends on one socket, far more than
 * a test can make. Tests move our view of the ids by a bias instead, so
 * the wrap comes within a few hundred real sends and notifications.
 */
#ifdef ZC__TEST_HOOKS
uint32_t zc__test_zc_id_bias;
#define ZC__ID_BIAS zc__test_zc_id_bias
#else
#define ZC__ID_BIAS 0u
#endif

#define ZC__EP_EVENTS  64
#define ZC__EP_ROUNDS  64 /* report rounds per wait(), so callers get a turn */
#define ZC__ERRQ_BATCH 16

struct zc__ep {
	int epfd;
	int evfd; /* wakes an outside poller when results are ready */
	bool zerocopy;
	struct zc__list ready; /* performed requests, results to report */
};

struct zc__ep_sock {
	struct zc_sock *s;
	struct zc__ztrack zt;
	struct zc__op *tx_wait, *rx_wait; /* requests waiting for an event */
	bool zc_ok; /* SO_ZEROCOPY is set: MSG_ZEROCOPY really works */
};

static struct zc__ep *zc__ep(struct zc_engine *e)
{
	return e->be_data;
}

static int zc__ep_init_common(struct zc_engine *e, bool zerocopy)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct zc__ep *ep = zc__calloc(1, sizeof(*ep));
	int ret;

	if (!ep)
		return -ENOMEM;
	ep->zerocopy = zerocopy;
	zc__list_init(&ep->ready);
	ep->epfd = epoll_create1(EPOLL_CLOEXEC);
	ep->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev.data.ptr = NULL; /* the eventfd */
	if (ep->epfd < 0 || ep->evfd < 0 ||
	    epoll_ctl(ep->epfd, EPOLL_CTL_ADD, ep->evfd, &ev) < 0) {
		ret = -errno;
		if (ep->epfd >= 0)
			close(ep->epfd);
		if (ep->evfd >= 0)
			close(ep->evfd);
		free(ep);
		return ret;
	}
	e->be_data = ep;
	return 0;
}

/* MSG_ZEROCOPY needs SO_ZEROCOPY; probe it on a throwaway TCP socket. */
static int zc__msgzc_init(struct zc_engine *e, const struct zc_engine_params *p)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)) < 0)
		ret = -errno;
	close(fd);
	return ret < 0 ? ret : zc__ep_init_common(e, true);
}

static int zc__copy_init(struct zc_engine *e, const struct zc_engine_params *p)
{
	return zc__ep_init_common(e, false);
}

static void zc__ep_fini(struct zc_engine *e)
{
	struct zc__ep *ep = zc__ep(e);

	close(ep->epfd);
	close(ep->evfd);
	free(ep);
	e->be_data = NULL;
}

static int zc__ep_fd(struct zc_engine *e)
{
	return zc__ep(e)->epfd;
}

/*
 * The kernel numbers a socket's MSG_ZEROCOPY sends from 0 for its whole
 * life, and the count cannot be read. A socket that already has
 * SO_ZEROCOPY set may have used up ids (an earlier engine, or the caller):
 * our numbering would not match the kernel's and releases would be lost
 * or credited to the wrong send. Such a socket copies.
 */
static bool zc__ep_zc_used(int fd)
{
	int on = 0;
	socklen_t len = sizeof(on);

	return getsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &on, &len) == 0 && on;
}

static int zc__ep_attach(struct zc_engine *e, struct zc_sock *s)
{
	struct zc__ep *ep = zc__ep(e);
	struct zc__ep_sock *es = zc__calloc(1, sizeof(*es));
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
	};
	int one = 1;

	if (!es)
		return -ENOMEM;
	es->s = s;
	/*
	 * Without SO_ZEROCOPY the flag is silently ignored and no release
	 * ever comes: where it cannot be set, the socket copies.
	 */
	es->zc_ok = ep->zerocopy && !zc__ep_zc_used(s->fd) &&
		    setsockopt(s->fd, SOL_SOCKET, SO_ZEROCOPY, &one,
			       sizeof(one)) == 0;
	zc__ztrack_init(&es->zt, ZC__ID_BIAS);
	ev.data.ptr = es;
	if (epoll_ctl(ep->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
		int ret = -errno;

		free(es);
		return ret;
	}
	s->be_sock = es;
	return 0;
}

static void zc__ep_detach(struct zc_engine *e, struct zc_sock *s)
{
	struct zc__ep_sock *es = s->be_sock;

	epoll_ctl(zc__ep(e)->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	zc__ztrack_fini(&es->zt);
	free(es);
	s->be_sock = NULL;
}

static void zc__ep_ready(struct zc_engine *e, struct zc__op *op, int res,
			 bool notif)
{
	op->res = res;
	op->res_notif = notif;
	op->res_pending = true;
	zc__list_add_tail(&zc__ep(e)->ready, &op->link);
}

/* A release from the error queue; may come before the result is told. */
static void zc__ep_release(void *ctx, void *entry)
{
	struct zc__op *op = entry;

	op->copied = *(bool *)ctx;
	if (op->res_pending)
		op->released = true;
	else
		zc__op_release(op, op->copied);
}

/* Drain the error queue in batches; ranges coalesce and come in any order. */
static void zc__ep_drain(struct zc__ep_sock *es)
{
	char ctrl[ZC__ERRQ_BATCH]
		 [CMSG_SPACE(sizeof(struct sock_extended_err)) + 64];
	struct mmsghdr msgs[ZC__ERRQ_BATCH];
	int n;

	if (!zc__ztrack_count(&es->zt))
		return;
	do {
		memset(msgs, 0, sizeof(msgs));
		for (int i = 0; i < ZC__ERRQ_BATCH; i++) {
			msgs[i].msg_hdr.msg_control = ctrl[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(ctrl[i]);
		}
		n = recvmmsg(es->s->fd, msgs, ZC__ERRQ_BATCH,
			     MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++) {
			struct cmsghdr *cm;

			for (cm = CMSG_FIRSTHDR(&msgs[i].msg_hdr); cm;
			     cm = CMSG_NXTHDR(&msgs[i].msg_hdr, cm)) {
				struct sock_extended_err ee;
				bool copied;

				if (!((cm->cmsg_level == SOL_IP &&
				       cm->cmsg_type == IP_RECVERR) ||
				      (cm->cmsg_level == SOL_IPV6 &&
				       cm->cmsg_type == IPV6_RECVERR)))
					continue;
				memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
				if (ee.ee_origin != SO_EE_ORIGIN_ZEROCOPY)
					continue;
				copied = ee.ee_code &
					 SO_EE_CODE_ZEROCOPY_COPIED;
				zc__ztrack_release(&es->zt,
						   ee.ee_info + ZC__ID_BIAS,
						   ee.ee_data + ZC__ID_BIAS,
						   zc__ep_release, &copied);
			}
		}
	} while (n == ZC__ERRQ_BATCH);
}

/*
 * UDP errors the kernel gives before it builds the datagram; there the id
 * it took is given back (__ip_append_data's error path). Any other error
 * may come after: the id is used up.
 */
static bool zc__ep_dgram_id_kept(int err)
{
	switch (err) {
	case EAGAIN:	   /* no send buffer */
	case EMSGSIZE:	   /* too long, checked first */
	case EFAULT:	   /* copying the headers in */
	case ECONNREFUSED: /* a pending ICMP error, at allocation */
		return true;
	}
	return false;
}

/* One piece: send(); several (coalesced jobs, zc_writev()): sendmsg(). */
static ssize_t zc__ep_sendv(struct zc__op *op, int flags)
{
	struct msghdr msg = { .msg_iov = op->iov, .msg_iovlen = op->iovcnt };

	if (op->iovcnt == 1)
		return send(op->sock->fd, op->iov[0].iov_base,
			    op->iov[0].iov_len, flags);
	return sendmsg(op->sock->fd, &msg, flags);
}

static void zc__ep_try_send(struct zc_engine *e, struct zc__op *op)
{
	struct zc__ep_sock *es = op->sock->be_sock;
	/*
	 * The kernel gives every zero-copy send an id and owes its release:
	 * room to track it must exist before the send, or the ids desync.
	 */
	bool zc = op->kind == ZC__OP_SEND_ZC && es->zc_ok &&
		  zc__ztrack_reserve(&es->zt) == 0;
	int flags = MSG_DONTWAIT | MSG_NOSIGNAL | (zc ? MSG_ZEROCOPY : 0);
	bool drained = false;
	ssize_t n;

	if (op->kind == ZC__OP_SEND_ZC && !zc)
		op->kind = ZC__OP_SEND; /* report it as the copy it is */
	for (;;) {
		n = zc__ep_sendv(op, flags);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0 && zc && op->sock->dgram && !zc__ep_dgram_id_kept(errno)) {
		/*
		 * The datagram was built, so it took an id, and then it was
		 * dropped (a netfilter DROP: EPERM; a full qdisc with
		 * IP_RECVERR: ENOBUFS); its release will come. TCP gives the
		 * id back, UDP does not, and whether it did cannot be known:
		 * every later id of this socket is in doubt. It copies from
		 * now on (its earlier ids are still exact). The core copies
		 * this datagram again after ENOBUFS; EPERM fails it alone.
		 */
		es->zc_ok = false;
	} else if (n < 0 && errno == ENOBUFS && zc && !drained) {
		/* optmem full of notifications: drain once and retry. */
		zc__ep_drain(es);
		drained = true;
		n = zc__ep_sendv(op, flags);
	}
	if (n < 0 && errno == EAGAIN) {
		es->tx_wait = op;
		return;
	}
	es->tx_wait = NULL;
	if (n > 0 && zc)
		zc__ztrack_push(&es->zt, op); /* room was reserved */
	zc__ep_ready(e, op, n < 0 ? -errno : (int)n, n > 0 && zc);
}

static void zc__ep_try_recv(struct zc_engine *e, struct zc__op *op)
{
	struct zc__ep_sock *es = op->sock->be_sock;
	ssize_t n;

	do
		n = recv(op->sock->fd, op->buf, op->len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN) {
		es->rx_wait = op;
		return;
	}
	es->rx_wait = NULL;
	zc__ep_ready(e, op, n < 0 ? -errno : (int)n, false);
}

static int zc__ep_send(struct zc_engine *e, struct zc__op *op)
{
	zc__ep_try_send(e, op);
	return 0;
}

static int zc__ep_recv(struct zc_engine *e, struct zc__op *op, void *buf,
		       size_t len)
{
	op->buf = buf;
	zc__ep_try_recv(e, op);
	return 0;
}

static int zc__ep_cancel(struct zc_engine *e, struct zc__op *target)
{
	struct zc__ep_sock *es = target->sock->be_sock;
	struct zc__op *op = zc__op_get(e);
	int res = -EALREADY;

	if (!op)
		return -ENOMEM;
	op->sock = target->sock;
	op->kind = ZC__OP_CANCEL;
	if (es->tx_wait == target || es->rx_wait == target) {
		if (es->tx_wait == target)
			es->tx_wait = NULL;
		else
			es->rx_wait = NULL;
		zc__ep_ready(e, target, -ECANCELED, false);
		res = 0;
	}
	zc__ep_ready(e, op, res, false);
	return 0;
}

/* Report results; each report may queue (and perform) more requests. */
static unsigned int zc__ep_report(struct zc_engine *e)
{
	struct zc__ep *ep = zc__ep(e);
	unsigned int n = 0;

	for (int round = 0; round < ZC__EP_ROUNDS; round++) {
		struct zc__list batch;

		if (zc__list_empty(&ep->ready))
			break;
		batch.next = ep->ready.next;
		batch.prev = ep->ready.prev;
		batch.next->prev = batch.prev->next = &batch;
		zc__list_init(&ep->ready);
		while (!zc__list_empty(&batch)) {
			struct zc__op *op = zc__container_of(
				batch.next, struct zc__op, link);
			bool released;

			zc__list_del(&op->link);
			op->res_pending = false;
			released = op->released;
			zc__op_result(op, op->res, op->res_notif);
			if (released)
				zc__op_release(op, op->copied);
			n++;
		}
	}
	return n;
}

static void zc__ep_event(struct zc_engine *e, struct epoll_event *ev)
{
	struct zc__ep_sock *es = ev->data.ptr;
	uint32_t bad = EPOLLERR | EPOLLHUP;

	if (!es) {
		uint64_t v;

		if (read(zc__ep(e)->evfd, &v, sizeof(v)) < 0)
			v = 0; /* nothing to read is fine */
		return;
	}
	if (ev->events & EPOLLERR)
		zc__ep_drain(es);
	if (es->tx_wait && (ev->events & (EPOLLOUT | bad)))
		zc__ep_try_send(e, es->tx_wait);
	if (es->rx_wait && (ev->events & (EPOLLIN | EPOLLRDHUP | bad)))
		zc__ep_try_recv(e, es->rx_wait);
}

static int zc__ep_wait(struct zc_engine *e, int timeout_ms)
{
	struct zc__ep *ep = zc__ep(e);
	struct epoll_event evs[ZC__EP_EVENTS];
	int n;

	if (zc__ep_report(e))
		timeout_ms = 0; /* still look at events, without sleeping */
	n = epoll_wait(ep->epfd, evs, ZC__EP_EVENTS, timeout_ms);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++)
		zc__ep_event(e, &evs[i]);
	zc__ep_report(e);
	return 0;
}

static void zc__ep_flush(struct zc_engine *e)
{
	struct zc__ep *ep = zc__ep(e);
	uint64_t one = 1;

	/* Results are waiting, but no event would tell an outside poller. */
	if (e->fd_exported && !zc__list_empty(&ep->ready) &&
	    write(ep->evfd, &one, sizeof(one)) < 0)
		one = 0; /* the counter is already set: fine */
}

static int zc__ep_pool_register(struct zc_engine *e, struct zc_pool *p)
{
	return 0; /* MSG_ZEROCOPY pins per send; the budget still counts */
}

static void zc__ep_pool_unregister(struct zc_engine *e, struct zc_pool *p)
{
}

/* The two epoll backends differ only in whether they ask for zero-copy. */
#define ZC__EP_BACKEND(id, label, zc, init_fn)             \
	const struct zc__backend id = {                    \
		.name = label,                             \
		.zerocopy = zc,                            \
		.io_max = ZC__IO_MAX,                      \
		.init = init_fn,                           \
		.fini = zc__ep_fini,                       \
		.fd = zc__ep_fd,                           \
		.attach = zc__ep_attach,                   \
		.detach = zc__ep_detach,                   \
		.send = zc__ep_send,                       \
		.recv = zc__ep_recv,                       \
		.cancel = zc__ep_cancel,                   \
		.wait = zc__ep_wait,                       \
		.flush = zc__ep_flush,                     \
		.pool_register = zc__ep_pool_register,     \
		.pool_unregister = zc__ep_pool_unregister, \
	}

ZC__EP_BACKEND(zc__backend_msgzc, "msg_zerocopy", true, zc__msgzc_init);
ZC__EP_BACKEND(zc__backend_copy, "copy", false, zc__copy_init);
