// SPDX-License-Identifier: MIT
/*
 * service.c - the layer's zcaio engine and the one thread that drives it.
 *
 * An engine belongs to one thread (SINGLE_ISSUER ring), but aio_* is called
 * from any thread. Callers therefore only fill a request and hand it over
 * under g.lock (plus a one-byte poke on a socketpair when the service
 * thread sleeps); the service thread attaches sockets, queues zcaio jobs,
 * runs the engine, and completes requests from the job callbacks. Nothing
 * else touches zcaio. It sleeps inside zc_engine_run(), where a read on
 * the socketpair's other end stays queued, so pokes, completions and
 * zero-copy releases all wake it the same way; waiters in aio_suspend()
 * get one futex wake per turn of the thread, not one per completion.
 *
 * Descriptors: the engine works on a duplicate the layer owns. When the
 * caller closes its descriptor (seen by the preload's close(), by a later
 * submission finding another file behind the number, or by a check every
 * ZC__AIO_CHECK_MS) reads still pending are cancelled, writes go on until
 * they complete (so the kernel never sends from pages of a write that
 * "completed"), and then the socket is closed with zc_sock_close(). A
 * closed socket whose writes do not finish within ZC__AIO_CLOSE_MS is
 * reset, which makes the kernel release the pages.
 *
 * Non-blocking sockets: a write on an O_NONBLOCK socket is cut to the send
 * buffer space free when it starts (SO_SNDBUF/2 - SIOCOUTQ) and so completes
 * short instead of waiting for the peer; with no space it waits for POLLOUT
 * first. Such writes start one at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define ZC__AIO_MAX_DEFAULT 16384 /* requests not completed, all sockets */
#define ZC__AIO_CHECK_MS    200	  /* look for descriptors closed behind us */
#define ZC__AIO_CLOSE_MS    10000 /* then reset a closed socket's writes */
#define ZC__AIO_DUP_MIN	    100	  /* keep our duplicates off low numbers */
#define ZC__AIO_NB_MIN	    4096  /* smallest non-blocking write slice */
#define ZC__AIO_POLL_MS	    2	  /* engine check while waiting for POLLOUT */

struct zc__aio_cmd {
	struct zc__aio_cmd *next;
	struct zc__aio_fd *f;
	struct aiocb *cb;
	int result;
	bool done;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool starting;
	bool started;
	bool failed;
	bool sleeping;	 /* the service thread waits, poke it */
	bool close_seen; /* an entry was marked closed */
	int wake[2];	 /* socketpair: callers write [0], ring reads [1] */
	unsigned int inflight;
	unsigned int max;
	struct zc__aio_req *subq, **subq_tail;
	struct zc__aio_cmd *cmds, **cmds_tail;
	struct zc__aio_req *free;
	struct zc__aio_fd **tab;
	int ntab;
	uint32_t done_seq; /* futex: bumped after each turn with completions */
	int waiters;
	/* Service thread only: */
	struct zc_engine *e;
	struct zc__aio_fd *all;
} g = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.wake = { -1, -1 },
};

/* Service thread only: the read on the wake socket that the ring keeps. */
static struct {
	struct zc_sock *s;
	bool armed;
	bool wake_due; /* completions since the last zc__aio_done_wake() */
	char buf[64];
} w;

static pthread_once_t zc__aio_once = PTHREAD_ONCE_INIT;

static void zc__aio_lock(void)
{
	pthread_mutex_lock(&g.lock);
}

static void zc__aio_unlock(void)
{
	pthread_mutex_unlock(&g.lock);
}

static int64_t zc__aio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A forked child must not drive the parent's engine. It starts afresh: the
 * parent's requests are not its own (their aiocbs stay EINPROGRESS in the
 * child) and the parent's memory here is left behind.
 */
static void zc__aio_atfork_child(void)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

	memset(&g, 0, sizeof(g));
	g.lock = lock;
	g.cond = cond;
	g.wake[0] = g.wake[1] = -1;
	memset(&w, 0, sizeof(w));
}

static void zc__aio_once_init(void)
{
	pthread_atfork(NULL, NULL, zc__aio_atfork_child);
}

/*
 * Only when the service thread sleeps (or is about to): a burst of requests
 * costs one poke, and a busy service thread none.
 */
static void zc__aio_wake_locked(void)
{
	char one = 1;

	if (!g.sleeping)
		return;
	g.sleeping = false;
	if (write(g.wake[0], &one, 1) < 0) {
		/* EAGAIN: bytes already wait there, the thread will wake. */
	}
}

uint32_t zc__aio_done_seq(void)
{
	return __atomic_load_n(&g.done_seq, __ATOMIC_SEQ_CST);
}

/* Wait until a completion after @seq; 0, -ETIMEDOUT or -EINTR. */
int zc__aio_wait_done(uint32_t seq, const struct timespec *rel)
{
	long ret;

	__atomic_add_fetch(&g.waiters, 1, __ATOMIC_SEQ_CST);
	ret = syscall(SYS_futex, &g.done_seq, FUTEX_WAIT_PRIVATE, seq, rel,
		      NULL, 0);
	__atomic_sub_fetch(&g.waiters, 1, __ATOMIC_SEQ_CST);
	if (ret < 0 && (errno == ETIMEDOUT || errno == EINTR))
		return -errno;
	return 0;
}

/*
 * The service thread publishes its completions once per turn: the caller's
 * aiocbs are already done (their error codes stored), so a waiter that
 * read the old sequence number either sees them or sees the new number.
 */
static void zc__aio_done_wake(void)
{
	if (!w.wake_due)
		return;
	w.wake_due = false;
	__atomic_add_fetch(&g.done_seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&g.waiters, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &g.done_seq, FUTEX_WAKE_PRIVATE, INT_MAX,
			NULL, NULL, 0);
}

static void zc__aio_req_free_locked(struct zc__aio_req *r)
{
	r->state = ZC__AIO_FREE;
	r->gen++;
	r->cb = NULL;
	r->next = g.free;
	g.free = r;
}

/* The caller's descriptor is gone: no new requests reach this entry. */
static void zc__aio_mark_closed_locked(struct zc__aio_fd *f)
{
	if (f->closed)
		return;
	f->closed = true;
	if (f->app_fd < g.ntab && g.tab[f->app_fd] == f)
		g.tab[f->app_fd] = NULL;
	g.close_seen = true;
	zc__aio_wake_locked();
}

/* ---- service thread ---- */

static void zc__aio_live_add(struct zc__aio_fd *f, struct zc__aio_req *r)
{
	r->lnext = f->live;
	r->lprev = &f->live;
	if (f->live)
		f->live->lprev = &r->lnext;
	f->live = r;
}

static void zc__aio_live_del(struct zc__aio_req *r)
{
	if (!r->lprev)
		return;
	*r->lprev = r->lnext;
	if (r->lnext)
		r->lnext->lprev = r->lprev;
	r->lprev = NULL;
	r->lnext = NULL;
}

static void zc__aio_sock_closed(struct zc_sock *s, int error, void *user)
{
	struct zc__aio_fd *f = user;

	close(f->fd);
	free(f);
}

static void zc__aio_maybe_detach(struct zc__aio_fd *f)
{
	struct zc__aio_fd **pp;
	bool go;

	zc__aio_lock();
	go = f->closed && !f->pending && !f->detaching;
	zc__aio_unlock();
	if (!go)
		return;
	f->detaching = true;
	for (pp = &g.all; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	if (f->s && zc_sock_close(f->s, zc__aio_sock_closed, f) == 0)
		return;
	close(f->fd);
	free(f);
}

static void zc__aio_finish(struct zc__aio_req *r, ssize_t res, int err)
{
	struct zc__aio_fd *f = r->f;

	zc__aio_live_del(r);
	r->state = ZC__AIO_DONE;
	r->res = res;
	r->err = err;
	zc__aio_complete(r, res, err);
	zc__aio_lock();
	f->pending--;
	g.inflight--;
	if (!r->pinned)
		zc__aio_req_free_locked(r);
	zc__aio_unlock();
	w.wake_due = true;
}

static void zc__aio_held_kick(struct zc__aio_fd *f);

static void zc__aio_job_done(struct zc_sock *s, const struct zc_result *res,
			     void *user)
{
	struct zc__aio_req *r = user;
	struct zc__aio_fd *f = r->f;

	if (r->op == LIO_WRITE)
		f->w_engine--;
	/*
	 * Bytes moved count even when an error or a cancel ended the job: a
	 * short count, like write(2). A write's error then fails the next
	 * write on the socket (zcaio keeps it), so it is not lost.
	 */
	if (res->res >= 0)
		zc__aio_finish(r, res->res, 0);
	else
		zc__aio_finish(r, -1, -(int)res->res);
	if (f->held)
		zc__aio_held_kick(f);
	zc__aio_maybe_detach(f);
}

static void zc__aio_write_start(struct zc__aio_req *r, size_t len)
{
	struct zc_write_opts opts = { .tx_zcopy = r->tx_zcopy };
	struct zc__aio_fd *f = r->f;
	int ret;

	ret = zc_write(f->s, r->buf, len, &opts, zc__aio_job_done, r, &r->id);
	if (ret < 0) {
		zc__aio_finish(r, -1, -ret);
		return;
	}
	r->state = ZC__AIO_ENGINE;
	f->w_engine++;
}

/* Bytes a non-blocking write may take now; 0 = wait for POLLOUT. */
static size_t zc__aio_nb_space(struct zc__aio_fd *f)
{
	struct pollfd p = { .fd = f->fd, .events = POLLOUT };
	socklen_t optlen = sizeof(int);
	int sndbuf, outq;
	long space;

	if (getsockopt(f->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &optlen) < 0 ||
	    ioctl(f->fd, SIOCOUTQ, &outq) < 0)
		return SIZE_MAX; /* cannot tell: do not cut */
	/* The kernel doubles SO_SNDBUF for its bookkeeping. */
	space = (long)sndbuf / 2 - outq;
	if (space >= ZC__AIO_NB_MIN)
		return (size_t)space;
	if (poll(&p, 1, 0) == 1)
		return ZC__AIO_NB_MIN; /* writable (or an error to report) */
	return 0;
}

static void zc__aio_held_kick(struct zc__aio_fd *f)
{
	struct zc__aio_req *r;

	while ((r = f->held)) {
		size_t len = r->len;

		if (r->nonblock) {
			size_t space;

			if (f->w_engine)
				return; /* space is known only when idle */
			space = zc__aio_nb_space(f);
			if (!space) {
				f->want_out = true;
				return;
			}
			if (space < len)
				len = space;
		}
		f->held = r->next;
		if (!f->held)
			f->held_tail = &f->held;
		zc__aio_write_start(r, len);
	}
}

static void zc__aio_req_start(struct zc__aio_req *r)
{
	struct zc__aio_fd *f = r->f;
	int ret;

	if (!f->linked) {
		f->linked = true;
		f->next = g.all;
		g.all = f;
	}
	zc__aio_live_add(f, r);
	if (!f->s) {
		ret = zc_sock_attach(g.e, f->fd, &f->s);
		if (ret < 0) {
			zc__aio_finish(r, -1, -ret);
			return;
		}
	}
	if (!r->len) {
		zc__aio_finish(r, 0, 0);
	} else if (r->op == LIO_READ) {
		ret = zc_read(f->s, r->buf, r->len, zc__aio_job_done, r,
			      &r->id);
		if (ret < 0)
			zc__aio_finish(r, -1, -ret);
		else
			r->state = ZC__AIO_ENGINE;
	} else if (!f->held && !r->nonblock) {
		zc__aio_write_start(r, r->len);
	} else {
		r->state = ZC__AIO_HELD;
		r->next = NULL;
		*f->held_tail = r;
		f->held_tail = &r->next;
		zc__aio_held_kick(f);
	}
	zc__aio_maybe_detach(f);
}

static void zc__aio_held_del(struct zc__aio_fd *f, struct zc__aio_req *r)
{
	struct zc__aio_req **pp;

	for (pp = &f->held; *pp; pp = &(*pp)->next) {
		if (*pp != r)
			continue;
		*pp = r->next;
		if (!*pp)
			f->held_tail = pp;
		return;
	}
}

/*
 * aio_cancel() on the service thread. zc_cancel() says 0 both for a job
 * that never started (it completes at once, -ECANCELED, nothing moved) and
 * for a started one (it completes later, short): run the engine briefly and
 * look at how each target completed.
 */
static int zc__aio_cancel_run(struct zc__aio_fd *f, struct aiocb *cb)
{
	struct zc__aio_req **t = NULL, *r;
	int n = 0, i, round, verdict = AIO_ALLDONE;
	uint32_t gen;

	if (cb) {
		r = zc__aio_tag_req(cb, &gen);
		if (!r || r->gen != gen || r->cb != cb || r->f != f ||
		    !r->lprev)
			return AIO_ALLDONE;
		t = malloc(sizeof(*t));
		if (!t)
			return -ENOMEM;
		t[n++] = r;
	} else {
		for (r = f->live; r; r = r->lnext)
			n++;
		if (!n)
			return AIO_ALLDONE;
		t = calloc((size_t)n, sizeof(*t));
		if (!t)
			return -ENOMEM;
		n = 0;
		for (r = f->live; r; r = r->lnext)
			t[n++] = r;
	}
	for (i = 0; i < n; i++) {
		r = t[i];
		r->pinned = true;
		if (r->state == ZC__AIO_HELD) {
			zc__aio_held_del(f, r);
			r->cancel_ret = 0;
			zc__aio_finish(r, -1, ECANCELED);
		} else if (r->state == ZC__AIO_ENGINE) {
			r->cancel_ret = zc_cancel(f->s, r->id);
		}
	}
	for (round = 0; round < 20; round++) {
		bool waiting = false;

		for (i = 0; i < n; i++)
			if (t[i]->state != ZC__AIO_DONE && !t[i]->cancel_ret)
				waiting = true;
		if (!waiting)
			break;
		zc_engine_run(g.e, round ? 1 : 0);
	}
	for (i = 0; i < n; i++) {
		r = t[i];
		if (r->state != ZC__AIO_DONE)
			verdict = AIO_NOTCANCELED;
		else if (!r->cancel_ret && r->err == ECANCELED &&
			 verdict != AIO_NOTCANCELED)
			verdict = AIO_CANCELED;
		else if (!r->cancel_ret && verdict != AIO_NOTCANCELED)
			verdict = AIO_NOTCANCELED; /* it finished with data */
	}
	zc__aio_lock();
	for (i = 0; i < n; i++) {
		t[i]->pinned = false;
		if (t[i]->state == ZC__AIO_DONE)
			zc__aio_req_free_locked(t[i]);
	}
	zc__aio_unlock();
	free(t);
	if (f->held)
		zc__aio_held_kick(f);
	return verdict;
}

/* The caller's descriptor is gone: drop the reads, let the writes end. */
static void zc__aio_close_start(struct zc__aio_fd *f, int64_t now)
{
	struct zc__aio_req *r, *next;

	f->closed_ms = now ? now : 1;
	for (r = f->live; r; r = next) {
		next = r->lnext;
		if (r->op == LIO_READ && r->state == ZC__AIO_ENGINE)
			zc_cancel(f->s, r->id);
	}
	zc__aio_maybe_detach(f);
}

static void zc__aio_check_fds(bool stat_them)
{
	struct zc__aio_fd *f, *next;
	int64_t now = zc__aio_now_ms();
	struct stat st;

	for (f = g.all; f; f = next) {
		next = f->next;
		if (stat_them && !f->closed &&
		    (fstat(f->app_fd, &st) < 0 || st.st_dev != f->dev ||
		     st.st_ino != f->ino)) {
			zc__aio_lock();
			zc__aio_mark_closed_locked(f);
			zc__aio_unlock();
		}
		if (!f->closed)
			continue;
		if (!f->closed_ms) {
			zc__aio_close_start(f, now);
		} else if (now - f->closed_ms > ZC__AIO_CLOSE_MS && f->s) {
			zc_sock_abort(f->s);
			f->closed_ms = now;
		}
	}
}

static void zc__aio_wake_read(struct zc_sock *s, const struct zc_result *res,
			      void *user);

/* Keep a read on the wake socket in the ring; w.armed says whether it is. */
static void zc__aio_wake_arm(void)
{
	w.armed = zc_read(w.s, w.buf, sizeof(w.buf), zc__aio_wake_read, NULL,
			  NULL) == 0;
}

static void zc__aio_wake_read(struct zc_sock *s, const struct zc_result *res,
			      void *user)
{
	w.armed = false;
	if (res->res > 0)
		zc__aio_wake_arm();
	/* Else the ring cannot hear pokes: zc__aio_sleep() polls instead. */
}

static void zc__aio_pollout(struct pollfd *pfd, nfds_t n)
{
	struct zc__aio_fd *f;
	nfds_t i;

	for (i = 0; i < n; i++) {
		if (!pfd[i].revents || pfd[i].fd == g.wake[1])
			continue;
		for (f = g.all; f; f = f->next) {
			if (f->fd == pfd[i].fd && f->want_out) {
				f->want_out = false;
				zc__aio_held_kick(f);
			}
		}
	}
}

/*
 * Nothing to do: sleep inside the engine. zc_engine_run() wakes for every
 * completion, zero-copy releases included (a poll() of zc_engine_fd()
 * does not see those with io_uring's DEFER_TASKRUN: a probe of tx_zcopy
 * auto then waited for the next 200 ms check), and callers wake it with a
 * byte on the wake socket, whose read the ring keeps queued. Sockets
 * waiting for POLLOUT need poll(): then the engine is looked at every
 * ZC__AIO_POLL_MS.
 */
static void zc__aio_sleep(void)
{
	struct pollfd stack_pfd[64], *pfd = stack_pfd, *big;
	struct zc__aio_fd *f;
	int ms = g.all ? ZC__AIO_CHECK_MS : -1;
	nfds_t n = 0, cap = 64, want = 1;
	char buf[64];

	/* Every socket waiting for POLLOUT is watched: one left out would
	 * never be kicked while the others stay full. */
	for (f = g.all; f; f = f->next)
		want += f->want_out;
	if (want > cap && (big = malloc(want * sizeof(*big)))) {
		pfd = big;
		cap = want;
	}
	if (!w.armed)
		pfd[n++] = (struct pollfd){ .fd = g.wake[1], .events = POLLIN };
	for (f = g.all; f && n < cap; f = f->next)
		if (f->want_out)
			pfd[n++] = (struct pollfd){ .fd = f->fd,
						    .events = POLLOUT };
	zc__aio_lock();
	if (g.subq || g.cmds || g.close_seen) {
		zc__aio_unlock();
		if (pfd != stack_pfd)
			free(pfd);
		return;
	}
	g.sleeping = true;
	zc__aio_unlock();
	if (!n) {
		zc_engine_run(g.e, ms);
	} else if (poll(pfd, n, ZC__AIO_POLL_MS) > 0) {
		if (!w.armed && pfd[0].revents &&
		    recv(g.wake[1], buf, sizeof(buf), MSG_DONTWAIT) < 0) {
			/* EAGAIN: another wake-up took it */
		}
		zc__aio_pollout(pfd, n);
	}
	if (pfd != stack_pfd)
		free(pfd);
	zc__aio_lock();
	g.sleeping = false;
	zc__aio_unlock();
}

static void *zc__aio_service(void *arg)
{
	struct zc_engine *e;
	int64_t last = zc__aio_now_ms();
	int ret = zc_engine_create(&e, NULL);

	if (ret == 0) {
		ret = zc_sock_attach(e, g.wake[1], &w.s);
		if (ret < 0)
			zc_engine_destroy(e);
	}
	zc__aio_lock();
	if (ret < 0) {
		g.failed = true;
	} else {
		g.e = e;
		g.started = true;
	}
	pthread_cond_broadcast(&g.cond);
	zc__aio_unlock();
	if (!g.started)
		return NULL;
	zc__aio_wake_arm();
	for (;;) {
		struct zc__aio_req *q, *r;
		struct zc__aio_cmd *c, *cn;
		bool closes;
		int64_t now;
		int ran;

		zc__aio_lock();
		q = g.subq;
		g.subq = NULL;
		g.subq_tail = &g.subq;
		c = g.cmds;
		g.cmds = NULL;
		g.cmds_tail = &g.cmds;
		closes = g.close_seen;
		g.close_seen = false;
		zc__aio_unlock();
		for (; q; q = r) {
			r = q->next;
			zc__aio_req_start(q);
		}
		for (; c; c = cn) {
			cn = c->next;
			struct zc__aio_fd *f = c->f;

			ret = zc__aio_cancel_run(f, c->cb);
			zc__aio_done_wake();
			zc__aio_lock();
			f->pending--; /* taken by zc__aio_cancel_fd() */
			c->result = ret;
			c->done = true;
			pthread_cond_broadcast(&g.cond);
			zc__aio_unlock();
			zc__aio_maybe_detach(f);
		}
		ran = zc_engine_run(g.e, 0);
		zc__aio_done_wake();
		now = zc__aio_now_ms();
		if (closes || now - last >= ZC__AIO_CHECK_MS) {
			zc__aio_check_fds(now - last >= ZC__AIO_CHECK_MS);
			if (now - last >= ZC__AIO_CHECK_MS)
				last = now;
		}
		if (ran <= 0) {
			zc__aio_sleep();
			zc__aio_done_wake();
		}
	}
	return arg;
}

static unsigned int zc__aio_env_max(void)
{
	const char *v = getenv("ZCAIO_AIO_MAX");
	char *end;
	unsigned long n;

	if (!v || !*v)
		return ZC__AIO_MAX_DEFAULT;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || !n || n > (1UL << 24))
		return ZC__AIO_MAX_DEFAULT;
	return (unsigned int)n;
}

/* Start the service thread once; -ENOSYS when no engine can run here. */
int zc__aio_start(void)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t th;
	int ret = 0;

	if (__atomic_load_n(&g.started, __ATOMIC_ACQUIRE))
		return 0;
	pthread_once(&zc__aio_once, zc__aio_once_init);
	zc__aio_lock();
	if (g.started || g.failed || g.starting)
		goto wait;
	g.starting = true;
	g.max = zc__aio_env_max();
	g.subq_tail = &g.subq;
	g.cmds_tail = &g.cmds;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g.wake) < 0 ||
	    fcntl(g.wake[0], F_SETFL, O_NONBLOCK) < 0) {
		g.failed = true;
		goto out;
	}
	/* Process-directed signals (SIGEV_SIGNAL's too) never land here. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&th, &attr, zc__aio_service, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		g.failed = true;
		goto out;
	}
wait:
	while (!g.started && !g.failed)
		pthread_cond_wait(&g.cond, &g.lock);
out:
	ret = g.failed ? -ENOSYS : 0;
	zc__aio_unlock();
	return ret;
}

/* A new entry for a stream socket, or NULL (1 in *notours: not ours). */
static struct zc__aio_fd *zc__aio_fd_new(int fd, const struct stat *st,
					 int *err)
{
	socklen_t optlen = sizeof(int);
	struct zc__aio_fd *f;
	int type;

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen) < 0) {
		*err = -errno;
		return NULL;
	}
	if (type != SOCK_STREAM) {
		*err = 1;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		*err = -EAGAIN;
		return NULL;
	}
	f->fd = fcntl(fd, F_DUPFD_CLOEXEC, ZC__AIO_DUP_MIN);
	if (f->fd < 0)
		f->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (f->fd < 0) {
		*err = errno == EMFILE ? -EAGAIN : -errno;
		free(f);
		return NULL;
	}
	f->app_fd = fd;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->held_tail = &f->held;
	return f;
}

static int zc__aio_tab_grow_locked(int fd)
{
	struct zc__aio_fd **t;
	int n = g.ntab ? g.ntab : 64;

	while (n <= fd)
		n *= 2;
	t = realloc(g.tab, (size_t)n * sizeof(*t));
	if (!t)
		return -EAGAIN;
	memset(t + g.ntab, 0, (size_t)(n - g.ntab) * sizeof(*t));
	g.tab = t;
	g.ntab = n;
	return 0;
}

/* The live entry for @fd under the lock, forgetting a stale one. */
static struct zc__aio_fd *zc__aio_lookup_locked(int fd, const struct stat *st)
{
	struct zc__aio_fd *f = fd < g.ntab ? g.tab[fd] : NULL;

	if (f && (f->dev != st->st_dev || f->ino != st->st_ino)) {
		zc__aio_mark_closed_locked(f);
		f = NULL;
	}
	return f;
}

/*
 * Queue a request for a socket. Return 0, 1 (not a stream socket: glibc's
 * to serve) or -errno.
 */
int zc__aio_enqueue(struct aiocb *cb, int op, const struct stat *st,
		    struct zc__aio_group *grp, int tx_zcopy, bool nonblock)
{
	struct zc__aio_fd *f, *fresh = NULL;
	struct zc__aio_req *r;
	int fd = cb->aio_fildes, ret = 0;

	zc__aio_lock();
	if (g.inflight >= g.max) {
		ret = -EAGAIN;
		goto out;
	}
	f = zc__aio_lookup_locked(fd, st);
	if (!f) {
		zc__aio_unlock();
		fresh = zc__aio_fd_new(fd, st, &ret);
		if (!fresh)
			return ret;
		zc__aio_lock();
		f = zc__aio_lookup_locked(fd, st);
		if (!f) {
			ret = fd >= g.ntab ? zc__aio_tab_grow_locked(fd) : 0;
			if (ret < 0)
				goto out;
			/* The service thread links it when the request comes. */
			f = g.tab[fd] = fresh;
			fresh = NULL;
		}
	}
	if (g.inflight >= g.max) {
		ret = -EAGAIN;
		goto out;
	}
	r = g.free;
	if (r) {
		g.free = r->next;
	} else if (!(r = calloc(1, sizeof(*r)))) {
		ret = -EAGAIN;
		goto out;
	}
	r->cb = cb;
	r->next = NULL;
	r->f = f;
	r->grp = grp;
	r->sev = cb->aio_sigevent;
	r->buf = (void *)cb->aio_buf;
	r->len = cb->aio_nbytes;
	r->op = op;
	r->state = ZC__AIO_QUEUED;
	r->tx_zcopy = tx_zcopy;
	r->nonblock = nonblock;
	r->pinned = false;
	r->cancel_ret = 0;
	f->pending++;
	g.inflight++;
	if (grp)
		__atomic_add_fetch(&grp->refs, 1, __ATOMIC_SEQ_CST);
	zc__aio_tag_set(cb, r, ZC__AIO_OURS);
	cb->__return_value = 0;
	__atomic_store_n(&cb->__error_code, EINPROGRESS, __ATOMIC_RELEASE);
	*g.subq_tail = r;
	g.subq_tail = &r->next;
	zc__aio_wake_locked();
out:
	zc__aio_unlock();
	if (fresh) {
		close(fresh->fd);
		free(fresh);
	}
	return ret;
}

/* aio_cancel() for a socket: the service thread decides; wait for it. */
int zc__aio_cancel_fd(int fd, const struct stat *st, struct aiocb *cb,
		      bool *ours)
{
	struct zc__aio_cmd c = { .cb = cb };
	int ret;

	*ours = false;
	if (!__atomic_load_n(&g.started, __ATOMIC_ACQUIRE))
		return AIO_ALLDONE;
	zc__aio_lock();
	c.f = zc__aio_lookup_locked(fd, st);
	if (!c.f) {
		zc__aio_unlock();
		return AIO_ALLDONE;
	}
	*ours = true;
	c.f->pending++; /* keeps the entry until the answer */
	*g.cmds_tail = &c;
	g.cmds_tail = &c.next;
	zc__aio_wake_locked();
	while (!c.done)
		pthread_cond_wait(&g.cond, &g.lock);
	ret = c.result;
	zc__aio_unlock();
	return ret;
}

/* The preload's close(): the descriptor number is about to be free. */
void zc__aio_fd_closing(int fd)
{
	if (!__atomic_load_n(&g.started, __ATOMIC_ACQUIRE) || fd < 0)
		return;
	zc__aio_lock();
	if (fd < g.ntab && g.tab[fd])
		zc__aio_mark_closed_locked(g.tab[fd]);
	zc__aio_unlock();
}
