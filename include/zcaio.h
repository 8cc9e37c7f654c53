/* SPDX-License-Identifier: MIT */
/*
 * zcaio.h - asynchronous, zero-copy socket I/O for Linux.
 *
 * A write job sends straight from the caller's memory and completes only
 * after the kernel has released every page of it: once the job's callback
 * runs, the caller owns the buffer again and the library never reads or
 * writes it after that.
 *
 * Rules that hold for every call:
 *  - Every function returns 0 (or a count) on success and a negative errno
 *    on failure. Nothing aborts the process and nothing prints.
 *  - A call that takes a callback and fails never calls that callback.
 *  - Callbacks run only inside zc_engine_run() (or zc_engine_destroy()),
 *    on the thread that drives the engine. Inside a callback the caller may
 *    queue new jobs, cancel jobs and close sockets, but not destroy the
 *    engine (-EBUSY).
 *  - One engine per thread: every call on an engine, its sockets and pools
 *    (but the plain accessors zc_sock_fd, zc_pool_base, zc_pool_size)
 *    must come from the thread that created the engine; from another it
 *    fails with -EXDEV and does nothing, on every backend (the engine
 *    stays usable from its own thread). ZC_ENGINE_ANY_THREAD lifts this:
 *    see enum zc_engine_flags.
 *  - An engine used from a forked child returns -ECHILD from every call;
 *    the parent keeps working.
 *  - Never raises SIGPIPE.
 *
 * ABI: structs the caller passes or receives by pointer (struct
 * zc_engine_params, struct zc_stats) keep reserved space, so later
 * versions add fields without changing their size; programs built against
 * an older header keep working with a newer library (and those built
 * against 0.1, before the reserved space, get the 0.1 layout through
 * versioned symbols).
 */
#ifndef ZCAIO_H
#define ZCAIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "zcaio-version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(ZCAIO_BUILDING)
#define ZC_API __attribute__((visibility("default")))
#else
#define ZC_API
#endif

struct zc_engine;
struct zc_sock;
struct zc_pool;

/* How a write goes out. Read once, when the job is queued. */
enum zc_tx_zcopy {
	ZC_TX_INHERIT = -1, /* per socket / per job: take the level above */
	ZC_TX_OFF = 0,	    /* always copy (plain send) */
	ZC_TX_ON = 1,	    /* always zero-copy (at or above the threshold) */
	ZC_TX_AUTO = 2,	    /* zero-copy, but stop paying for it on a socket
			     * where the kernel reports it copied anyway;
			     * probe again now and then */
};

/* Options, for zc_engine_setopt() and zc_sock_setopt(). */
enum zc_opt {
	ZC_OPT_TX_ZCOPY = 1,	 /* enum zc_tx_zcopy; default ZC_TX_AUTO */
	ZC_OPT_ZC_THRESHOLD = 2, /* bytes; sends shorter than this are copied
				  * (a send may carry several small jobs);
				  * default 16 KiB */
	ZC_OPT_SEG_MAX = 3,	 /* bytes; the largest single send (of one
				  * job, or of several small jobs queued
				  * together); default 1 MiB; above
				  * 0x7ffff000 (the most one request
				  * carries) acts as that */
	ZC_OPT_PIN_BUDGET = 4,	 /* bytes; engine only: the most memory the
				  * library keeps pinned at once (registered
				  * pools plus zero-copy sends of plain memory
				  * awaiting release); default 256 MiB */
	ZC_OPT_AUTO_REPROBE = 5, /* sends; engine only: in auto mode, after this
				  * many copied sends try zero-copy once more;
				  * default 1024 */
	ZC_OPT_DEADLINE_MS = 6,	 /* ms a write job may take from zc_write() to
				  * its completion; 0 = none (default). When
				  * one passes, the connection is reset and
				  * every job on it the peer did not
				  * acknowledge fails with -ETIMEDOUT once its
				  * pages are back. Judged after reaping: a
				  * late zc_engine_run() never fails a job the
				  * kernel finished. On a TCP socket, also
				  * sets TCP_USER_TIMEOUT to the same value. */
	ZC_OPT_MAX_JOBS = 7,	 /* engine only: the most jobs (and closes)
				  * pending at once; zc_write()/zc_read()
				  * beyond it return -EAGAIN; 0 = no cap
				  * (default) */
	ZC_OPT_SHUTDOWN_ON_CLOSE = 8, /* socket only: 1 (default) =
				  * zc_sock_close() shuts the sending side
				  * down after the last write; 0 = it does
				  * not, for a descriptor that others share
				  * (dup, fork, SCM_RIGHTS): the peer sees
				  * the end of the stream when the last
				  * descriptor of the socket is closed */
};

/* How the engine talks to the kernel. */
enum zc_backend {
	ZC_BACKEND_AUTO = 0,  /* the best that works here, in this order: */
	ZC_BACKEND_URING = 1, /* io_uring SEND_ZC, fixed buffers */
	ZC_BACKEND_MSG_ZEROCOPY = 2, /* epoll + sendmsg(MSG_ZEROCOPY) */
	ZC_BACKEND_COPY = 3,	     /* epoll + send(): always copies */
};

/* Flags for struct zc_engine_params.flags. */
enum zc_engine_flags {
	/*
	 * The engine may be called from any thread, one call at a time: the
	 * caller serialises every call on the engine, its sockets and pools
	 * (e.g. with its own mutex) and callbacks run on whichever thread
	 * calls zc_engine_run(). io_uring then runs without SINGLE_ISSUER and
	 * DEFER_TASKRUN. Requests a thread handed to the
	 * kernel survive that thread's exit: the kernel cancels them, and the
	 * engine issues them again from the thread that drives it next.
	 * io_uring posts a request's completion from the task that submitted
	 * it, interrupting that thread if it sleeps: a blocking call there
	 * may then fail with EINTR as for a signal (epoll_wait(), a recv()
	 * with SO_RCVTIMEO, sigwaitinfo()). ZC_ENGINE_SQPOLL avoids that.
	 */
	ZC_ENGINE_ANY_THREAD = 1u << 0,
	/*
	 * io_uring only (ignored by the other backends): a kernel thread of
	 * the ring issues every request (IORING_SETUP_SQPOLL), so the
	 * caller's threads are never interrupted for completions and a
	 * request never belongs to a thread that may exit. The cost: that
	 * thread polls for new requests for 1 ms after each, on a CPU, and
	 * its time counts as the process's.
	 */
	ZC_ENGINE_SQPOLL = 1u << 1,
};

/*
 * Engine creation parameters: zero-initialise ALL of it (= {0}) and set
 * what you need. reserved is room for fields of later versions (zero
 * means their default); a nonzero reserved word is -EINVAL, so a program
 * that sets a field this library does not know gets an error, never a
 * silently ignored setting.
 */
struct zc_engine_params {
	unsigned int sq_entries; /* io_uring: 0 = default (256) */
	unsigned int cq_entries; /* io_uring: 0 = default (4 * sq_entries) */
	unsigned int flags;	 /* enum zc_engine_flags; unknown bits EINVAL */
	int backend;		 /* enum zc_backend; AUTO = ZCAIO_BACKEND or
				  * the best available */
	uint64_t reserved[6];	 /* must be 0 */
};

/*
 * Counters, per engine (over all its sockets, ever) or per socket. All
 * count since creation except the two gauges, notifs_outstanding and
 * bytes_pinned, which tell the present (an engine's bytes_pinned includes
 * its pools, which belong to no socket).
 */
struct zc_stats {
	uint64_t jobs_queued;	  /* write and read jobs accepted */
	uint64_t jobs_done;	  /* callbacks run with res >= 0, no error */
	uint64_t jobs_failed;	  /* callbacks run with an error */
	uint64_t bytes_written;	  /* bytes the kernel took from write jobs */
	uint64_t bytes_read;	  /* bytes delivered to read jobs */
	uint64_t sends;		  /* send requests issued */
	uint64_t sends_zc;	  /* of which zero-copy requests */
	uint64_t short_sends;	  /* sends the kernel took only in part */
	uint64_t bytes_zc;	  /* bytes the kernel reported sent zero-copy */
	uint64_t bytes_zc_copied; /* bytes of zero-copy requests that the
				      * kernel reported it copied anyway */
	uint64_t bytes_copied;	  /* bytes sent by the copying path */
	uint64_t notifs_outstanding; /* releases the kernel still owes us */
	uint64_t bytes_pinned;	     /* bytes pinned now (pools + in flight) */
	uint64_t auto_fallbacks;     /* auto mode switched a socket to copy */
	/*
	 * Bytes of this struct the library filled in: a counter at an offset
	 * at or past it is one this (older) library does not keep, and reads
	 * 0 there. Test with offsetof(struct zc_stats, field) < size.
	 */
	uint64_t size;
	uint64_t reserved[17]; /* room for counters of later versions */
};

enum zc_op {
	ZC_OP_WRITE = 1,
	ZC_OP_READ = 2,
};

/*
 * What a finished job reports. Valid only during the callback.
 *
 * res:   write: bytes the kernel took; read: bytes received, 0 = end of
 *        stream; or a negative errno when nothing was transferred.
 * error: 0, or the negative errno that ended the job. A job that failed
 *        after partial progress has res = bytes transferred (short) and
 *        error set: the bytes before res went out in order, nothing after.
 *        A job that failed with nothing transferred has res == error.
 */
struct zc_result {
	uint64_t id;
	enum zc_op op;
	int error;
	ssize_t res;
	void *buf;
	size_t len;
	uint64_t bytes_zc;     /* bytes of this job the kernel sent zero-copy */
	uint64_t bytes_copied; /* bytes of this job that were copied, by the
				* copying path or by the kernel */
};

typedef void (*zc_job_cb)(struct zc_sock *sock, const struct zc_result *r,
			  void *user_data);
/* error: 0, or the error that broke the socket's sending side. */
typedef void (*zc_close_cb)(struct zc_sock *sock, int error, void *user_data);

/* Per-job options for zc_write(); NULL means "inherit everything". */
struct zc_write_opts {
	int tx_zcopy;	      /* enum zc_tx_zcopy, ZC_TX_INHERIT by default */
	struct zc_pool *pool; /* buffer lies inside this registered pool */
	unsigned int flags;   /* must be 0 */
	unsigned int deadline_ms; /* 0 = the socket's ZC_OPT_DEADLINE_MS */
};

/**
 * zc_version() - the running library's version as a string
 * "MAJOR.MINOR.PATCH" (ZC_VERSION_STRING is the header's).
 */
ZC_API const char *zc_version(void);

/**
 * zc_strerror() - a short, static description of a zcaio error.
 * @err: a negative errno as returned by the library.
 */
ZC_API const char *zc_strerror(int err);

/**
 * zc_engine_create() - create an engine bound to the calling thread.
 * @out:    receives the engine.
 * @params: NULL for defaults.
 *
 * The backend is @params->backend if set, else ZCAIO_BACKEND (io_uring,
 * msg_zerocopy, copy or auto) if set, else the first of io_uring (needs
 * IORING_OP_SEND_ZC), msg_zerocopy (needs SO_ZEROCOPY) and copy that
 * works. A backend asked for by name that cannot run is an error.
 * Reads defaults from the environment (see zcaio(7)): ZCAIO_TX_ZCOPY,
 * ZCAIO_ZC_THRESHOLD, ZCAIO_SEG_MAX, ZCAIO_PIN_BUDGET, ZCAIO_AUTO_REPROBE,
 * ZCAIO_DEADLINE_MS.
 * sq_entries may be at most 32768, cq_entries at most 65536; the
 * reserved words must be 0.
 * Return: 0, -EINVAL, -ENOMEM, or the kernel's error from setting up the
 * backend asked for (-ENOSYS, -EPERM: io_uring blocked; -EOPNOTSUPP: no
 * SEND_ZC or SO_ZEROCOPY).
 */
ZC_API int zc_engine_create(struct zc_engine **out,
			    const struct zc_engine_params *params);

/**
 * zc_engine_destroy() - tear an engine down.
 * @e: the engine.
 *
 * Queued jobs that never started complete with -ECANCELED; sockets with
 * started writes are aborted (reset) so the kernel releases their pages;
 * then the call waits until the kernel has released every page of every
 * job, runs the remaining callbacks, and frees everything. It never
 * returns while the kernel still holds a page of a job. Pools are
 * unregistered and unmapped. Sockets' file descriptors are not closed.
 * Callbacks run by this call cannot add work: zc_sock_attach() and
 * zc_pool_create() fail with -ESHUTDOWN, zc_write() and zc_read() with
 * -EPIPE (every socket is closing).
 * Return: 0, -EBUSY when called from a callback, -ECHILD in a forked child.
 */
ZC_API int zc_engine_destroy(struct zc_engine *e);

/**
 * zc_engine_backend() - the name of the backend the engine runs on:
 * "io_uring", "msg_zerocopy" or "copy" (a static string; NULL on error).
 */
ZC_API const char *zc_engine_backend(struct zc_engine *e);

/**
 * zc_engine_fd() - a file descriptor that becomes readable when
 * zc_engine_run() has work to do; add it to your own epoll set.
 */
ZC_API int zc_engine_fd(struct zc_engine *e);

/**
 * zc_engine_run() - submit queued work, reap completions, run callbacks.
 * @e:          the engine.
 * @timeout_ms: 0 = do not block, -1 = block until at least one callback
 *              ran, otherwise the most milliseconds to wait.
 *
 * A signal interrupting the wait makes the call return early, never an
 * error. Return: the number of callbacks run (0 on timeout), or -errno.
 */
ZC_API int zc_engine_run(struct zc_engine *e, int timeout_ms);

/**
 * zc_engine_pending() - number of jobs and closes not yet completed.
 */
ZC_API int zc_engine_pending(struct zc_engine *e);

/**
 * zc_engine_setopt() / zc_engine_getopt() - engine-wide knobs.
 * @opt: enum zc_opt.
 *
 * New values apply to jobs queued afterwards; queued jobs keep theirs.
 * Return: 0, -EINVAL (unknown option or value).
 */
ZC_API int zc_engine_setopt(struct zc_engine *e, int opt, uint64_t value);
ZC_API int zc_engine_getopt(struct zc_engine *e, int opt, uint64_t *value);

/**
 * zc_engine_stats() - read the engine's counters.
 * @out: filled in, reserved words zeroed; out->size tells how much of it
 *       this library version knows.
 */
ZC_API int zc_engine_stats(struct zc_engine *e, struct zc_stats *out);

/**
 * zc_pool_create() - map and register (pin) a buffer pool.
 * @e:    the engine.
 * @size: bytes, rounded up to the page size; at most 1 GiB.
 * @out:  receives the pool.
 *
 * The memory belongs to the caller to fill and read, except while a write
 * job that points into it is in flight (from zc_write() until its
 * callback). Counts against ZC_OPT_PIN_BUDGET.
 * Return: 0, -EINVAL, -ENOMEM (budget or memory), -ENOSPC (too many pools),
 * -ESHUTDOWN (from a callback run by zc_engine_destroy()).
 */
ZC_API int zc_pool_create(struct zc_engine *e, size_t size,
			  struct zc_pool **out);

/** zc_pool_base() - first byte of the pool's memory. */
ZC_API void *zc_pool_base(struct zc_pool *p);

/** zc_pool_size() - the pool's size in bytes. */
ZC_API size_t zc_pool_size(struct zc_pool *p);

/**
 * zc_pool_destroy() - unregister and unmap a pool.
 * Return: 0, -EBUSY while a job points into it.
 */
ZC_API int zc_pool_destroy(struct zc_pool *p);

/**
 * zc_sock_attach() - let the engine drive a connected socket.
 * @e:   the engine.
 * @fd:  a connected stream socket (TCP, AF_UNIX), or a connected datagram
 *       socket (UDP): there each write job goes out as exactly one send
 *       call, never split: one datagram, or one GSO batch when the caller
 *       set UDP_SEGMENT on the socket; each read job takes one datagram
 *       (an empty one completes with 0, which is not an end there). A
 *       datagram's error fails that job alone, never the socket.
 *       On the msg_zerocopy backend a socket that already has SO_ZEROCOPY
 *       set (used with MSG_ZEROCOPY before, whose ids cannot be known)
 *       copies, and so does a UDP socket from its first zero-copy send
 *       dropped after the datagram was built (netfilter: -EPERM; a full
 *       queue with IP_RECVERR: -ENOBUFS): it used up an id.
 *       The caller keeps owning
 *       the descriptor and must keep it open until zc_sock_close()'s
 *       callback has run (or zc_engine_destroy() returned).
 * @out: receives the socket handle.
 * Return: 0, -EBADF, -ENOTSOCK, -EPROTOTYPE (neither stream nor datagram),
 * -ENOMEM, -ESHUTDOWN (from a callback run by zc_engine_destroy()).
 */
ZC_API int zc_sock_attach(struct zc_engine *e, int fd, struct zc_sock **out);

/** zc_sock_fd() - the descriptor given to zc_sock_attach(). */
ZC_API int zc_sock_fd(struct zc_sock *s);

/**
 * zc_sock_setopt() / zc_sock_getopt() - per-socket overrides of
 * ZC_OPT_TX_ZCOPY, ZC_OPT_ZC_THRESHOLD, ZC_OPT_SEG_MAX (ZC_TX_INHERIT or
 * UINT64_MAX for "inherit").
 */
ZC_API int zc_sock_setopt(struct zc_sock *s, int opt, uint64_t value);
ZC_API int zc_sock_getopt(struct zc_sock *s, int opt, uint64_t *value);

/** zc_sock_stats() - this socket's counters. */
ZC_API int zc_sock_stats(struct zc_sock *s, struct zc_stats *out);

/**
 * zc_write() - queue a write job.
 * @s:    the socket.
 * @buf:  the bytes. The library may read them from this call until the
 *        callback runs; the caller must not modify or free them in that
 *        time. After the callback the library never touches them again.
 * @len:  1 byte or more.
 * @opts: NULL, or per-job options (zero-copy mode, pool).
 * @cb:   called once, after the kernel released every page of the job.
 * @user_data: passed to @cb.
 * @id:   NULL, or receives the job's id (for zc_cancel()).
 *
 * Jobs on one socket go out in the order queued, never interleaved, and
 * complete in that order (a cancelled job that never started completes at
 * once, ahead of earlier ones still waiting for their release). When
 * several jobs are queued on a stream socket, one send may carry several
 * of them (a vectored send of up to ZC_OPT_SEG_MAX bytes), which changes
 * none of this: each job still has its own result and its own callback.
 * Jobs are never held back waiting for more to come.
 * A stream job may be longer than 4 GiB: it goes out in sends of at most
 * 0x7ffff000 bytes (what one kernel call moves).
 * A zero-copy job whose pages came back before the peer acknowledged its
 * last byte, because the connection failed, reports the connection's
 * error even with res == len.
 * Return: 0, -EINVAL, -EPIPE (socket closing or aborted), -EAGAIN
 * (ZC_OPT_MAX_JOBS reached: retry after a completion), -ENOMEM, -ECHILD,
 * -EMSGSIZE (a datagram longer than one send carries, 0x7ffff000).
 */
ZC_API int zc_write(struct zc_sock *s, const void *buf, size_t len,
		    const struct zc_write_opts *opts, zc_job_cb cb,
		    void *user_data, uint64_t *id);

/* One piece of a vectored write job (zc_writev()). */
struct zc_iovec {
	const void *base;     /* may be NULL when len is 0 */
	size_t len;	      /* 0 is allowed: the piece is skipped */
	struct zc_pool *pool; /* NULL, or the registered pool base lies in */
};

/* The most pieces one zc_writev() job may have. */
#define ZC_IOV_MAX 64

/**
 * zc_writev() - queue one write job made of several pieces.
 * @s:      the socket.
 * @iov:    the pieces, in the order they go out (a header, then a body).
 *          The array is read during the call only; the memory each piece
 *          points to is owned as zc_write()'s @buf is: the library may
 *          read it from this call until the callback, never after.
 * @iovcnt: 1 to ZC_IOV_MAX pieces; their lengths add up to 1 byte or more.
 * @opts:   NULL, or per-job options as for zc_write(), with pool NULL:
 *          each piece names its own pool (any mix of pools and plain
 *          memory is allowed).
 * @cb, @user_data, @id: as for zc_write().
 *
 * The job is one job in every way zc_write()'s is (order, one completion
 * after every page of every piece was released, one result, cancel,
 * deadline): r->len is the total length, r->res the bytes the kernel took
 * from the pieces in order, and r->buf is NULL. On a datagram socket the
 * pieces form one datagram.
 * Return: as zc_write(); -EINVAL also for iovcnt 0 or above ZC_IOV_MAX, a
 * piece with len but no base, a total of 0 or above SSIZE_MAX, a piece
 * not inside its pool, or opts->pool set.
 */
ZC_API int zc_writev(struct zc_sock *s, const struct zc_iovec *iov,
		     unsigned int iovcnt, const struct zc_write_opts *opts,
		     zc_job_cb cb, void *user_data, uint64_t *id);

/**
 * zc_read() - queue a read job.
 * @buf: where to put received bytes. The library may write it from this
 *       call until the callback; after that never again.
 * @len: 1 byte or more.
 *
 * Several reads may be queued; they complete in order, each with what had
 * arrived (at least 1 byte), or 0 at end of stream; on a connection that
 * failed (a reset taken by either direction), its error instead of 0.
 * Return: 0, -EINVAL, -EPIPE, -EAGAIN (ZC_OPT_MAX_JOBS reached), -ENOMEM,
 * -ECHILD.
 */
ZC_API int zc_read(struct zc_sock *s, void *buf, size_t len, zc_job_cb cb,
		   void *user_data, uint64_t *id);

/**
 * zc_cancel() - cancel a job.
 * @id: from zc_write() / zc_read().
 *
 * A job that has not started completes with error -ECANCELED (and res
 * -ECANCELED, nothing having been sent); a write that a send carries with
 * earlier jobs but of which the kernel took nothing has not started: that
 * send is cancelled and the earlier jobs go on. A started write stops
 * after its current send is cancelled: it completes later, short, with error
 * -ECANCELED, after the kernel released its pages; for a stream this
 * leaves the peer with part of the job. A started read completes with
 * -ECANCELED, or with data if it arrived first.
 * Return: 0 (cancel requested), -ENOENT (no such job, already done or
 * already cancelled), -EALREADY (every byte is with the kernel already: it
 * completes normally once released).
 */
ZC_API int zc_cancel(struct zc_sock *s, uint64_t id);

/**
 * zc_sock_close() - graceful close.
 *
 * Sends every queued write job, then shuts down the sending side, then
 * cancels pending reads, and once every page is released calls @cb. The
 * handle is freed after @cb returns; the caller then closes the fd.
 * New jobs are refused with -EPIPE from this call on.
 * Return: 0, -EALREADY.
 */
ZC_API int zc_sock_close(struct zc_sock *s, zc_close_cb cb, void *user_data);

/**
 * zc_sock_abort() - reset the connection now.
 *
 * Sends a reset so the kernel drops what it still holds and releases the
 * pages promptly. Queued jobs fail with -ECONNABORTED (or the error the
 * connection failed with before), a started one with its short count and
 * an error, unless the peer had acknowledged all of it; each still
 * completes only after its pages came back. The handle stays valid: call zc_sock_close() to free it (its
 * callback then runs once every job completed).
 * Return: 0, -EALREADY.
 */
ZC_API int zc_sock_abort(struct zc_sock *s);

#ifdef __cplusplus
}
#endif
#endif /* ZCAIO_H */
