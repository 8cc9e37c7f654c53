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
 * zero-copy releases all wake it the same way. Once per turn it wakes the
 * aio_suspend() waiters whose list holds a request that completed, and
 * only those.
 *
 * Work per turn follows what happened, never the number of sockets: the
 * service thread keeps a list of sockets waiting for POLLOUT, a list of
 * idle ones (oldest first) and a queue of closed ones.
 *
 * Descriptors: the engine works on a duplicate the layer owns. When the
 * caller closes its descriptor (seen by the preload's close(), or by a
 * later submission finding another file behind the number) reads still
 * pending are cancelled and writes go on until they complete (so the
 * kernel never sends from pages of a write that "completed"). A socket
 * with nothing pending for ZC__AIO_IDLE_MS is let go. Letting go never
 * shuts the connection down or resets it: other descriptors of the socket
 * (dup, fork, SCM_RIGHTS) may still be in use; the layer only drops its
 * own reference, and the kernel ends the connection when the last one
 * goes. Every descriptor the layer opens is O_CLOEXEC and closed in a
 * forked child.
 *
 * Non-blocking sockets: a write on an O_NONBLOCK socket is cut to the send
 * buffer space free when it starts (SO_SNDBUF/2 - SIOCOUTQ) and so completes
 * short instead of waiting for the peer; with no space it waits for POLLOUT
 * first. Such writes start one at a time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdio.h>
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
#define ZC__AIO_IDLE_MS 200	  /* let an idle socket go after this */
#define ZC__AIO_DUP_MIN 100	  /* keep our duplicates off low numbers */
#define ZC__AIO_NB_MIN 4096	  /* smallest non-blocking write slice */
#define ZC__AIO_POLL_MS 2	  /* engine check while waiting for POLLOUT */
#define ZC__AIO_ENGINE_FDS 4	  /* descriptors the engine opened */

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
	bool sleeping; /* the service thread waits, poke it */
	int wake[2];   /* socketpair: callers write [0], ring reads [1] */
	int efds[ZC__AIO_ENGINE_FDS]; /* the engine's own, closed in a child */
	int nefds;
	unsigned int inflight;
	unsigned int max;
	struct zc__aio_req *subq, **subq_tail;
	struct zc__aio_cmd *cmds, **cmds_tail;
	struct zc__aio_fd *closedq; /* marked closed, not yet acted on */
	struct zc__aio_req *free;
	struct zc__aio_fd **tab;
	int ntab;
	struct zc__aio_fd *all; /* every entry, for a forked child */
	struct zc__aio_waiter *waiters;
	/* Service thread only: */
	struct zc_engine *e;
	struct zc__aio_fd *out;			/* waiting for POLLOUT */
	struct zc__aio_fd *idle, **idle_tail; /* oldest first */
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
 * Our own descriptors: not through close(), which the preload interposes
 * (it would take g.lock, which the callers here may hold).
 */
static void zc__aio_close(int fd)
{
	syscall(SYS_close, fd);
}

/* fork() waits for g.lock: every descriptor of ours is then on record. */
static void zc__aio_atfork_prepare(void)
{
	zc__aio_lock();
}

static void zc__aio_atfork_parent(void)
{
	zc__aio_unlock();
}

/*
 * A forked child must not drive the parent's engine, nor keep the
 * parent's sockets open through our duplicates (the parent's close would
 * then never end a connection). It closes every descriptor of the layer
 * and starts afresh: the parent's requests are not its own (their aiocbs
 * stay EINPROGRESS in the child) and the parent's memory here is left.
 */
static void zc__aio_atfork_child(void)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
	struct zc__aio_fd *f;
	int i;

	for (f = g.all; f; f = f->next)
		zc__aio_close(f->fd);
	for (i = 0; i < 2; i++)
		if (g.wake[i] >= 0)
			zc__aio_close(g.wake[i]);
	for (i = 0; i < g.nefds; i++)
		zc__aio_close(g.efds[i]);
	memset(&g, 0, sizeof(g));
	g.lock = lock;
	g.cond = cond;
	g.wake[0] = g.wake[1] = -1;
	memset(&w, 0, sizeof(w));
}

static void zc__aio_once_init(void)
{
	pthread_atfork(zc__aio_atfork_prepare, zc__aio_atfork_parent,
		       zc__aio_atfork_child);
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

/* ---- waiters ---- */

/* Wait while *@word is @val; 0, -ETIMEDOUT or -EINTR. */
int zc__aio_futex_wait(uint32_t *word, uint32_t val,
		       const struct timespec *rel)
{
	long ret = syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, rel,
			   NULL, 0);

	if (ret < 0 && (errno == ETIMEDOUT || errno == EINTR))
		return -errno;
	return 0;
}

void zc__aio_futex_wake(uint32_t *word)
{
	__atomic_store_n(word, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void zc__aio_waiter_add(struct zc__aio_waiter *wt)
{
	wt->woken = 0;
	zc__aio_lock();
	wt->next = g.waiters;
	wt->pprev = &g.waiters;
	if (g.waiters)
		g.waiters->pprev = &wt->next;
	g.waiters = wt;
	zc__aio_unlock();
}

static void zc__aio_waiter_unlink_locked(struct zc__aio_waiter *wt)
{
	if (!wt->pprev)
		return;
	*wt->pprev = wt->next;
	if (wt->next)
		wt->next->pprev = wt->pprev;
	wt->pprev = NULL;
}

void zc__aio_waiter_del(struct zc__aio_waiter *wt)
{
	zc__aio_lock();
	zc__aio_waiter_unlink_locked(wt);
	zc__aio_unlock();
}

static bool zc__aio_waiter_ready(const struct zc__aio_waiter *wt)
{
	for (int i = 0; i < wt->n; i++)
		if (wt->list[i] && zc__aio_done(wt->list[i]))
			return true;
	return false;
}

/*
 * Once per turn with completions: wake the waiters whose list holds a
 * request no longer in progress, and only those (their aiocbs were
 * completed before this runs, and a waiter looks at its list again after
 * registering, so no wake-up is lost).
 */
static void zc__aio_done_wake(void)
{
	struct zc__aio_waiter *wt, *next;

	if (!w.wake_due)
		return;
	w.wake_due = false;
	zc__aio_lock();
	for (wt = g.waiters; wt; wt = next) {
		next = wt->next;
		if (zc__aio_waiter_ready(wt)) {
			zc__aio_waiter_unlink_locked(wt);
			zc__aio_futex_wake(&wt->woken);
		}
	}
	zc__aio_unlock();
}

/* ---- entries ---- */

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
	f->on_closedq = true;
	f->cnext = g.closedq;
	g.closedq = f;
	zc__aio_wake_locked();
}

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

static void zc__aio_out_add(struct zc__aio_fd *f)
{
	if (f->want_out)
		return;
	f->want_out = true;
	f->onext = g.out;
	f->oprev = &g.out;
	if (g.out)
		g.out->oprev = &f->onext;
	g.out = f;
}

static void zc__aio_out_del(struct zc__aio_fd *f)
{
	if (!f->want_out)
		return;
	f->want_out = false;
	*f->oprev = f->onext;
	if (f->onext)
		f->onext->oprev = f->oprev;
}

static void zc__aio_idle_add(struct zc__aio_fd *f)
{
	if (f->idle)
		return;
	f->idle = true;
	f->idle_ms = zc__aio_now_ms();
	f->inext = NULL;
	f->iprev = g.idle_tail;
	*g.idle_tail = f;
	g.idle_tail = &f->inext;
}

static void zc__aio_idle_del(struct zc__aio_fd *f)
{
	if (!f->idle)
		return;
	f->idle = false;
	*f->iprev = f->inext;
	if (f->inext)
		f->inext->iprev = f->iprev;
	else
		g.idle_tail = f->iprev;
}

/* Forget the entry and close our duplicate: under g.lock (fork). */
static void zc__aio_fd_free(struct zc__aio_fd *f)
{
	zc__aio_lock();
	if (f->pprev) {
		*f->pprev = f->next;
		if (f->next)
			f->next->pprev = f->pprev;
	}
	zc__aio_close(f->fd);
	zc__aio_unlock();
	free(f);
}

static void zc__aio_sock_closed(struct zc_sock *s, int error, void *user)
{
	zc__aio_fd_free(user);
}

/*
 * Nothing pending on a closed entry: let the socket go. The engine gets
 * no shutdown: other descriptors of the socket may still be in use.
 */
static void zc__aio_release(struct zc__aio_fd *f)
{
	bool go;

	zc__aio_lock();
	/* One on the closed queue is the service thread's to look at. */
	go = f->closed && !f->pending && !f->releasing && !f->on_closedq;
	zc__aio_unlock();
	if (!go)
		return;
	f->releasing = true;
	zc__aio_idle_del(f);
	zc__aio_out_del(f);
	if (f->s) {
		zc_sock_setopt(f->s, ZC_OPT_SHUTDOWN_ON_CLOSE, 0);
		if (zc_sock_close(f->s, zc__aio_sock_closed, f) == 0)
			return;
	}
	zc__aio_fd_free(f);
}

/* A request ended: an entry with nothing pending goes idle, or away. */
static void zc__aio_settle(struct zc__aio_fd *f)
{
	bool closed, none;

	zc__aio_lock();
	closed = f->closed;
	none = !f->pending;
	zc__aio_unlock();
	if (closed)
		zc__aio_release(f);
	else if (none)
		zc__aio_idle_add(f);
}

/* Idle entries let go, oldest first; ms until the next one is due. */
static int zc__aio_idle_expire(int64_t now)
{
	struct zc__aio_fd *f;

	while ((f = g.idle)) {
		bool busy;

		if (now - f->idle_ms < ZC__AIO_IDLE_MS)
			return (int)(f->idle_ms + ZC__AIO_IDLE_MS - now);
		zc__aio_idle_del(f);
		zc__aio_lock();
		busy = f->pending > 0; /* a request is on its way */
		if (!busy) {
			/* Later requests on the number start a new entry. */
			if (f->app_fd < g.ntab && g.tab[f->app_fd] == f)
				g.tab[f->app_fd] = NULL;
			f->closed = true;
		}
		zc__aio_unlock();
		if (!busy)
			zc__aio_release(f);
	}
	return -1;
}

/* ---- requests, on the service thread ---- */

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
	zc__aio_settle(f);
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
				zc__aio_out_add(f);
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

	zc__aio_idle_del(f);
	zc__aio_live_add(f, r);
	if (!f->s) {
		ret = zc_sock_attach(g.e, f->fd, &f->s);
		if (ret < 0) {
			zc__aio_finish(r, -1, -ret);
			zc__aio_settle(f);
			return;
		}
	}
	if (!r->len) {
		zc__aio_finish(r, 0, 0);
	} else if (r->op == LIO_READ) {
		ret = zc_read(f->s, r->buf, r->len, zc__aio_job_done, r, &r->id);
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
	zc__aio_settle(f);
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

/* The requests aio_cancel() names: one, or every live one of @f. */
static int zc__aio_cancel_targets(struct zc__aio_fd *f, struct aiocb *cb,
				  struct zc__aio_req ***out)
{
	struct zc__aio_req **t, *r;
	uint32_t gen;
	int n = 0;

	*out = NULL;
	if (cb) {
		r = zc__aio_tag_req(cb, &gen);
		if (!r || r->gen != gen || r->cb != cb || r->f != f ||
		    !r->lprev)
			return 0;
		n = 1;
	} else {
		for (r = f->live; r; r = r->lnext)
			n++;
		r = f->live;
	}
	if (!n)
		return 0;
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (cb) {
		t[0] = r;
	} else {
		n = 0;
		for (; r; r = r->lnext)
			t[n++] = r;
	}
	*out = t;
	return n;
}

/*
 * aio_cancel() on the service thread. zc_cancel() says 0 both for a job
 * that never started (it completes at once, -ECANCELED, nothing moved) and
 * for a started one (it completes later, short): run the engine briefly and
 * look at how each target completed. A target still in progress at the
 * end (a write whose pages the kernel holds: zc_cancel() said -EALREADY)
 * makes the answer AIO_NOTCANCELED.
 */
static int zc__aio_cancel_run(struct zc__aio_fd *f, struct aiocb *cb)
{
	struct zc__aio_req **t, *r;
	int n, i, round, verdict = AIO_ALLDONE;

	n = zc__aio_cancel_targets(f, cb, &t);
	if (n <= 0)
		return n < 0 ? n : AIO_ALLDONE;
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
static void zc__aio_close_start(struct zc__aio_fd *f)
{
	struct zc__aio_req *r, *next;

	zc__aio_lock();
	f->on_closedq = false;
	zc__aio_unlock();
	for (r = f->live; r; r = next) {
		next = r->lnext;
		if (r->op == LIO_READ && r->state == ZC__AIO_ENGINE)
			zc_cancel(f->s, r->id);
	}
	zc__aio_release(f);
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

/* POLLOUT came for some of the listed sockets: start their writes. */
static void zc__aio_pollout(struct pollfd *pfd, struct zc__aio_fd **fs,
			    nfds_t n)
{
	for (nfds_t i = 0; i < n; i++) {
		if (!fs[i] || !pfd[i].revents)
			continue;
		zc__aio_out_del(fs[i]);
		zc__aio_held_kick(fs[i]);
	}
}

/*
 * Nothing to do: sleep inside the engine. zc_engine_run() wakes for every
 * completion, zero-copy releases included (a poll() of zc_engine_fd()
 * does not see those with io_uring's DEFER_TASKRUN), and callers wake it
 * with a byte on the wake socket, whose read the ring keeps queued.
 * Sockets waiting for POLLOUT need poll(): then the engine is looked at
 * every ZC__AIO_POLL_MS. @ms: until the next idle socket is due.
 */
static void zc__aio_sleep(int ms)
{
	struct pollfd stack_pfd[64], *pfd = stack_pfd;
	struct zc__aio_fd *stack_fs[64], **fs = stack_fs, *f;
	nfds_t n = 0, want = 1;
	char buf[64];

	/* Every socket waiting for POLLOUT is watched: one left out would
	 * never be kicked while the others stay full. */
	for (f = g.out; f; f = f->onext)
		want++;
	if (want > 64) {
		pfd = malloc(want * sizeof(*pfd));
		fs = malloc(want * sizeof(*fs));
		if (!pfd || !fs) {
			free(pfd);
			free(fs);
			pfd = stack_pfd;
			fs = stack_fs;
			want = 64;
		}
	}
	if (!w.armed) {
		fs[n] = NULL;
		pfd[n++] = (struct pollfd){ .fd = g.wake[1], .events = POLLIN };
	}
	for (f = g.out; f && n < want; f = f->onext) {
		fs[n] = f;
		pfd[n++] = (struct pollfd){ .fd = f->fd, .events = POLLOUT };
	}
	zc__aio_lock();
	if (g.subq || g.cmds || g.closedq) {
		zc__aio_unlock();
		goto out;
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
		zc__aio_pollout(pfd, fs, n);
	}
	zc__aio_lock();
	g.sleeping = false;
	zc__aio_unlock();
out:
	if (pfd != stack_pfd) {
		free(pfd);
		free(fs);
	}
}

static int zc__aio_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The descriptors open now, sorted; *@n of them (NULL: none known). */
static int *zc__aio_fds_open(size_t *n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	size_t cap = 0;
	int *v = NULL, *nv;

	*n = 0;
	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		/* Not the directory's own: the ring may get its number. */
		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    atoi(de->d_name) == dirfd(d))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[(*n)++] = atoi(de->d_name);
	}
	closedir(d);
	if (v)
		qsort(v, *n, sizeof(*v), zc__aio_int_cmp);
	return v;
}

/* Whether @fd, new since @before, is a ring (2), an eventfd (1) or else. */
static int zc__aio_fd_kind(int fd, const int *before, size_t nb)
{
	char path[64], link[64];
	ssize_t len;

	if (bsearch(&fd, before, nb, sizeof(*before), zc__aio_int_cmp))
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	len = readlink(path, link, sizeof(link) - 1);
	if (len <= 0)
		return 0;
	link[len] = 0;
	if (!strcmp(link, "anon_inode:[io_uring]"))
		return 2;
	return !strcmp(link, "anon_inode:[eventfd]");
}

/*
 * Create the engine and note the descriptors it opened (its ring, an
 * eventfd), so that a forked child can close them: zcaio gives no way to
 * ask. Under g.lock, so no fork() and none of our own descriptors come
 * between the two looks. Only io_uring and eventfd descriptors are taken,
 * and none when two rings appeared (another thread made one meanwhile).
 */
static int zc__aio_engine_create(struct zc_engine **e)
{
	size_t nb, na, i;
	int *before = zc__aio_fds_open(&nb), *after, ret, kind, rings = 0;
	int found[ZC__AIO_ENGINE_FDS], nf = 0;

	ret = zc_engine_create(e, NULL);
	if (ret < 0 || !before) {
		free(before);
		return ret;
	}
	after = zc__aio_fds_open(&na);
	for (i = 0; after && i < na; i++) {
		kind = zc__aio_fd_kind(after[i], before, nb);
		rings += kind == 2;
		if (kind && nf < ZC__AIO_ENGINE_FDS)
			found[nf++] = after[i];
	}
	if (rings == 1) {
		memcpy(g.efds, found, sizeof(found));
		g.nefds = nf;
	}
	free(before);
	free(after);
	return 0;
}

static void *zc__aio_service(void *arg)
{
	struct zc_engine *e;
	int ret;

	zc__aio_lock();
	ret = zc__aio_engine_create(&e);
	if (ret == 0) {
		ret = zc_sock_attach(e, g.wake[1], &w.s);
		if (ret < 0)
			zc_engine_destroy(e);
	}
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
	g.idle_tail = &g.idle;
	zc__aio_wake_arm();
	for (;;) {
		struct zc__aio_req *q, *r;
		struct zc__aio_cmd *c, *cn;
		struct zc__aio_fd *cq, *f;
		int ran, ms;

		zc__aio_lock();
		q = g.subq;
		g.subq = NULL;
		g.subq_tail = &g.subq;
		c = g.cmds;
		g.cmds = NULL;
		g.cmds_tail = &g.cmds;
		cq = g.closedq;
		g.closedq = NULL;
		zc__aio_unlock();
		for (; q; q = r) {
			r = q->next;
			zc__aio_req_start(q);
		}
		for (; c; c = cn) {
			cn = c->next;
			f = c->f;
			ret = zc__aio_cancel_run(f, c->cb);
			zc__aio_done_wake();
			zc__aio_lock();
			f->pending--; /* taken by zc__aio_cancel_fd() */
			c->result = ret;
			c->done = true;
			pthread_cond_broadcast(&g.cond);
			zc__aio_unlock();
			zc__aio_settle(f);
		}
		for (; cq; cq = f) {
			f = cq->cnext;
			zc__aio_close_start(cq);
		}
		ran = zc_engine_run(g.e, 0);
		zc__aio_done_wake();
		ms = zc__aio_idle_expire(zc__aio_now_ms());
		if (ran <= 0) {
			zc__aio_sleep(ms);
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

/*
 * A new entry for a stream socket under the lock (its duplicate is made
 * under the lock too, so a fork() never misses it), or NULL with *@err:
 * 1 = not a stream socket, or -errno.
 */
static struct zc__aio_fd *zc__aio_fd_new_locked(int fd, const struct stat *st,
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
	f->next = g.all;
	f->pprev = &g.all;
	if (g.all)
		g.all->pprev = &f->next;
	g.all = f;
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
	struct zc__aio_fd *f;
	struct zc__aio_req *r;
	int fd = cb->aio_fildes, ret = 0;

	zc__aio_lock();
	if (g.inflight >= g.max) {
		ret = -EAGAIN;
		goto out;
	}
	f = zc__aio_lookup_locked(fd, st);
	if (!f) {
		ret = fd >= g.ntab ? zc__aio_tab_grow_locked(fd) : 0;
		if (ret < 0)
			goto out;
		f = zc__aio_fd_new_locked(fd, st, &ret);
		if (!f)
			goto out;
		/* The service thread takes it up with the request. */
		g.tab[fd] = f;
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
