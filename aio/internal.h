/* SPDX-License-Identifier: MIT */
/*
 * internal.h - the POSIX AIO layer's shared pieces. Not installed.
 *
 * Three rooms:
 *   service.c  the engine and who drives it (the calling thread, under
 *              g.elock; a helper for what no caller drives), the
 *              descriptor table, the waiters;
 *   posix.c    the aio_* semantics seen by callers in any thread:
 *              checks, the aiocb tag, completion, notification, waiting;
 *   zc_aio.c / preload.c   the exported names, each binding the layer to
 *              its way of reaching glibc's own AIO.
 */
#ifndef ZCAIO_AIO_INTERNAL_H
#define ZCAIO_AIO_INTERNAL_H

#include <aio.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <zcaio.h>

/* glibc's AIO: called directly (zc_aio_*) or found by dlsym (preload). */
struct zc__aio_real {
	int (*read)(struct aiocb *cb);
	int (*write)(struct aiocb *cb);
	int (*fsync)(int op, struct aiocb *cb);
	int (*error)(const struct aiocb *cb);
	ssize_t (*ret)(struct aiocb *cb);
	int (*suspend)(const struct aiocb *const list[], int n,
		       const struct timespec *timeout);
	int (*cancel)(int fd, struct aiocb *cb);
	int (*listio)(int mode, struct aiocb *const list[], int n,
		      struct sigevent *sev);
	/*
	 * The preload sees every close(), dup2(), dup3() and close_range():
	 * a descriptor number it knows still names the same socket. Linked
	 * to zc_aio_*, each request checks (F_DUPFD_QUERY).
	 */
	bool sees_close;
};

enum zc__aio_state {
	ZC__AIO_FREE,
	ZC__AIO_QUEUED, /* handed over, the service thread has not seen it */
	ZC__AIO_HELD,	/* non-blocking write waiting for socket space */
	ZC__AIO_ENGINE, /* a zcaio job */
	ZC__AIO_DONE,
};

struct zc__aio_fd;
struct zc__aio_group;

/* One request: lives from submission to completion; the aiocb is the
 * caller's, never copied, and not touched after its error code is set. */
struct zc__aio_req {
	struct aiocb *cb;
	struct zc__aio_req *next;     /* submit queue, held queue, free list */
	struct zc__aio_req *lnext;    /* the socket's live list (service) */
	struct zc__aio_req **lprev;
	struct zc__aio_fd *f;
	struct zc__aio_group *grp;
	struct sigevent sev;	      /* copied at submission */
	void *buf;
	size_t len;
	uint64_t id;		      /* zcaio job id */
	uint32_t gen;
	int op;			      /* LIO_READ or LIO_WRITE */
	int state;
	int tx_zcopy;		      /* ZCAIO_TX_ZCOPY when submitted */
	bool nonblock;
	bool pinned;		      /* a cancel still looks at it */
	bool notifies;		      /* someone must drive to its signal */
	int cancel_ret;		      /* zc_cancel()'s answer */
	ssize_t res;		      /* final result, once DONE */
	int err;
};

/*
 * A socket the layer serves. The table maps the caller's descriptor to it;
 * the engine works on a duplicate the layer owns, so a close() by the
 * caller never leaves the engine sending on a reused descriptor number.
 * An entry with no request pending for ZC__AIO_IDLE_MS is let go (its
 * duplicate closed), so the layer never keeps a socket open that the
 * program closed.
 */
struct zc__aio_fd {
	int app_fd;
	int fd; /* our duplicate */
	dev_t dev;
	ino_t ino;
	/* Under g.lock: */
	unsigned int pending; /* requests not done */
	bool closed;	      /* no new requests reach this entry */
	bool on_closedq;
	struct zc__aio_fd *cnext;	/* g.closedq */
	struct zc__aio_fd *next, **pprev; /* g.all: every entry */
	/* Service thread only: */
	struct zc_sock *s;
	struct zc__aio_req *live; /* requests started, not done */
	struct zc__aio_req *held, **held_tail;
	unsigned int w_engine; /* write jobs in the engine */
	bool want_out;	       /* on the POLLOUT list */
	bool rx_ended;	       /* a read reported the connection's error */
	bool releasing;
	bool idle;	       /* on the idle list */
	int64_t idle_ms;
	struct zc__aio_fd *onext, **oprev; /* POLLOUT list */
	struct zc__aio_fd *inext, **iprev; /* idle list, oldest first */
};

/*
 * lio_listio(): LIO_NOWAIT with a notification fires it when refs reach
 * 0; LIO_WAIT sleeps on @done until then.
 */
struct zc__aio_group {
	unsigned int refs;
	bool waited; /* LIO_WAIT: the caller frees it */
	uint32_t done;
	struct sigevent sev;
};

/*
 * A thread waiting (aio_suspend(), lio_listio(LIO_WAIT)) while another
 * drives the engine: woken when @ready says so after a completion, or to
 * take the engine over.
 */
struct zc__aio_waiter {
	bool (*ready)(const void *arg);
	const void *arg;
	uint32_t woken; /* futex word */
	struct zc__aio_waiter *next, **pprev;
};

/* posix.c */
void zc__aio_complete(struct zc__aio_req *r, ssize_t res, int err);
void zc__aio_notify(const struct sigevent *sev);
void zc__aio_group_put(struct zc__aio_group *g);
int zc__aio_submit(const struct zc__aio_real *real, struct aiocb *cb, int op,
		   struct zc__aio_group *grp);
int zc__aio_fsync(const struct zc__aio_real *real, int op, struct aiocb *cb);
int zc__aio_error(const struct zc__aio_real *real, const struct aiocb *cb);
ssize_t zc__aio_return(const struct zc__aio_real *real, struct aiocb *cb);
int zc__aio_suspend(const struct zc__aio_real *real,
		    const struct aiocb *const list[], int n,
		    const struct timespec *timeout);
int zc__aio_cancel(const struct zc__aio_real *real, int fd, struct aiocb *cb);
int zc__aio_listio(const struct zc__aio_real *real, int mode,
		   struct aiocb *const list[], int n, struct sigevent *sev);

/* Who answers for an aiocb: its tag in glibc's reserved bytes says. */
enum zc__aio_owner {
	ZC__AIO_UNKNOWN = 0,
	ZC__AIO_OURS = 1,
	ZC__AIO_GLIBC = 2,
	ZC__AIO_RETURNED = 3, /* aio_return() was called */
};

void zc__aio_tag_set(struct aiocb *cb, struct zc__aio_req *r, int owner);
int zc__aio_tag_owner(const struct aiocb *cb);
struct zc__aio_req *zc__aio_tag_req(const struct aiocb *cb, uint32_t *gen);

/* Whether an aiocb of ours is no longer in progress. */
bool zc__aio_done(const struct aiocb *cb);
/* Whether a (checked) sigevent asks for anything at completion. */
bool zc__aio_sev_notifies(const struct sigevent *sev);

/* service.c */
struct stat;
int zc__aio_start(void);
/* The entry serving @fd and its duplicate's number (*@dupfd), or NULL;
 * *@trusted = false when a close may have gone unseen. */
struct zc__aio_fd *zc__aio_known(int fd, int *dupfd, bool *trusted);
/*
 * Queue a request: 0, 1 (not a stream socket: glibc's) or -errno. With
 * @st NULL, for the entry @known found (-ESTALE when it is gone).
 */
int zc__aio_enqueue(struct aiocb *cb, int op, const struct stat *st,
		    struct zc__aio_fd *known, struct zc__aio_group *grp,
		    int tx_zcopy, bool nonblock);
/* AIO_CANCELED, AIO_NOTCANCELED, AIO_ALLDONE or -errno; *ours = false
 * (and nothing done) when the layer does not serve the socket. */
int zc__aio_cancel_fd(int fd, const struct stat *st, struct aiocb *cb,
		      bool *ours);
void zc__aio_fd_closing(int fd);
bool zc__aio_fd_is_ours(int fd);
int zc__aio_fd_next_ours(unsigned int fd);
void zc__aio_fd_closing_range(unsigned int first, unsigned int last);
/*
 * The calling thread drives the engine: zc__aio_drive() after queueing,
 * zc__aio_poll() between glibc waits (at most every ZC__AIO_POLL_NS), and
 * zc__aio_wait() until @ready(@arg), inside the ring when no other thread
 * drives; @deadline (CLOCK_MONOTONIC) or NULL. 0, -EAGAIN or -EINTR.
 */
void zc__aio_drive(void);
void zc__aio_poll(void);
int zc__aio_wait(bool (*ready)(const void *arg), const void *arg,
		 const struct timespec *deadline);

#endif /* ZCAIO_AIO_INTERNAL_H */
