// SPDX-License-Identifier: MIT
/*
 * service.c - the layer's zcaio engine and who drives it.
 *
 * The engine is made ZC_ENGINE_ANY_THREAD: any thread may drive it, one
 * at a time, under g.elock. The calling thread drives it itself: after it
 * queues a request (one io_uring_enter submits it), and while it waits in
 * aio_suspend() or lio_listio(LIO_WAIT) (it sleeps inside the ring, in
 * zc_engine_run(), so a completion wakes it without a futex round trip).
 * A thread that waits while another drives registers its wait and is woken
 * only when a completion satisfies it, or to take the engine over when the
 * driver leaves. A helper thread drives only what nobody else does:
 * requests whose completion raises a signal or starts a thread, LIO_NOWAIT
 * lists, closes, and writes still being released or resent while no
 * caller has come by for ZC__AIO_HELPER_MS. Requests outlive the thread
 * that submitted them (the kernel cancels them when it exits; zcaio issues
 * them again from whoever drives next).
 *
 * Requests are queued under g.lock and started by the driver, which also
 * hears a one-byte poke on a socketpair whose read the ring keeps queued,
 * so a thread sleeping in the ring wakes for new requests as for
 * completions and zero-copy releases.
 *
 * Work per turn follows * Work per turn follows what happened, never the number of sockets: the
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define ZC__AIO_MAX_DEFAULT 16384 /* requests not completed, all sockets */
#define ZC__AIO_IDLE_MS 200	  /* let an idle socket go after this */
#define ZC__AIO_DUP_MIN 100	  /* at least; see zc__aio_high_fd() */
#define ZC__AIO_NB_MIN 4096	  /* smallest non-blocking write slice */
#define ZC__AIO_POLL_MS 2	  /* engine check while waiting for POLLOUT */
#define ZC__AIO_ENGINE_FDS 4	  /* descriptors the engine opened */
#define ZC__AIO_HELPER_MS 10	  /* the helper looks this often */
#define ZC__AIO_POLL_NS 200000	  /* aio_error() drives at most this often */

static struct {
	pthread_mutex_t lock;
	bool started;
	bool failed;
	bool sleeping; /* a driver sleeps in the ring: poke it */
	bool helper_driving;
	bool helper_parked; /* waits for work without a timeout */
	int want;	    /* threads waiting for g.elock to cancel */
	unsigned int notify_inflight; /* requests whose signal needs a driver */
	int wake[2];   /* socketpair: callers write [0], ring reads [1] */
	int efds[ZC__AIO_ENGINE_FDS]; /* the engine's own, closed in a child */
	int nefds;
	unsigned int inflight;
	unsigned int max;
	struct zc__aio_req *subq, **subq_tail;
	struct zc__aio_fd *closedq; /* marked closed, not yet acted on */
	struct zc__aio_req *free;
	struct zc__aio_fd **tab;
	int ntab;
	struct zc__aio_fd *all; /* every entry, for a forked child */
	struct zc__aio_waiter *waiters;
	uint8_t *ours; /* bitmap of the layer's own descriptors */
	long pid;      /* the process's, for a vfork() child's close() */
	size_t nours;
	pthread_mutex_t elock; /* the driver's: every zcaio call, and below */
	pthread_cond_t hcond;  /* the helper waits for work */
	uint32_t drive_seq;    /* turns by callers, for the helper */
	unsigned int nidle;    /* entries on the idle list */
	int64_t last_turn_ns;
	struct zc_engine *e;
	struct zc__aio_fd *out;			/* waiting for POLLOUT */
	struct zc__aio_fd *idle, **idle_tail; /* oldest first */
} g = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.elock = PTHREAD_MUTEX_INITIALIZER,
	.hcond = PTHREAD_COND_INITIALIZER,
	.wake = { -1, -1 },
};

/* The driver's (g.elock): the read on the wake socket that the ring keeps. */
static struct {
	struct zc_sock *s;
	bool armed;
	bool wake_due; /* completions since the last zc__aio_done_wake() */
	char buf[64];
} w;

static pthread_once_t zc__aio_once = PTHREAD_ONCE_INIT;

/*
 * How deep this thread is inside the layer's locks. A signal handler that
 * calls close() (async-signal-safe) or aio_error() while its thread holds
 * one must not take it again: close() then leaves the number in
 * zc__aio_pend for the next holder of g.lock, and aio_error() does not
 * drive.
 */
static __thread int zc__aio_depth;

#define ZC__AIO_PEND 64
static int zc__aio_pend[ZC__AIO_PEND] = { [0 ... ZC__AIO_PEND - 1] = -1 };
static unsigned int zc__aio_npend;
static bool zc__aio_pend_lost; /* the table is not to be trusted again */

static void zc__aio_mark_closed_locked(struct zc__aio_fd *f);

/* Closes a signal handler left for us (g.lock held). */
static void zc__aio_pend_drain_locked(void)
{
	for (int i = 0; i < ZC__AIO_PEND; i++) {
		int fd = __atomic_exchange_n(&zc__aio_pend[i], -1,
					     __ATOMIC_ACQ_REL);

		if (fd < 0)
			continue;
		__atomic_sub_fetch(&zc__aio_npend, 1, __ATOMIC_RELEASE);
		if (fd < g.ntab && g.tab[fd])
			zc__aio_mark_closed_locked(g.tab[fd]);
	}
}

/* The depth goes up before a lock is taken and down after it is let go:
 * a signal anywhere in between finds it raised. */
static void zc__aio_lock(void)
{
	zc__aio_depth++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_lock(&g.lock);
	if (__atomic_load_n(&zc__aio_npend, __ATOMIC_ACQUIRE))
		zc__aio_pend_drain_locked();
}

static void zc__aio_unlock(void)
{
	pthread_mutex_unlock(&g.lock);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	zc__aio_depth--;
}

/* The engine (g.elock): 0 when taken. */
static int zc__aio_etry(void)
{
	int ret;

	zc__aio_depth++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	ret = pthread_mutex_trylock(&g.elock);
	if (ret) {
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		zc__aio_depth--;
	}
	return ret;
}

static void zc__aio_etake(void)
{
	zc__aio_depth++;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_lock(&g.elock);
}

static void zc__aio_edrop(void)
{
	pthread_mutex_unlock(&g.elock);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	zc__aio_depth--;
}

static int64_t zc__aio_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t zc__aio_now_ms(void)
{
	return zc__aio_now_ns() / 1000000;
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
	pthread_mutex_t elock = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t hcond = PTHREAD_COND_INITIALIZER;
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
	g.elock = elock;
	g.hcond = hcond;
	g.wake[0] = g.wake[1] = -1;
	memset(&w, 0, sizeof(w));
}

static void zc__aio_once_init(void)
{
	pthread_atfork(zc__aio_atfork_prepare, zc__aio_atfork_parent,
		       zc__aio_atfork_child);
}

/*
 * Only when a driver sleeps in the ring (or is about to): a burst of
 * requests costs one poke, and a busy driver none.
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
static int zc__aio_futex_wait(uint32_t *word, uint32_t val,
			      const struct timespec *rel)
{
	long ret = syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, rel,
			   NULL, 0);

	if (ret < 0 && (errno == ETIMEDOUT || errno == EINTR))
		return -errno;
	return 0;
}

static void zc__aio_futex_wake(uint32_t *word)
{
	__atomic_store_n(word, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void zc__aio_waiter_link_locked(struct zc__aio_waiter *wt)
{
	wt->woken = 0;
	wt->next = g.waiters;
	wt->pprev = &g.waiters;
	if (g.waiters)
		g.waiters->pprev = &wt->next;
	g.waiters = wt;
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
		if (wt->ready(wt->arg)) {
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
	__atomic_add_fetch(&g.nidle, 1, __ATOMIC_RELAXED);
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
	__atomic_sub_fetch(&g.nidle, 1, __ATOMIC_RELAXED);
	*f->iprev = f->inext;
	if (f->inext)
		f->inext->iprev = f->iprev;
	else
		g.idle_tail = f->iprev;
}

/*
 * The layer's own descriptor numbers, which the program never opened: the
 * preload answers a close() of one with EBADF and a dup2() onto one with
 * EBUSY instead of letting the program take it from under the engine.
 * Under g.lock.
 */
static void zc__aio_ours_set_locked(int fd, bool on)
{
	if (fd < 0)
		return;
	if ((size_t)fd / 8 >= g.nours) {
		size_t n = g.nours ? g.nours : 128;
		uint8_t *m;

		while (n <= (size_t)fd / 8)
			n *= 2;
		if (!on || !(m = realloc(g.ours, n)))
			return;
		memset(m + g.nours, 0, n - g.nours);
		g.ours = m;
		g.nours = n;
	}
	if (on)
		g.ours[fd / 8] |= (uint8_t)(1 << fd % 8);
	else
		g.ours[fd / 8] &= (uint8_t)~(1 << fd % 8);
}

static bool zc__aio_ours_locked(int fd)
{
	return fd >= 0 && (size_t)fd / 8 < g.nours &&
	       (g.ours[fd / 8] & (1 << fd % 8));
}

/*
 * A duplicate of @fd for the layer, high up where programs rarely put
 * descriptors of their own (half the descriptor limit), else any number.
 */
static int zc__aio_high_fd(int fd)
{
	struct rlimit rl;
	long min = ZC__AIO_DUP_MIN;
	int d;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    (long)(rl.rlim_cur / 2) > min)
		min = rl.rlim_cur / 2 > INT_MAX ? INT_MAX / 2 :
						  (long)(rl.rlim_cur / 2);
	d = fcntl(fd, F_DUPFD_CLOEXEC, (int)min);
	if (d < 0)
		d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return d;
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
	zc__aio_ours_set_locked(f->fd, false);
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
	if (r->notifies)
		g.notify_inflight--;
	if (!r->pinned)
		zc__aio_req_free_locked(r);
	zc__aio_unlock();
	w.wake_due = true;
}

static void zc__aio_held_kick(struct zc__aio_fd *f);

/*
 * A read failed with @err: whether to report 0 instead. As read(2): the
 * first read after a reset reports it, every later one the end of the
 * stream (zcaio reports the reset to each).
 */
static bool zc__aio_rx_end(struct zc__aio_fd *f, int err)
{
	if (err == ECANCELED || err == EFAULT || err == EINVAL ||
	    err == ENOMEM)
		return false;
	if (f->rx_ended)
		return true;
	f->rx_ended = true;
	return false;
}

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
	else if (r->op == LIO_READ && zc__aio_rx_end(f, -(int)res->res))
		zc__aio_finish(r, 0, 0);
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
	if (!r->len && r->op == LIO_WRITE &&
	    send(f->fd, "", 0, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* An empty write reports the connection's state, as
		 * write(2) does: EPIPE, ECONNRESET, ENOTCONN. */
		zc__aio_finish(r, -1, errno);
	} else if (!r->len) {
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
static bool zc__aio_sleep(int ms)
{
	int64_t until = zc__aio_now_ms() + ms;
	bool intr = false;
	int ret;
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
	if (g.subq || g.closedq || g.want ||
	    (g.helper_driving && g.waiters)) {
		zc__aio_unlock();
		goto out;
	}
	g.sleeping = true;
	zc__aio_unlock();
	if (!n) {
		/* It returns with nothing done before its time only when a
		 * signal came (the wake read is always pending). */
		if (!zc_engine_run(g.e, ms) &&
		    (ms < 0 || zc__aio_now_ms() < until))
			intr = true;
	} else if ((ret = poll(pfd, n, ZC__AIO_POLL_MS)) < 0) {
		intr = errno == EINTR;
	} else if (ret > 0) {
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
	return intr;
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
	/*
	 * ZCAIO_AIO_SQPOLL=1: a kernel thread of the ring issues every
	 * request, so completions never interrupt the program's threads nor
	 * wait for a submitter that cannot run, and sends and receives run
	 * beside the caller (aio-pair here: 1.45x to 2.8x glibc's throughput,
	 * 0.3x without). Not the default: with it, a signal does not end a
	 * wait in the ring (io_uring_enter reports the requests it handed
	 * over instead of EINTR), and a program that only polls aio_error()
	 * waits for the helper. A kernel that refuses it gets the plain ring.
	 */
	const char *sq = getenv("ZCAIO_AIO_SQPOLL");
	struct zc_engine_params p = { .flags = ZC_ENGINE_ANY_THREAD };

	if (sq && !strcmp(sq, "1"))
		p.flags |= ZC_ENGINE_SQPOLL;
	size_t nb, na, i;
	int *before = zc__aio_fds_open(&nb), *after, ret, kind, rings = 0;
	int found[ZC__AIO_ENGINE_FDS], nf = 0;

	ret = zc_engine_create(e, &p);
	if (ret < 0 && (p.flags & ZC_ENGINE_SQPOLL)) {
		p.flags &= ~ZC_ENGINE_SQPOLL;
		ret = zc_engine_create(e, &p);
	}
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
		for (i = 0; i < (size_t)nf; i++)
			zc__aio_ours_set_locked(found[i], true);
	}
	free(before);
	free(after);
	return 0;
}

/*
 * One turn of the driver (g.elock held): start what was queued, act on
 * closes, run the engine, wake the waiters it satisfied, let idle sockets
 * go; then, if nothing ran and @ms allows, sleep in the ring up to @ms
 * (-1: until something happens).
 */
static bool zc__aio_turn(int ms)
{
	struct zc__aio_req *q, *r;
	struct zc__aio_fd *cq, *f;
	bool intr = false;
	int ran, next;

	zc__aio_lock();
	q = g.subq;
	g.subq = NULL;
	g.subq_tail = &g.subq;
	cq = g.closedq;
	g.closedq = NULL;
	zc__aio_unlock();
	for (; q; q = r) {
		r = q->next;
		zc__aio_req_start(q);
	}
	for (; cq; cq = f) {
		f = cq->cnext;
		zc__aio_close_start(cq);
	}
	ran = zc_engine_run(g.e, 0);
	zc__aio_done_wake();
	next = zc__aio_idle_expire(zc__aio_now_ms());
	if (ms && ran <= 0) {
		if (next >= 0 && (ms < 0 || next < ms))
			ms = next;
		intr = zc__aio_sleep(ms);
		zc__aio_done_wake();
	}
	__atomic_store_n(&g.last_turn_ns, zc__aio_now_ns(), __ATOMIC_RELAXED);
	if (!g.helper_driving)
		__atomic_add_fetch(&g.drive_seq, 1, __ATOMIC_RELAXED);
	return intr;
}

/*
 * Leave the engine. What was queued meanwhile by a thread that found it
 * taken is started here (nobody else may be coming). A waiter, if any, is
 * woken to take the engine over; else the helper, when a request needs a
 * driver for its signal.
 */
static void zc__aio_engine_leave(void)
{
	struct zc__aio_waiter *wt;
	bool more;

	for (;;) {
		zc__aio_edrop();
		zc__aio_lock();
		more = g.subq || g.closedq;
		if ((wt = g.waiters)) {
			zc__aio_waiter_unlink_locked(wt);
			zc__aio_futex_wake(&wt->woken);
		} else if (g.notify_inflight || g.closedq) {
			pthread_cond_signal(&g.hcond);
		}
		zc__aio_unlock();
		if (!more || zc__aio_etry())
			return;
		zc__aio_turn(0);
	}
}

void zc__aio_drive(void)
{
	if (!__atomic_load_n(&g.started, __ATOMIC_ACQUIRE) || zc__aio_depth ||
	    zc__aio_etry())
		return; /* the driver starts it (a sleeping one was poked) */
	zc__aio_turn(0);
	zc__aio_engine_leave();
}

/* aio_error() on a request in progress: reap, but not on every call. */
void zc__aio_poll(void)
{
	if (zc__aio_now_ns() -
		    __atomic_load_n(&g.last_turn_ns, __ATOMIC_RELAXED) <
	    ZC__AIO_POLL_NS)
		return;
	zc__aio_drive();
}

/* ms until @deadline, rounded up; 0 when it passed. */
static int zc__aio_ms_left(const struct timespec *deadline)
{
	int64_t ns = (int64_t)deadline->tv_sec * 1000000000 +
		     deadline->tv_nsec - zc__aio_now_ns();

	if (ns <= 0)
		return 0;
	return ns / 1000000 >= INT_MAX ? INT_MAX : (int)((ns + 999999) / 1000000);
}

/*
 * Drive (g.elock held) until @ready or @deadline, sleeping in the ring;
 * keep the engine between turns (handing it to a waiter each time would
 * wake one per turn), unless another thread asks for it.
 */
static int zc__aio_drive_until(bool (*ready)(const void *arg),
			       const void *arg, const struct timespec *deadline)
{
	bool intr;
	int ms;

	for (;;) {
		ms = deadline ? zc__aio_ms_left(deadline) : -1;
		intr = zc__aio_turn(ms);
		if (intr || ready(arg) ||
		    (deadline && !zc__aio_ms_left(deadline)) ||
		    __atomic_load_n(&g.want, __ATOMIC_RELAXED))
			break;
	}
	zc__aio_engine_leave();
	return intr && !ready(arg) ? -EINTR : 0;
}

int zc__aio_wait(bool (*ready)(const void *arg), const void *arg,
		 const struct timespec *deadline)
{
	struct zc__aio_waiter wt = { .ready = ready, .arg = arg };
	struct timespec rel;
	int ms, ret;

	for (;;) {
		if (ready(arg))
			return 0;
		ms = deadline ? zc__aio_ms_left(deadline) : -1;
		if (!ms)
			return -EAGAIN;
		if (!zc__aio_etry()) {
			if (zc__aio_drive_until(ready, arg, deadline) < 0)
				return -EINTR;
			continue;
		}
		/* Another thread drives: it wakes us when @ready may hold, or
		 * when it leaves. The helper leaves for us: poke it. */
		zc__aio_lock();
		zc__aio_waiter_link_locked(&wt);
		if (g.helper_driving)
			zc__aio_wake_locked();
		zc__aio_unlock();
		ret = 0;
		if (!zc__aio_etry()) {
			zc__aio_lock();
			zc__aio_waiter_unlink_locked(&wt);
			zc__aio_unlock();
			zc__aio_turn(0);
			zc__aio_engine_leave();
			continue;
		}
		if (!ready(arg)) {
			rel.tv_sec = ms / 1000;
			rel.tv_nsec = (long)(ms % 1000) * 1000000;
			ret = zc__aio_futex_wait(&wt.woken, 0,
						 ms < 0 ? NULL : &rel);
		}
		zc__aio_lock();
		zc__aio_waiter_unlink_locked(&wt);
		zc__aio_unlock();
		if (ret == -EINTR)
			return ret;
	}
}

/*
 * Whether the helper has a reason to drive (under g.lock): a request with
 * a signal, a close, or requests in flight (or idle sockets to let go)
 * while no caller drove since the helper last looked (@seen).
 */
static bool zc__aio_helper_due(uint32_t seen)
{
	if (g.waiters || g.want)
		return false; /* a caller is here */
	return g.notify_inflight || g.closedq ||
	       ((g.inflight || __atomic_load_n(&g.nidle, __ATOMIC_RELAXED)) &&
		__atomic_load_n(&g.drive_seq, __ATOMIC_RELAXED) == seen);
}

/* Under g.lock: until there may be something to do. */
static void zc__aio_helper_sleep(void)
{
	struct timespec ts;

	if (!g.inflight && !__atomic_load_n(&g.nidle, __ATOMIC_RELAXED)) {
		g.helper_parked = true;
		pthread_cond_wait(&g.hcond, &g.lock);
		g.helper_parked = false;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ZC__AIO_HELPER_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_nsec -= 1000000000L;
		ts.tv_sec++;
	}
	pthread_cond_timedwait(&g.hcond, &g.lock, &ts);
}

/*
 * The helper drives what no caller drives: requests with a signal or a
 * thread to start at completion (at once), closes, and requests left in
 * flight while no caller came by for ZC__AIO_HELPER_MS (a program that
 * computes, or polls aio_error() rarely). It leaves the engine as soon as
 * a caller waits.
 */
static void *zc__aio_helper(void *arg)
{
	uint32_t seen = 0;
	bool due;

	zc__aio_lock();
	for (;;) {
		if (!zc__aio_helper_due(seen)) {
			seen = __atomic_load_n(&g.drive_seq, __ATOMIC_RELAXED);
			zc__aio_helper_sleep();
			continue;
		}
		zc__aio_unlock();
		if (!zc__aio_etry()) {
			g.helper_driving = true;
			do {
				zc__aio_turn(ZC__AIO_HELPER_MS);
				zc__aio_lock();
				due = zc__aio_helper_due(seen);
				zc__aio_unlock();
			} while (due);
			g.helper_driving = false;
			zc__aio_engine_leave();
		}
		zc__aio_lock();
		seen = __atomic_load_n(&g.drive_seq, __ATOMIC_RELAXED);
		zc__aio_helper_sleep();
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

/* The engine, its wake socket and the helper; under g.lock. */
static int zc__aio_setup_locked(void)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t th;
	int ret;

	g.max = zc__aio_env_max();
	g.pid = syscall(SYS_getpid);
	g.subq_tail = &g.subq;
	g.idle_tail = &g.idle;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g.wake) < 0 ||
	    fcntl(g.wake[0], F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) { /* off the low numbers */
		int hi = zc__aio_high_fd(g.wake[i]);

		if (hi >= 0) {
			zc__aio_close(g.wake[i]);
			g.wake[i] = hi;
		}
		zc__aio_ours_set_locked(g.wake[i], true);
	}
	ret = zc__aio_engine_create(&g.e);
	if (ret < 0)
		return ret;
	ret = zc_sock_attach(g.e, g.wake[1], &w.s);
	if (ret < 0)
		return ret;
	zc__aio_wake_arm();
	/* Process-directed signals (SIGEV_SIGNAL's too) never land there. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = -pthread_create(&th, &attr, zc__aio_helper, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* Set the layer up once; -ENOSYS when no engine can run here. */
int zc__aio_start(void)
{
	int ret;

	if (__atomic_load_n(&g.started, __ATOMIC_ACQUIRE))
		return 0;
	pthread_once(&zc__aio_once, zc__aio_once_init);
	zc__aio_lock();
	if (!g.started && !g.failed) {
		if (zc__aio_setup_locked() < 0)
			g.failed = true; /* the engine stays: never retried */
		else
			__atomic_store_n(&g.started, true, __ATOMIC_RELEASE);
	}
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
	f->fd = zc__aio_high_fd(fd);
	if (f->fd < 0) {
		*err = errno == EMFILE ? -EAGAIN : -errno;
		free(f);
		return NULL;
	}
	zc__aio_ours_set_locked(f->fd, true);
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

struct zc__aio_fd *zc__aio_known(int fd, int *dupfd, bool *trusted)
{
	struct zc__aio_fd *f = NULL;

	if (!__atomic_load_n(&g.started, __ATOMIC_ACQUIRE) || fd < 0)
		return NULL;
	*trusted = !__atomic_load_n(&zc__aio_pend_lost, __ATOMIC_ACQUIRE);
	zc__aio_lock();
	if (fd < g.ntab && (f = g.tab[fd]))
		*dupfd = f->fd;
	zc__aio_unlock();
	return f;
}

int zc__aio_enqueue(struct aiocb *cb, int op, const struct stat *st,
		    struct zc__aio_fd *known, struct zc__aio_group *grp,
		    int tx_zcopy, bool nonblock)
{
	struct zc__aio_fd *f;
	struct zc__aio_req *r;
	int fd = cb->aio_fildes, ret = 0;

	zc__aio_lock();
	if (g.inflight >= g.max) {
		ret = -EAGAIN;
		goto out;
	}
	if (!st) {
		f = fd < g.ntab ? g.tab[fd] : NULL;
		if (!f || f != known) {
			ret = -ESTALE; /* let go meanwhile: look again */
			goto out;
		}
	} else {
		f = zc__aio_lookup_locked(fd, st);
	}
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
	r->notifies = zc__aio_sev_notifies(&r->sev) || (grp && !grp->waited);
	f->pending++;
	g.inflight++;
	g.notify_inflight += r->notifies;
	if (g.helper_parked)
		pthread_cond_signal(&g.hcond);
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

/*
 * aio_cancel() for a socket: the caller takes the engine (a thread
 * sleeping in the ring is poked to leave it) and decides.
 */
int zc__aio_cancel_fd(int fd, const struct stat *st, struct aiocb *cb,
		      bool *ours)
{
	struct zc__aio_fd *f;
	int ret;

	*ours = false;
	if (!__atomic_load_n(&g.started, __ATOMIC_ACQUIRE))
		return AIO_ALLDONE;
	zc__aio_lock();
	f = zc__aio_lookup_locked(fd, st);
	if (!f) {
		zc__aio_unlock();
		return AIO_ALLDONE;
	}
	*ours = true;
	f->pending++; /* keeps the entry until the answer */
	g.want++;
	zc__aio_wake_locked();
	zc__aio_unlock();
	zc__aio_etake();
	zc__aio_lock();
	g.want--;
	zc__aio_unlock();
	zc__aio_turn(0); /* the request may still be queued */
	ret = zc__aio_cancel_run(f, cb);
	zc__aio_done_wake();
	zc__aio_lock();
	f->pending--;
	zc__aio_unlock();
	zc__aio_settle(f);
	zc__aio_engine_leave();
	return ret;
}

/* The preload's close(): the descriptor number is about to be free. */
/*
 * Whether the calling task shares the process's descriptor table: a
 * vfork() child runs the preload's close() in the parent's memory, on a
 * table of its own.
 */
static bool zc__aio_own_table(void)
{
	return syscall(SYS_getpid) == g.pid;
}

void zc__aio_fd_closing(int fd)
{
	int old;

	if (!__atomic_load_n(&g.started, __ATOMIC_ACQUIRE) || fd < 0 ||
	    !zc__aio_own_table())
		return;
	if (zc__aio_depth) { /* a signal handler inside the layer */
		for (int i = 0; i < ZC__AIO_PEND; i++) {
			int none = -1;

			if (__atomic_compare_exchange_n(&zc__aio_pend[i], &none,
							fd, false,
							__ATOMIC_ACQ_REL,
							__ATOMIC_RELAXED)) {
				__atomic_add_fetch(&zc__aio_npend, 1,
						   __ATOMIC_RELEASE);
				return;
			}
		}
		__atomic_store_n(&zc__aio_pend_lost, true, __ATOMIC_RELEASE);
		return;
	}
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	zc__aio_lock();
	if (fd < g.ntab && g.tab[fd])
		zc__aio_mark_closed_locked(g.tab[fd]);
	zc__aio_unlock();
	pthread_setcancelstate(old, NULL);
}

/* The preload's close_range(): every number in the range. */
void zc__aio_fd_closing_range(unsigned int first, unsigned int last)
{
	int old;

	if (!__atomic_load_n(&g.started, __ATOMIC_ACQUIRE) ||
	    !zc__aio_own_table())
		return;
	if (zc__aio_depth) { /* a signal handler: trust nothing from now */
		__atomic_store_n(&zc__aio_pend_lost, true, __ATOMIC_RELEASE);
		return;
	}
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	zc__aio_lock();
	for (unsigned int fd = first; fd <= last && fd < (unsigned int)g.ntab;
	     fd++)
		if (g.tab[fd])
			zc__aio_mark_closed_locked(g.tab[fd]);
	zc__aio_unlock();
	pthread_setcancelstate(old, NULL);
}

/*
 * The preload, before the program closes or replaces @fd: whether it is
 * one of the layer's own (then the call must not touch it).
 */
bool zc__aio_fd_is_ours(int fd)
{
	bool ours;

	if (!__atomic_load_n(&g.started, __ATOMIC_ACQUIRE) || zc__aio_depth ||
	    !zc__aio_own_table())
		return false;
	zc__aio_lock();
	ours = zc__aio_ours_locked(fd);
	zc__aio_unlock();
	return ours;
}

/* The next of the layer's own descriptors at or after @fd, or -1. */
int zc__aio_fd_next_ours(unsigned int fd)
{
	int found = -1;

	if (!__atomic_load_n(&g.started, __ATOMIC_ACQUIRE) || zc__aio_depth ||
	    !zc__aio_own_table())
		return -1;
	zc__aio_lock();
	for (; fd / 8 < g.nours && fd < INT_MAX; fd++) {
		if (zc__aio_ours_locked((int)fd)) {
			found = (int)fd;
			break;
		}
	}
	zc__aio_unlock();
	return found;
}
