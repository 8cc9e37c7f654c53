// SPDX-License-Identifier: MIT
/*
 * engine.c - the engine: creation, the run loop that turns kernel events
 * into callbacks, knobs, counters, teardown, and the fork guard.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "internal.h"

/*
 * A forked child must never drive the parent's ring: a child's submit
 * desynchronised the parent's ring here and a job was lost. Every engine
 * remembers the fork generation it was made in.
 */
static unsigned long zc__fork_gen;
static pthread_once_t zc__fork_once = PTHREAD_ONCE_INIT;

static void zc__on_fork_child(void)
{
	__atomic_add_fetch(&zc__fork_gen, 1, __ATOMIC_RELAXED);
}

static void zc__fork_setup(void)
{
	pthread_atfork(NULL, NULL, zc__on_fork_child);
}

/*
 * Which thread calls: a number no other thread of the process ever gets
 * (a pthread_t or a tid may be reused by a thread made after one exits).
 */
static uint64_t zc__thread_next;
static _Thread_local uint64_t zc__thread_self;

static uint64_t zc__thread_id(void)
{
	if (!zc__thread_self)
		zc__thread_self = __atomic_add_fetch(&zc__thread_next, 1,
						     __ATOMIC_RELAXED);
	return zc__thread_self;
}

/*
 * The one place that decides whether a call may touch the engine. One
 * engine per thread (DESIGN.md 3.12): io_uring's SINGLE_ISSUER ring
 * refuses another thread's submits (-EEXIST) and its DEFER_TASKRUN
 * completions run only in the creator's task, so a foreign thread would
 * hang there while the epoll backends silently worked: every backend
 * gives -EXDEV instead, unless the engine was made ZC_ENGINE_ANY_THREAD.
 */
int zc__engine_check(struct zc_engine *e)
{
	if (!e)
		return -EINVAL;
	if (e->fork_gen != __atomic_load_n(&zc__fork_gen, __ATOMIC_RELAXED))
		return -ECHILD;
	if (!e->any_thread && e->owner != zc__thread_id())
		return -EXDEV;
	return 0;
}

/*
 * Whether the engine takes a new socket or pool. Not while it is being
 * destroyed: callbacks run from zc_engine_destroy(), and a socket one of
 * them attached (with a read queued that nothing completes) would escape
 * the teardown, which has already passed every socket.
 */
int zc__engine_check_new(struct zc_engine *e)
{
	int ret = zc__engine_check(e);

	return ret < 0 ? ret : e->destroying ? -ESHUTDOWN : 0;
}

#ifdef ZC__ABI_COMPAT
/* 0.2 gave these functions' structs reserved space: the default versions
 * are these, 0.1's are in abi-compat.c. */
__asm__(".symver zc_engine_create, zc_engine_create@@ZCAIO_0.2, remove");
__asm__(".symver zc_engine_stats, zc_engine_stats@@ZCAIO_0.2, remove");
__asm__(".symver zc_sock_stats, zc_sock_stats@@ZCAIO_0.2, remove");
#endif

const char *zc_version(void)
{
	return ZC_VERSION_STRING; /* generated from meson.build's project() */
}

const char *zc_strerror(int err)
{
	if (err == INT_MIN)
		return "unknown error";
	if (err > 0)
		err = -err;
	switch (err) {
	case 0: return "success";
	case -ECHILD: return "engine belongs to the parent process";
	case -EXDEV: return "engine belongs to another thread";
	case -ESHUTDOWN: return "engine is being destroyed";
	case -EBUSY: return "not allowed now (inside a callback, or in use)";
	case -ECANCELED: return "job cancelled";
	case -ECONNABORTED: return "connection aborted by the application";
	case -EPIPE: return "socket closing, closed or broken";
	case -ENOENT: return "no such job (or already completed)";
	default: return strerror(-err);
	}
}

struct zc__op *zc__op_get(struct zc_engine *e)
{
	struct zc__op *op = e->op_free;

	if (op)
		e->op_free = op->next_free;
	else if (!(op = zc__calloc(1, sizeof(*op))))
		return NULL;
	memset(op, 0, sizeof(*op));
	return op;
}

void zc__op_put(struct zc_engine *e, struct zc__op *op)
{
	op->next_free = e->op_free;
	e->op_free = op;
}

static const struct zc__backend *const zc__backends[] = {
	[ZC_BACKEND_URING] = &zc__backend_uring,
	[ZC_BACKEND_MSG_ZEROCOPY] = &zc__backend_msgzc,
	[ZC_BACKEND_COPY] = &zc__backend_copy,
};

/* The backend asked for, or the best one that works here. */
static int zc__backend_init(struct zc_engine *e,
			    const struct zc_engine_params *p)
{
	int want = p->backend, ret = -ENOSYS;

	if (want == ZC_BACKEND_AUTO &&
	    zc__parse_backend(getenv("ZCAIO_BACKEND"), &want) < 0)
		want = ZC_BACKEND_AUTO;
	if (want != ZC_BACKEND_AUTO) {
		e->be = zc__backends[want];
		return e->be->init(e, p);
	}
	for (int b = ZC_BACKEND_URING; b <= ZC_BACKEND_COPY; b++) {
		e->be = zc__backends[b];
		ret = e->be->init(e, p);
		if (ret != -ENOSYS && ret != -EPERM && ret != -EOPNOTSUPP &&
		    ret != -EACCES)
			return ret;
	}
	return ret;
}

const char *zc_engine_backend(struct zc_engine *e)
{
	return zc__engine_check(e) < 0 ? NULL : e->be->name;
}

int zc_engine_create(struct zc_engine **out,
		     const struct zc_engine_params *params)
{
	struct zc_engine_params p = { 0 };
	struct zc_engine *e;
	int ret;

	if (!out)
		return -EINVAL;
	if (params) {
		p = *params;
		for (size_t i = 0;
		     i < sizeof(p.reserved) / sizeof(p.reserved[0]); i++)
			if (p.reserved[i])
				return -EINVAL; /* a field we do not know */
		if ((p.flags & ~ZC__ENGINE_FLAGS) || p.sq_entries > 32768 ||
		    p.cq_entries > 65536 || p.backend < ZC_BACKEND_AUTO ||
		    p.backend > ZC_BACKEND_COPY ||
		    (p.cq_entries &&
		     p.cq_entries < (p.sq_entries ? p.sq_entries : 256)))
			return -EINVAL;
	}
	pthread_once(&zc__fork_once, zc__fork_setup);
	e = zc__calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fork_gen = __atomic_load_n(&zc__fork_gen, __ATOMIC_RELAXED);
	e->owner = zc__thread_id();
	e->any_thread = p.flags & ZC_ENGINE_ANY_THREAD;
	zc__knobs_from_env(&e->knobs, &e->pin_budget, &e->auto_reprobe);
	zc__list_init(&e->socks);
	zc__list_init(&e->budget_waiters);
	zc__list_init(&e->done);
	zc__list_init(&e->closed);
	e->next_id = 1;
	ret = zc__backend_init(e, &p);
	if (ret < 0) {
		free(e);
		return ret;
	}
	*out = e;
	return 0;
}

int zc_engine_fd(struct zc_engine *e)
{
	int ret = zc__engine_check(e);

	if (ret < 0)
		return ret;
	e->fd_exported = true;
	return e->be->fd(e);
}

int zc_engine_pending(struct zc_engine *e)
{
	int ret = zc__engine_check(e);

	return ret < 0 ? ret : (int)e->pending;
}

/* How long the backend may sleep: the caller's wish, capped by deadlines. */
static int zc__wait_ms(struct zc_engine *e, int timeout_ms, int64_t until,
		       int64_t now)
{
	int64_t cap = -1;

	if (timeout_ms == 0 || !e->pending)
		return 0; /* nothing pending could ever wake us */
	if (timeout_ms > 0)
		cap = until > now ? until - now : 0;
	if (zc__timer_next(e) != INT64_MAX) {
		int64_t next = zc__timer_next(e);
		int64_t left = next > now ? next - now : 0;

		if (cap < 0 || left < cap)
			cap = left;
	}
	return cap < 0 ? -1 : (int)(cap > INT32_MAX ? INT32_MAX : cap);
}

/*
 * One turn, in the order libuv's loop has: reap (the backend's wait hands
 * results and releases to complete.c), then judge the deadlines against
 * what the kernel finished, then run the callbacks.
 */
int zc_engine_run(struct zc_engine *e, int timeout_ms)
{
	bool timed = timeout_ms > 0;
	int64_t now = 0, until = 0;
	int n, ret;

	ret = zc__engine_check(e);
	if (ret < 0)
		return ret;
	if (e->in_callback)
		return -EBUSY;
	if (timed || e->ntimers)
		now = zc__now_ms();
	until = now + (timed ? timeout_ms : 0);
	n = zc__run_callbacks(e);
	for (;;) {
		ret = e->be->wait(
			e, n ? 0 : zc__wait_ms(e, timeout_ms, until, now));
		if (timed || e->ntimers)
			now = zc__now_ms();
		if (zc__timer_next(e) <= now)
			zc__timers_run(e, now);
		n += zc__run_callbacks(e);
		if (n || timeout_ms == 0 || ret == -EINTR ||
		    (ret < 0 && ret != -ETIME))
			break;
		if ((timed && now >= until) || !e->pending)
			break;
	}
	/* Callbacks queue work: hand it over before the caller sleeps. */
	e->be->flush(e);
	if (ret < 0 && ret != -ETIME && ret != -EINTR && !n)
		return ret;
	return n;
}

int zc_engine_destroy(struct zc_engine *e)
{
	struct zc__list *it, *next;
	int ret = zc__engine_check(e);

	if (ret < 0)
		return ret;
	if (e->in_callback)
		return -EBUSY;
	e->destroying = true;
	for (it = e->socks.next; it != &e->socks; it = it->next)
		zc__sock_teardown(zc__container_of(it, struct zc_sock, link));
	/*
	 * io_uring_queue_exit() does not wait for notifications: the kernel
	 * could still read a page after we returned. Wait for every one,
	 * judged after the callbacks (they may issue requests: a cancel).
	 */
	for (;;) {
		bool busy = false, due;

		zc__run_callbacks(e);
		for (it = e->socks.next; it != &e->socks; it = it->next)
			busy |= zc__container_of(it, struct zc_sock, link)->ops;
		due = !zc__list_empty(&e->done) || !zc__list_empty(&e->closed);
		if (!busy && !due)
			break;
		e->be->wait(e, due ? 0 : 100);
	}
	for (it = e->socks.next; it != &e->socks; it = next) {
		next = it->next;
		zc__sock_free(zc__container_of(it, struct zc_sock, link));
	}
	for (unsigned int i = 0; i < ZC__POOL_SLOTS; i++) {
		if (e->pools[i]) {
			e->pools[i]->users = 0;
			zc_pool_destroy(e->pools[i]);
		}
	}
	e->be->fini(e);
	zc__timers_fini(e);
	while (e->op_free) {
		struct zc__op *op = e->op_free;

		e->op_free = op->next_free;
		free(op);
	}
	while (e->job_free) {
		struct zc__job *job = e->job_free;

		e->job_free = (struct zc__job *)job->link.next;
		free(job);
	}
	free(e);
	return 0;
}

static int zc__knob_set(struct zc__knobs *k, int opt, uint64_t v,
			bool inherit_ok)
{
	switch (opt) {
	case ZC_OPT_TX_ZCOPY:
		if ((int64_t)v == ZC_TX_INHERIT && inherit_ok)
			k->tx_zcopy = ZC_TX_INHERIT;
		else if (v <= ZC_TX_AUTO)
			k->tx_zcopy = (int)v;
		else
			return -EINVAL;
		return 0;
	case ZC_OPT_ZC_THRESHOLD:
		if (v == UINT64_MAX && !inherit_ok)
			return -EINVAL;
		k->zc_threshold = v;
		return 0;
	case ZC_OPT_SEG_MAX:
		if (!v || (v == UINT64_MAX && !inherit_ok))
			return -EINVAL;
		k->seg_max = v;
		return 0;
	case ZC_OPT_DEADLINE_MS:
		if (v > INT32_MAX && !(v == UINT64_MAX && inherit_ok))
			return -EINVAL;
		k->deadline_ms = v;
		return 0;
	}
	return -EINVAL;
}

static int zc__knob_get(const struct zc__knobs *k, int opt, uint64_t *v)
{
	switch (opt) {
	case ZC_OPT_TX_ZCOPY: *v = (uint64_t)(int64_t)k->tx_zcopy; return 0;
	case ZC_OPT_ZC_THRESHOLD: *v = k->zc_threshold; return 0;
	case ZC_OPT_SEG_MAX: *v = k->seg_max; return 0;
	case ZC_OPT_DEADLINE_MS: *v = k->deadline_ms; return 0;
	}
	return -EINVAL;
}

int zc_engine_setopt(struct zc_engine *e, int opt, uint64_t value)
{
	int ret = zc__engine_check(e);

	if (ret < 0)
		return ret;
	switch (opt) {
	case ZC_OPT_PIN_BUDGET:
		if (!value)
			return -EINVAL;
		e->pin_budget = value;
		zc__budget_wake(e); /* a larger budget lets waiters go */
		return 0;
	case ZC_OPT_AUTO_REPROBE:
		if (!value || value == UINT64_MAX)
			return -EINVAL;
		e->auto_reprobe = value;
		return 0;
	case ZC_OPT_MAX_JOBS:
		if (value > INT32_MAX)
			return -EINVAL;
		e->max_jobs = value;
		return 0;
	}
	return zc__knob_set(&e->knobs, opt, value, false);
}

int zc_engine_getopt(struct zc_engine *e, int opt, uint64_t *value)
{
	int ret = zc__engine_check(e);

	if (ret < 0)
		return ret;
	if (!value)
		return -EINVAL;
	switch (opt) {
	case ZC_OPT_PIN_BUDGET: *value = e->pin_budget; return 0;
	case ZC_OPT_AUTO_REPROBE: *value = e->auto_reprobe; return 0;
	case ZC_OPT_MAX_JOBS: *value = e->max_jobs; return 0;
	}
	return zc__knob_get(&e->knobs, opt, value);
}

/* What a caller gets: the counters, its own size, zeroed reserved words. */
static void zc__stats_copy(struct zc_stats *out, const struct zc_stats *in)
{
	*out = *in;
	out->size = offsetof(struct zc_stats, size) + sizeof(out->size);
	memset(out->reserved, 0, sizeof(out->reserved));
}

int zc_engine_stats(struct zc_engine *e, struct zc_stats *out)
{
	int ret = zc__engine_check(e);

	if (ret < 0)
		return ret;
	if (!out)
		return -EINVAL;
	zc__stats_copy(out, &e->stats);
	return 0;
}

int zc_sock_setopt(struct zc_sock *s, int opt, uint64_t value)
{
	int ret = s ? zc__engine_check(s->e) : -EINVAL;

	if (ret < 0)
		return ret;
	if (opt == ZC_OPT_SHUTDOWN_ON_CLOSE) {
		if (value > 1)
			return -EINVAL;
		s->no_shutdown = !value;
		return 0;
	}
	ret = zc__knob_set(&s->knobs, opt, value, true);
	if (!ret && opt == ZC_OPT_DEADLINE_MS && value != UINT64_MAX) {
		unsigned int ms = (unsigned int)value;

		/* The kernel's own bound on unacknowledged data; not TCP: no-op */
		setsockopt(s->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
			   sizeof(ms));
	}
	return ret;
}

int zc_sock_getopt(struct zc_sock *s, int opt, uint64_t *value)
{
	int ret = s ? zc__engine_check(s->e) : -EINVAL;

	if (ret < 0)
		return ret;
	if (value && opt == ZC_OPT_SHUTDOWN_ON_CLOSE) {
		*value = !s->no_shutdown;
		return 0;
	}
	return value ? zc__knob_get(&s->knobs, opt, value) : -EINVAL;
}

int zc_sock_stats(struct zc_sock *s, struct zc_stats *out)
{
	int ret = s ? zc__engine_check(s->e) : -EINVAL;

	if (ret < 0)
		return ret;
	if (!out)
		return -EINVAL;
	zc__stats_copy(out, &s->stats);
	return 0;
}

#ifdef ZC__TEST_HOOKS
void zc__test_early_complete(struct zc_engine *e, bool on)
{
	e->unsafe_early = on;
}
#endif
