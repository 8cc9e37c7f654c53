/* SPDX-License-Identifier: MIT */
/*
 * internal.h - the objects behind the opaque handles of zcaio.h and the
 * interface between the backend-independent job logic (sock.c) and a
 * backend (backend-uring.c).
 */
#ifndef ZCAIO_INTERNAL_H
#define ZCAIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "zcaio.h"

/* Intrusive doubly linked list, circular with a head node. */
struct zc__list {
	struct zc__list *next, *prev;
};

#define zc__container_of(ptr, type, member) \
	((type *)((char *)(ptr)-offsetof(type, member)))

static inline void zc__list_init(struct zc__list *h)
{
	h->next = h->prev = h;
}

static inline bool zc__list_empty(const struct zc__list *h)
{
	return h->next == h;
}

static inline void zc__list_add_tail(struct zc__list *h, struct zc__list *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void zc__list_del(struct zc__list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

/* Knob values as resolved for one engine, socket or job. */
struct zc__knobs {
	int tx_zcopy;	       /* enum zc_tx_zcopy, ZC_TX_INHERIT in sockets */
	uint64_t zc_threshold; /* UINT64_MAX in sockets = inherit */
	uint64_t seg_max;      /* UINT64_MAX in sockets = inherit */
	uint64_t deadline_ms;  /* 0 = none; UINT64_MAX in sockets = inherit */
};

#define ZC__DEFAULT_TX_ZCOPY	 ZC_TX_AUTO
#define ZC__DEFAULT_THRESHOLD	 (16u << 10)
#define ZC__DEFAULT_SEG_MAX	 (1u << 20)
#define ZC__DEFAULT_PIN_BUDGET	 (256ull << 20)
#define ZC__DEFAULT_AUTO_REPROBE 1024
#define ZC__POOL_MAX		 (1ull << 30) /* io_uring's limit per fixed buffer */
#define ZC__POOL_SLOTS		 64

/* alloc.c: calloc with a fault-injection hook for the tests. */
void *zc__calloc(size_t n, size_t size);

/* knobs.c: pure logic, unit tested. */
int zc__parse_size(const char *s, uint64_t *out);
int zc__parse_tx_zcopy(const char *s, int *out);
int zc__parse_backend(const char *s, int *out);
void zc__knobs_from_env(struct zc__knobs *k, uint64_t *pin_budget,
			uint64_t *auto_reprobe);
struct zc__knobs zc__knobs_resolve(const struct zc__knobs *engine,
				   const struct zc__knobs *sock, int job_tx);

/*
 * Auto mode, per socket: zero-copy until the kernel reports a copy, then
 * copy for `reprobe` sends, then one zero-copy send as a probe.
 */
struct zc__auto {
	bool copying;
	uint64_t until_probe;
};
bool zc__auto_want_zc(struct zc__auto *a);
/* Give back a probe that zc__auto_want_zc() granted but was not sent. */
void zc__auto_unwant(struct zc__auto *a);
/* Returns true when this report switched the socket to copying. */
bool zc__auto_report(struct zc__auto *a, bool copied, uint64_t reprobe);
/* Whether a send of seg bytes goes zero-copy under mode tx. */
bool zc__send_is_zc(int tx, uint64_t threshold, size_t seg, struct zc__auto *a);

enum zc__job_state {
	ZC__JOB_QUEUED,	 /* not started */
	ZC__JOB_SENDING, /* at least one send issued, more to come */
	ZC__JOB_SENT,	 /* no more sends; waiting for results/releases */
	ZC__JOB_DONE,	 /* on the engine's done list, callback pending */
};

/* A stretch of a write job's bytes: zc_write() has one, zc_writev() up to
 * ZC_IOV_MAX (empty ones dropped). */
struct zc__piece {
	char *base;
	size_t len;
	struct zc_pool *pool; /* NULL: plain memory */
};

struct zc__job {
	struct zc__list link; /* in the socket's queue, then the done list */
	struct zc_sock *sock;
	uint64_t id;
	enum zc_op op;
	enum zc__job_state state;
	char *buf;  /* zc_write()/zc_read()'s buffer; NULL for zc_writev() */
	size_t len; /* all its bytes */
	size_t off; /* bytes the kernel took */
	struct zc__piece *pieces; /* write: &one, or npieces allocated */
	unsigned int npieces;
	unsigned int piece; /* write: the piece where off lies ... */
	size_t piece_off;   /* ... and where in it */
	struct zc__piece one;
	struct zc__knobs knobs; /* resolved when queued */
	int error;
	unsigned int inflight; /* requests whose result is pending */
	unsigned int notifs;   /* releases the kernel still owes */
	bool cancel;
	bool released_by_kernel; /* some send of it awaited a release */
	uint64_t end;		 /* write: stream offset past its last byte
				  * the kernel took (s->tx_taken then) */
	int64_t deadline;	 /* CLOCK_MONOTONIC ms, 0 = none */
	uint32_t timer;		 /* index + 1 in the engine's timer heap */
	uint64_t bytes_zc, bytes_copied;
	zc_job_cb cb;
	void *user_data;
};

enum zc__op_kind {
	ZC__OP_SEND,
	ZC__OP_SEND_ZC,
	ZC__OP_RECV,
	ZC__OP_CANCEL,
};

/* The most pieces one send carries (a whole zc_writev() datagram fits). */
#define ZC__SEND_IOV ZC_IOV_MAX

/* One request to the kernel. */
struct zc__op {
	struct zc__job *job; /* RECV: its job; SEND: the first job it carries;
			      * NULL for CANCEL */
	struct zc_sock *sock;
	enum zc__op_kind kind;
	size_t len;
	/*
	 * SEND: the bytes it carries, iov[0, iovcnt): the rest of job from
	 * job_off on and, on a stream, the jobs queued after it, njobs in all
	 * (queue order). After the result, len and njobs count what the
	 * kernel took, which is what a release gives back.
	 */
	unsigned int njobs;
	size_t job_off;
	int slot; /* SEND_ZC: registered buffer of the pool every piece is
		   * in, or -1 */
	unsigned int iovcnt;
	struct iovec iov[ZC__SEND_IOV];
	struct msghdr msg; /* io_uring SENDMSG: read by the kernel at issue */
	size_t pinned;	   /* bytes counted in the budget until the release */
	bool notif_owed;
	struct zc__op *next_free;
	/* For backends that perform requests themselves (epoll). */
	struct zc__list link;
	void *buf;
	struct zc__op *target; /* CANCEL: the request to cancel */
	int res;
	bool res_notif;	  /* the result promises a release */
	bool res_pending; /* performed, result not yet reported */
	bool released;	  /* release seen before the result was reported */
	bool copied;
	bool cancel_asked; /* we asked the kernel to cancel this request */
};

struct zc_sock {
	struct zc_engine *e;
	int fd;
	struct zc__list link;	     /* engine's socket list */
	struct zc__list budget_link; /* engine's budget waiters */
	struct zc__list wq;	     /* write jobs, oldest first */
	struct zc__list rq;	     /* read jobs, oldest first */
	struct zc__job *tx_cur;	     /* the job being sent, or NULL */
	bool tx_busy;		     /* a send is in flight */
	unsigned int tx_solo;	     /* jobs that go out alone (txvec.c) */
	bool rx_busy;		     /* a recv is in flight */
	bool dgram; /* SOCK_DGRAM: a job is one datagram, never split */
	/*
	 * The connection's fate, one for both directions (fate.c): open,
	 * half-closed (rx_eof: the peer's FIN; fin: ours), or failed with
	 * fate < 0. SO_ERROR is read-and-clear: whichever direction takes a
	 * connection error records it here and both report it.
	 */
	int fate;
	bool rx_eof, fin;
	uint64_t tx_taken; /* stream bytes our sends handed the kernel */
	uint64_t acked;	   /* of those, acknowledged as far as we know
			    * (frozen at an abort) */
	int tx_broken;	   /* a write failed after part of it went out:
			    * the stream has a hole, later writes fail */
	int rx_broken;	   /* a read failed: the stream ends for reads */
	bool closing, shut, aborted, close_queued, teardown, detached;
	bool no_shutdown;   /* ZC_OPT_SHUTDOWN_ON_CLOSE = 0 */
	unsigned int ops;   /* requests in flight (incl. cancels) */
	size_t budget_need; /* bytes its next send waits for (budget.c) */
	struct zc__op *tx_op, *rx_op;
	struct zc__knobs knobs;
	struct zc__auto autozc;
	struct zc_stats stats;
	zc_close_cb close_cb;
	void *close_user;
	struct zc__list done_link; /* on the engine's done list when closed */
	void *be_sock;		   /* the backend's per-socket state */
};

struct zc_pool {
	struct zc_engine *e;
	void *base;
	size_t size;
	unsigned int slot;
	unsigned int users; /* jobs pointing into it */
};

struct zc__backend;

/* every flag we know */
#define ZC__ENGINE_FLAGS (ZC_ENGINE_ANY_THREAD | ZC_ENGINE_SQPOLL)

struct zc_engine {
	const struct zc__backend *be;
	void *be_data;
	unsigned long fork_gen;
	uint64_t owner;	 /* the creating thread (see zc__engine_check) */
	bool any_thread; /* ZC_ENGINE_ANY_THREAD */
	bool destroying; /* in zc_engine_destroy(): no new sockets, pools */
	struct zc__knobs knobs;
	uint64_t pin_budget;
	uint64_t auto_reprobe;
	bool unsafe_early; /* test hook only: see zc__test_early_complete() */
	bool in_callback;
	bool fd_exported;   /* the caller polls zc_engine_fd() */
	bool vec_fixed;	    /* a send of several pieces can use a registered
			     * buffer (io_uring SENDMSG_ZC, Linux 6.15) */
	bool budget_waking; /* zc__budget_wake() is running */
	bool budget_rewake; /* the front of the line moved: wake again */
	uint64_t max_jobs;
	struct zc__job **timers; /* min-heap of write deadlines (timer.c) */
	uint32_t ntimers, timers_cap;
	struct zc__list socks;
	struct zc__list budget_waiters;
	struct zc__list done;	/* jobs whose callbacks are due */
	struct zc__list closed; /* sockets whose close callbacks are due */
	uint64_t next_id;
	unsigned int pending;  /* jobs + closes not yet called back */
	uint64_t pinned_plain; /* zero-copy sends of plain memory in flight */
	struct zc_stats stats;
	struct zc_pool *pools[ZC__POOL_SLOTS];
	struct zc__op *op_free;
	struct zc__job *job_free;
};

/*
 * A backend: one file, one table of these functions (nginx's event
 * actions). It only issues requests and reports what the kernel said; the
 * core (core.h) decides everything else.
 *
 * Reporting. Every request accepted (send/recv/cancel returned 0) gets
 * exactly one zc__op_result(). A send whose result says notif_follows gets
 * exactly one zc__op_release() afterwards, never before its result: a
 * backend that sees the release first (MSG_ZEROCOPY's error queue can)
 * holds it until the result is told. A request refused (return < 0) was
 * never given to the kernel and is never reported.
 *
 * Re-entrancy, the rule a backend author must keep:
 *  - zc__op_result() is called from wait() only, never from inside send(),
 *    recv() or cancel();
 *  - zc__op_release() of an EARLIER send may be called from inside send()
 *    (msg_zerocopy drains its error queue there when optmem is full) as
 *    well as from wait();
 *  - from inside either report the core calls back into the backend:
 *    send(), recv() and cancel() for this or another socket, and detach
 *    never (sockets are detached only from callbacks' dispatch). So wait()
 *    must survive new requests queued while it reports, and send() must
 *    survive a recv() or cancel() of the same socket made from a release
 *    it reports.
 * The core keeps its side: it marks a send in flight (s->tx_busy) before
 * calling send(), so a release reported from inside cannot start a second
 * send on the same socket.
 */
/*
 * The most bytes one send or recv request carries: Linux moves at most
 * MAX_RW_COUNT (INT_MAX rounded down to a page) in one call, io_uring's
 * SQE length is 32 bits (liburing's prep helpers cut a size_t silently:
 * a 4 GiB + 16 byte send went out as 16 bytes) and its result an int.
 */
#define ZC__IO_MAX 0x7ffff000u

struct zc__backend {
	const char *name;
	bool zerocopy;	    /* can send zero-copy at all */
	bool fixed_buffers; /* pools are registered buffers: a zero-copy send
			     * from one uses its slot (op->slot) */
	/* The longest request it carries (<= ZC__IO_MAX): the core cuts
	 * stream segments and reads to it and refuses longer datagrams. */
	size_t io_max;
	int (*init)(struct zc_engine *e, const struct zc_engine_params *p);
	void (*fini)(struct zc_engine *e);
	int (*fd)(struct zc_engine *e);
	/* Optional: per-socket state, made at attach, freed at the end. */
	int (*attach)(struct zc_engine *e, struct zc_sock *s);
	void (*detach)(struct zc_engine *e, struct zc_sock *s);
	/* Queue a request; the backend may batch until wait(). A send's
	 * bytes are op->iov[0, op->iovcnt), op->len in all. */
	int (*send)(struct zc_engine *e, struct zc__op *op);
	int (*recv)(struct zc_engine *e, struct zc__op *op, void *buf,
		    size_t len);
	int (*cancel)(struct zc_engine *e, struct zc__op *target);
	/* Submit and reap; block up to timeout_ms (-1 forever) for events. */
	int (*wait)(struct zc_engine *e, int timeout_ms);
	/* Hand queued requests to the kernel without waiting. */
	void (*flush)(struct zc_engine *e);
	int (*pool_register)(struct zc_engine *e, struct zc_pool *p);
	void (*pool_unregister)(struct zc_engine *e, struct zc_pool *p);
};

extern const struct zc__backend zc__backend_uring;
extern const struct zc__backend zc__backend_msgzc;
extern const struct zc__backend zc__backend_copy;

/* Counters live per socket and per engine; gauges go down by adding -v. */
#define ZC__STAT_ADD(s, f, v)                     \
	do {                                      \
		(s)->stats.f += (uint64_t)(v);    \
		(s)->e->stats.f += (uint64_t)(v); \
	} while (0)

/* complete.c: events from the backend. */
void zc__op_result(struct zc__op *op, int res, bool notif_follows);
void zc__op_release(struct zc__op *op, bool copied);

/* engine.c */
int zc__engine_check(struct zc_engine *e);
int zc__engine_check_new(struct zc_engine *e);
struct zc__op *zc__op_get(struct zc_engine *e);
void zc__op_put(struct zc_engine *e, struct zc__op *op);

/* complete.c */
int zc__run_callbacks(struct zc_engine *e);

/* sock.c */
void zc__sock_kick(struct zc_sock *s);
void zc__sock_free(struct zc_sock *s);
void zc__sock_teardown(struct zc_sock *s);
void zc__sock_abort_err(struct zc_sock *s, int err);

/* budget.c: let waiters go while the next one fits (the budget grew). */
void zc__budget_wake(struct zc_engine *e);

/* timer.c */
int64_t zc__now_ms(void);
/* The earliest deadline, INT64_MAX when none. */
int64_t zc__timer_next(const struct zc_engine *e);
/* Judge the deadlines due at now: call after reaping, never before. */
void zc__timers_run(struct zc_engine *e, int64_t now);
void zc__timers_fini(struct zc_engine *e);

/*
 * Test hooks: built only into zcaio_internal, the static library the tests
 * that need them link (-DZC__TEST_HOOKS); libzcaio.so has none of them, so
 * no program can switch them on.
 */
#ifdef ZC__TEST_HOOKS
/* Complete write jobs when their bytes are queued, before the kernel
 * releases the pages: breaks the contract on purpose, so the suite can
 * show that its byte check catches early reuse. */
void zc__test_early_complete(struct zc_engine *e, bool on);
/* msg_zerocopy: sockets attached from now on see the kernel's
 * notification ids plus this bias (mod 2^32), so a test reaches the
 * 32-bit wrap in a few hundred sends. */
extern uint32_t zc__test_zc_id_bias;
#endif

#endif
