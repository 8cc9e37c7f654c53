// SPDX-License-Identifier: MIT
/*
 * posix.c - what aio_* callers see, in any thread: argument checks, which
 * side serves an aiocb (zcaio for stream sockets, glibc for the rest),
 * completion into the caller's aiocb, notification and waiting.
 *
 * State lives in glibc's own struct aiocb, as glibc keeps it: __error_code
 * (EINPROGRESS until done, written last, with release order) and
 * __return_value. A tag in its reserved bytes says who served it, so that
 * aio_error() on an aiocb nobody saw gives EINVAL and calls on a file's
 * aiocb reach glibc. The tag holds a magic number mixed with the aiocb's
 * address (a copied aiocb does not pass for the original) and with this
 * library's own address (a second copy of the layer in the process does
 * not take the first one's aiocbs).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define ZC__F_DUPFD_QUERY 1027 /* F_LINUX_SPECIFIC_BASE + 3, Linux 6.10 */
#define ZC__AIO_PRIO_MAX 20 /* glibc's AIO_PRIO_DELTA_MAX */
#define ZC__AIO_MAGIC	 0x7a63616961696f31ULL

struct zc__aio_tag {
	uint64_t magic;
	struct zc__aio_req *req;
	uint32_t gen;
	uint32_t owner;
};

_Static_assert(sizeof(struct zc__aio_tag) <=
		       sizeof(((struct aiocb *)0)->__glibc_reserved),
	       "the tag must fit glibc's reserved bytes");
_Static_assert(sizeof(struct aiocb) == sizeof(struct aiocb64) &&
		       offsetof(struct aiocb, __glibc_reserved) ==
			       offsetof(struct aiocb64, __glibc_reserved),
	       "aiocb and aiocb64 must share their layout (64-bit only)");

static const char zc__aio_instance;

static uint64_t zc__aio_magic(const struct aiocb *cb)
{
	return ZC__AIO_MAGIC ^ (uintptr_t)cb ^
	       ((uint64_t)(uintptr_t)&zc__aio_instance << 16);
}

void zc__aio_tag_set(struct aiocb *cb, struct zc__aio_req *r, int owner)
{
	struct zc__aio_tag t = {
		.magic = zc__aio_magic(cb),
		.req = r,
		.gen = r ? r->gen : 0,
		.owner = (uint32_t)owner,
	};

	memcpy(cb->__glibc_reserved, &t, sizeof(t));
}

static bool zc__aio_tag_get(const struct aiocb *cb, struct zc__aio_tag *t)
{
	memcpy(t, cb->__glibc_reserved, sizeof(*t));
	return t->magic == zc__aio_magic(cb);
}

int zc__aio_tag_owner(const struct aiocb *cb)
{
	struct zc__aio_tag t;

	return zc__aio_tag_get(cb, &t) ? (int)t.owner : ZC__AIO_UNKNOWN;
}

struct zc__aio_req *zc__aio_tag_req(const struct aiocb *cb, uint32_t *gen)
{
	struct zc__aio_tag t;

	if (!zc__aio_tag_get(cb, &t) || t.owner != ZC__AIO_OURS)
		return NULL;
	*gen = t.gen;
	return t.req;
}

static int zc__aio_fail(int err)
{
	errno = err;
	return -1;
}

/* A pointer we can tell is bad without touching it. */
static bool zc__aio_bad_ptr(const void *p)
{
	return !p || ((uintptr_t)p & (alignof(struct aiocb) - 1));
}

static int zc__aio_load_err(const struct aiocb *cb)
{
	return __atomic_load_n(&cb->__error_code, __ATOMIC_ACQUIRE);
}

bool zc__aio_done(const struct aiocb *cb)
{
	return zc__aio_tag_owner(cb) == ZC__AIO_OURS &&
	       zc__aio_load_err(cb) != EINPROGRESS;
}

/* ---- notification ---- */

/*
 * What glibc accepts, we accept: a zeroed aiocb has SIGEV_SIGNAL with
 * signal 0, which is "no signal" (as kill(pid, 0) sends none), and glibc
 * ignores sigev_notify values it does not know. Refused are only what
 * would fail or crash at completion: a signal number no signal has, and
 * SIGEV_THREAD without a function.
 */
static int zc__aio_sev_check(const struct sigevent *sev)
{
	switch (sev->sigev_notify) {
	case SIGEV_SIGNAL:
		return sev->sigev_signo >= 0 && sev->sigev_signo < NSIG
			       ? 0
			       : -EINVAL;
	case SIGEV_THREAD: return sev->sigev_notify_function ? 0 : -EINVAL;
	case SIGEV_THREAD_ID:
		if (!sev->sigev_signo)
			return 0;
		return sev->sigev_signo > 0 && sev->sigev_signo < NSIG &&
				       sev->_sigev_un._tid > 0
			       ? 0
			       : -EINVAL;
	}
	return 0;
}

/* Whether a (checked) sigevent asks for anything at completion. */
bool zc__aio_sev_notifies(const struct sigevent *sev)
{
	switch (sev->sigev_notify) {
	case SIGEV_SIGNAL:
	case SIGEV_THREAD_ID: return sev->sigev_signo != 0;
	case SIGEV_THREAD: return true;
	}
	return false;
}

/* Like sigqueue(3), with si_code SI_ASYNCIO as POSIX asks for AIO. */
static void zc__aio_queue_signal(pid_t tid, int signo, union sigval v)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = signo;
	si.si_code = SI_ASYNCIO;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value = v;
	if (tid)
		syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, signo, &si);
	else
		syscall(SYS_rt_sigqueueinfo, getpid(), signo, &si);
}

struct zc__aio_thread_call {
	void (*fn)(union sigval);
	union sigval v;
};

static void *zc__aio_thread_main(void *arg)
{
	struct zc__aio_thread_call c = *(struct zc__aio_thread_call *)arg;
	sigset_t all;

	free(arg);
	/* As glibc's notification threads: signals go to the program's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	c.fn(c.v);
	return NULL;
}

/* SIGEV_THREAD: a new thread per notification, with the caller's attrs. */
static void zc__aio_spawn(const struct sigevent *sev)
{
	pthread_attr_t own, *attr = sev->sigev_notify_attributes;
	struct zc__aio_thread_call *c = malloc(sizeof(*c));
	int detach = PTHREAD_CREATE_DETACHED, tries;
	pthread_t th;

	if (!c)
		return;
	c->fn = sev->sigev_notify_function;
	c->v = sev->sigev_value;
	if (!attr) {
		pthread_attr_init(&own);
		pthread_attr_setdetachstate(&own, PTHREAD_CREATE_DETACHED);
		attr = &own;
	} else {
		pthread_attr_getdetachstate(attr, &detach);
	}
	/* Thread creation fails only on a transient shortage: retry. */
	for (tries = 0; tries < 100; tries++) {
		if (!pthread_create(&th, attr, zc__aio_thread_main, c)) {
			if (detach != PTHREAD_CREATE_DETACHED)
				pthread_detach(th);
			c = NULL;
			break;
		}
		usleep(1000);
	}
	free(c);
	if (attr == &own)
		pthread_attr_destroy(&own);
}

void zc__aio_notify(const struct sigevent *sev)
{
	if (!zc__aio_sev_notifies(sev))
		return;
	switch (sev->sigev_notify) {
	case SIGEV_SIGNAL:
		zc__aio_queue_signal(0, sev->sigev_signo, sev->sigev_value);
		break;
	case SIGEV_THREAD_ID:
		zc__aio_queue_signal(sev->_sigev_un._tid, sev->sigev_signo,
				     sev->sigev_value);
		break;
	case SIGEV_THREAD: zc__aio_spawn(sev); break;
	}
}

void zc__aio_group_put(struct zc__aio_group *grp)
{
	if (!grp || __atomic_sub_fetch(&grp->refs, 1, __ATOMIC_SEQ_CST))
		return;
	if (grp->waited) { /* LIO_WAIT: its caller frees it */
		__atomic_store_n(&grp->done, 1, __ATOMIC_RELEASE);
		return;
	}
	zc__aio_notify(&grp->sev);
	free(grp);
}

/* glibc's part of a mixed lio_listio(LIO_NOWAIT) is done. */
static void zc__aio_group_glibc_done(union sigval v)
{
	zc__aio_group_put(v.sival_ptr);
}

/* Fill the caller's aiocb; after the error code is stored it is theirs. */
void zc__aio_complete(struct zc__aio_req *r, ssize_t res, int err)
{
	struct aiocb *cb = r->cb;

	cb->__return_value = err ? -1 : res;
	__atomic_store_n(&cb->__error_code, err, __ATOMIC_RELEASE);
	zc__aio_notify(&r->sev);
	zc__aio_group_put(r->grp);
	r->grp = NULL;
}

/* ---- submission ---- */

/* ZCAIO_TX_ZCOPY, read for every job, like the original's sysctl. */
static int zc__aio_env_zcopy(void)
{
	const char *v = getenv("ZCAIO_TX_ZCOPY");

	if (!v)
		return ZC_TX_INHERIT;
	if (!strcmp(v, "off") || !strcmp(v, "0"))
		return ZC_TX_OFF;
	if (!strcmp(v, "on") || !strcmp(v, "1"))
		return ZC_TX_ON;
	if (!strcmp(v, "auto"))
		return ZC_TX_AUTO;
	return ZC_TX_INHERIT;
}

/*
 * A non-blocking write completes as write(2) would, once the kernel took
 * the bytes: zero-copy would hold it until the peer's ACK releases the
 * pages (40 ms and more with delayed ACK), so it copies unless
 * ZCAIO_TX_ZCOPY=on asks for zero-copy by name.
 */
static int zc__aio_tx_zcopy(int op, int flags)
{
	int tx;

	if (op != LIO_WRITE)
		return ZC_TX_INHERIT;
	tx = zc__aio_env_zcopy();
	if ((flags & O_NONBLOCK) && tx != ZC_TX_ON)
		return ZC_TX_OFF;
	return tx;
}

/*
 * One read or write. Return 0 (queued: ours, or glibc's when @to_glibc is
 * NULL), 1 (glibc's to serve, *@to_glibc set) or -errno.
 */
/*
 * A socket the layer already serves under this number: the preload saw
 * every close, so its table is right; linked, one fcntl() asks whether the
 * number still names the file of our duplicate (Linux 6.10; before, the
 * caller looks with fstat()).
 */
static struct zc__aio_fd *zc__aio_known_here(const struct zc__aio_real *real,
					     int fd)
{
	struct zc__aio_fd *f;
	bool trusted;
	int dupfd;

	f = zc__aio_known(fd, &dupfd, &trusted);
	if (f && !(real->sees_close && trusted) &&
	    fcntl(fd, ZC__F_DUPFD_QUERY, dupfd) != 1)
		return NULL;
	return f;
}

static int zc__aio_submit_one(const struct zc__aio_real *real, struct aiocb *cb,
			      int op, struct zc__aio_group *grp, bool *to_glibc)
{
	struct zc__aio_fd *known;
	struct stat st;
	int ret, fl = 0;

	/* glibc's order: the priority, then the descriptor; glibc reports
	 * EBADF through aio_error(), we at once (POSIX allows both). */
	if (zc__aio_bad_ptr(cb) || cb->aio_reqprio < 0 ||
	    cb->aio_reqprio > ZC__AIO_PRIO_MAX)
		return -EINVAL;
	known = zc__aio_known_here(real, cb->aio_fildes);
again:
	if (!known) {
		if (fstat(cb->aio_fildes, &st) < 0)
			return -EBADF;
		if (!S_ISSOCK(st.st_mode) || zc__aio_start() < 0)
			goto glibc;
	}
	/* A negative offset: glibc's pread()/pwrite() refuse it before they
	 * see a socket (POSIX's EINVAL for aio_offset). */
	if (cb->aio_nbytes > SSIZE_MAX || cb->aio_offset < 0 ||
	    zc__aio_sev_check(&cb->aio_sigevent) < 0)
		return -EINVAL;
	if (!cb->aio_buf && cb->aio_nbytes)
		return -EFAULT;
	/* O_NONBLOCK matters to writes only; read when each is queued. */
	if (op == LIO_WRITE && (fl = fcntl(cb->aio_fildes, F_GETFL)) < 0)
		return -EBADF;
	ret = zc__aio_enqueue(cb, op, known ? NULL : &st, known, grp,
			      zc__aio_tx_zcopy(op, fl), fl & O_NONBLOCK);
	if (ret == -ESTALE) {
		known = NULL;
		goto again;
	}
	if (ret != 1)
		return ret;
glibc:
	zc__aio_tag_set(cb, NULL, ZC__AIO_GLIBC);
	if (to_glibc) {
		*to_glibc = true;
		return 1;
	}
	ret = op == LIO_READ ? real->read(cb) : real->write(cb);
	return ret < 0 ? -errno : 0;
}

static int zc__aio_submit_nc(const struct zc__aio_real *real, struct aiocb *cb, int op,
		   struct zc__aio_group *grp)
{
	int ret = zc__aio_submit_one(real, cb, op, grp, NULL);

	if (ret < 0)
		return zc__aio_fail(-ret);
	if (zc__aio_tag_owner(cb) == ZC__AIO_OURS)
		zc__aio_drive(); /* this thread starts it */
	return 0;
}

/* Sockets have nothing to sync: glibc serves every aio_fsync(). */
int zc__aio_fsync(const struct zc__aio_real *real, int op, struct aiocb *cb)
{
	if (zc__aio_bad_ptr(cb))
		return zc__aio_fail(EINVAL);
	zc__aio_tag_set(cb, NULL, ZC__AIO_GLIBC);
	return real->fsync(op, cb);
}

/* ---- status ---- */

/*
 * An aiocb nobody serves (never submitted, an LIO_NOP entry, or its result
 * already taken) answers from its own fields, as glibc's aio_error() and
 * aio_return() always do: 0 and 0 for a zeroed one, and the final status
 * again after aio_return().
 */
int zc__aio_error(const struct zc__aio_real *real, const struct aiocb *cb)
{
	if (zc__aio_bad_ptr(cb))
		return zc__aio_fail(EINVAL);
	switch (zc__aio_tag_owner(cb)) {
	case ZC__AIO_OURS:
		return zc__aio_load_err(cb); /* no lock: signal-safe */
	case ZC__AIO_GLIBC:
		return real->error(cb);
	}
	return zc__aio_load_err(cb);
}

ssize_t zc__aio_return(const struct zc__aio_real *real, struct aiocb *cb)
{
	ssize_t v;
	int err;

	if (zc__aio_bad_ptr(cb))
		return zc__aio_fail(EINVAL);
	switch (zc__aio_tag_owner(cb)) {
	case ZC__AIO_OURS:
		err = zc__aio_load_err(cb);
		if (err == EINPROGRESS)
			return zc__aio_fail(EINVAL);
		v = cb->__return_value;
		zc__aio_tag_set(cb, NULL, ZC__AIO_RETURNED);
		if (v < 0)
			errno = err;
		return v;
	case ZC__AIO_GLIBC:
		v = real->ret(cb);
		err = errno;
		zc__aio_tag_set(cb, NULL, ZC__AIO_RETURNED);
		errno = err;
		return v;
	}
	return cb->__return_value;
}

/* ---- waiting ---- */

static int zc__aio_ts_check(const struct timespec *ts)
{
	return ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L
		       ? -EINVAL
		       : 0;
}

static struct timespec zc__aio_ts_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

/* @deadline - now, or false when it has passed. */
static bool zc__aio_ts_left(const struct timespec *deadline,
			    struct timespec *left)
{
	struct timespec now = zc__aio_ts_now();

	left->tv_sec = deadline->tv_sec - now.tv_sec;
	left->tv_nsec = deadline->tv_nsec - now.tv_nsec;
	if (left->tv_nsec < 0) {
		left->tv_nsec += 1000000000L;
		left->tv_sec--;
	}
	return left->tv_sec > 0 || (left->tv_sec == 0 && left->tv_nsec > 0);
}

/*
 * Whether any entry is no longer in progress (1), else 0; the glibc ones
 * still in progress are collected in @gl.
 */
static int zc__aio_scan(const struct zc__aio_real *real,
			const struct aiocb *const list[], int n,
			const struct aiocb **gl, int *ng, bool *ours)
{
	int i;

	*ng = 0;
	*ours = false;
	for (i = 0; i < n; i++) {
		const struct aiocb *cb = list[i];

		if (!cb)
			continue;
		if (zc__aio_bad_ptr(cb))
			return -EINVAL;
		switch (zc__aio_tag_owner(cb)) {
		case ZC__AIO_OURS:
			if (zc__aio_load_err(cb) != EINPROGRESS)
				return 1;
			*ours = true;
			break;
		case ZC__AIO_GLIBC:
			if (real->error(cb) != EINPROGRESS)
				return 1;
			gl[(*ng)++] = cb;
			break;
		default: return 1; /* not in progress: nothing to wait for */
		}
	}
	return 0;
}

struct zc__aio_list {
	const struct aiocb *const *list;
	int n;
};

/* Whether an entry of the list is no longer in progress. */
static bool zc__aio_list_ready(const void *arg)
{
	const struct zc__aio_list *l = arg;

	for (int i = 0; i < l->n; i++) {
		const struct aiocb *cb = l->list[i];

		if (cb && (zc__aio_tag_owner(cb) != ZC__AIO_OURS ||
			   zc__aio_load_err(cb) != EINPROGRESS))
			return true;
	}
	return false;
}

static int zc__aio_suspend_nc(const struct zc__aio_real *real,
		    const struct aiocb *const list[], int n,
		    const struct timespec *timeout)
{
	const struct aiocb *stack_gl[32], **gl = stack_gl;
	struct zc__aio_list lr = { .list = list, .n = n };
	struct timespec deadline, left, slice;
	int ret, ng;
	bool ours;

	if (n < 0 || (n && !list) || (timeout && zc__aio_ts_check(timeout)))
		return zc__aio_fail(EINVAL);
	if (n > 32 && !(gl = calloc((size_t)n, sizeof(*gl))))
		return zc__aio_fail(EAGAIN);
	if (timeout) {
		deadline = zc__aio_ts_now();
		deadline.tv_sec += timeout->tv_sec;
		deadline.tv_nsec += timeout->tv_nsec;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_nsec -= 1000000000L;
			deadline.tv_sec++;
		}
	}
	for (;;) {
		ret = zc__aio_scan(real, list, n, gl, &ng, &ours);
		if (ret)
			break;
		if (!ours && !ng) {
			ret = 1;
			break;
		}
		if (timeout && !zc__aio_ts_left(&deadline, &left)) {
			ret = -EAGAIN;
			break;
		}
		if (ng) {
			/* Both kinds: let glibc wait in short slices, and
			 * drive ours between them. */
			if (ours)
				zc__aio_poll();
			slice = (struct timespec){ .tv_nsec = 1000000 };
			if (!ours && timeout)
				slice = left;
			ret = real->suspend(gl, ng,
					    ours || timeout ? &slice : NULL);
			if (ret < 0 && errno == EINTR) {
				ret = -EINTR;
				break;
			}
			continue;
		}
		/* Only ours: drive the engine until one of them is done. */
		ret = zc__aio_wait(zc__aio_list_ready, &lr,
				   timeout ? &deadline : NULL);
		if (ret == -EINTR || ret == -EAGAIN)
			break;
	}
	if (gl != stack_gl)
		free(gl);
	return ret < 0 ? zc__aio_fail(-ret) : 0;
}

/* ---- cancel ---- */

static int zc__aio_cancel_nc(const struct zc__aio_real *real, int fd, struct aiocb *cb)
{
	struct stat st;
	bool ours;
	int ret;

	if (fstat(fd, &st) < 0)
		return zc__aio_fail(EBADF);
	if (cb && zc__aio_bad_ptr(cb))
		return zc__aio_fail(EINVAL);
	if (cb && cb->aio_fildes != fd)
		return zc__aio_fail(EINVAL);
	if (!S_ISSOCK(st.st_mode))
		return real->cancel(fd, cb);
	if (cb) {
		switch (zc__aio_tag_owner(cb)) {
		case ZC__AIO_GLIBC: return real->cancel(fd, cb);
		case ZC__AIO_OURS:
			if (zc__aio_load_err(cb) != EINPROGRESS)
				return AIO_ALLDONE;
			break;
		default: return AIO_ALLDONE;
		}
	}
	ret = zc__aio_cancel_fd(fd, &st, cb, &ours);
	if (!ours) /* a socket we do not serve */
		return cb ? AIO_ALLDONE : real->cancel(fd, NULL);
	return ret < 0 ? zc__aio_fail(-ret) : ret;
}

/* ---- lio_listio ---- */

static void zc__aio_fail_cb(struct aiocb *cb, int err)
{
	zc__aio_tag_set(cb, NULL, ZC__AIO_OURS);
	cb->__return_value = -1;
	__atomic_store_n(&cb->__error_code, err, __ATOMIC_RELEASE);
}

static bool zc__aio_group_done(const void *arg)
{
	const struct zc__aio_group *grp = arg;

	return __atomic_load_n(&grp->done, __ATOMIC_ACQUIRE);
}

/*
 * LIO_WAIT: until every entry of ours completed (the group's last
 * reference wakes us; signals restart the wait). Whether one failed.
 */
static bool zc__aio_wait_ours(struct zc__aio_group *grp,
			      struct aiocb *const list[], int n)
{
	int i;

	zc__aio_group_put(grp);
	while (zc__aio_wait(zc__aio_group_done, grp, NULL) < 0)
		; /* a signal: LIO_WAIT goes on waiting */
	for (i = 0; i < n; i++) {
		struct aiocb *cb = list[i];

		if (cb && cb->aio_lio_opcode != LIO_NOP &&
		    zc__aio_tag_owner(cb) == ZC__AIO_OURS &&
		    zc__aio_load_err(cb))
			return true;
	}
	return false;
}

static int zc__aio_listio_nc(const struct zc__aio_real *real, int mode,
		   struct aiocb *const list[], int n, struct sigevent *sev)
{
	struct zc__aio_group *grp = NULL;
	struct aiocb **gl = NULL;
	struct sigevent gsev;
	bool failed = false;
	int i, ng = 0, ret;

	/* No limit of our own: sysconf(_SC_AIO_LISTIO_MAX) says -1. */
	if ((mode != LIO_WAIT && mode != LIO_NOWAIT) || n < 0 || (n && !list))
		return zc__aio_fail(EINVAL);
	if (mode == LIO_NOWAIT && sev) {
		if (zc__aio_sev_check(sev) < 0)
			return zc__aio_fail(EINVAL);
		if (zc__aio_sev_notifies(sev)) {
			grp = calloc(1, sizeof(*grp));
			if (!grp)
				return zc__aio_fail(EAGAIN);
			grp->refs = 1; /* ours, until every entry is queued */
			grp->sev = *sev;
		}
	} else if (mode == LIO_WAIT) {
		grp = calloc(1, sizeof(*grp));
		if (!grp)
			return zc__aio_fail(EAGAIN);
		grp->refs = 1;
		grp->waited = true;
	}
	if (n && !(gl = calloc((size_t)n, sizeof(*gl)))) {
		free(grp);
		return zc__aio_fail(EAGAIN);
	}
	for (i = 0; i < n; i++) {
		struct aiocb *cb = list[i];
		bool to_glibc = false;
		int op;

		if (!cb || zc__aio_bad_ptr(cb))
			continue;
		op = cb->aio_lio_opcode;
		if (op == LIO_NOP)
			continue;
		if (op != LIO_READ && op != LIO_WRITE) {
			zc__aio_fail_cb(cb, EINVAL);
			failed = true;
			continue;
		}
		ret = zc__aio_submit_one(real, cb, op, grp, &to_glibc);
		if (ret < 0) {
			zc__aio_fail_cb(cb, -ret);
			failed = true;
		} else if (to_glibc) {
			gl[ng++] = cb;
		}
	}
	if (ng) {
		struct sigevent *gs = NULL;

		if (mode == LIO_NOWAIT && grp) {
			gsev = (struct sigevent){
				.sigev_notify = SIGEV_THREAD,
				.sigev_value.sival_ptr = grp,
				.sigev_notify_function =
					zc__aio_group_glibc_done,
			};
			__atomic_add_fetch(&grp->refs, 1, __ATOMIC_SEQ_CST);
			gs = &gsev;
		}
		if (real->listio(mode, gl, ng, gs) < 0) {
			failed = true;
			/*
			 * glibc notifies despite EIO (some queued); otherwise
			 * nothing was queued. Our own reference is still held,
			 * so this never drops the last one.
			 */
			if (gs && errno != EIO)
				__atomic_sub_fetch(&grp->refs, 1,
						   __ATOMIC_SEQ_CST);
		}
	}
	free(gl);
	zc__aio_drive();
	if (mode == LIO_WAIT) {
		if (zc__aio_wait_ours(grp, list, n))
			failed = true;
		free(grp);
	} else {
		zc__aio_group_put(grp);
	}
	return failed ? zc__aio_fail(EIO) : 0;
}

/*
 * The entry points run with cancellation disabled: a thread cancelled at a
 * cancellation point inside the layer (a poke's write(), a poll()) would
 * unwind holding its locks and stop every other thread's AIO.
 * aio_suspend() is a cancellation point itself, on entry.
 */
#define ZC__AIO_NOCANCEL(call)                                             \
	do {                                                               \
		int old_, ret_;                                            \
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old_);     \
		ret_ = (call);                                             \
		pthread_setcancelstate(old_, NULL);                        \
		return ret_;                                               \
	} while (0)

int zc__aio_submit(const struct zc__aio_real *real, struct aiocb *cb, int op,
		   struct zc__aio_group *grp)
{
	ZC__AIO_NOCANCEL(zc__aio_submit_nc(real, cb, op, grp));
}

int zc__aio_suspend(const struct zc__aio_real *real,
		    const struct aiocb *const list[], int n,
		    const struct timespec *timeout)
{
	pthread_testcancel();
	ZC__AIO_NOCANCEL(zc__aio_suspend_nc(real, list, n, timeout));
}

int zc__aio_cancel(const struct zc__aio_real *real, int fd, struct aiocb *cb)
{
	ZC__AIO_NOCANCEL(zc__aio_cancel_nc(real, fd, cb));
}

int zc__aio_listio(const struct zc__aio_real *real, int mode,
		   struct aiocb *const list[], int n, struct sigevent *sev)
{
	ZC__AIO_NOCANCEL(zc__aio_listio_nc(real, mode, list, n, sev));
}
