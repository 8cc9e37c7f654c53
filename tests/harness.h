/* SPDX-License-Identifier: MIT */
/*
 * harness.h - shared helpers of zcaio's integration tests.
 *
 * Every test is one program about one behaviour: exit 0 = pass, 1 = fail,
 * 77 = skip (with the reason printed). Data tests send a byte pattern
 * derived from the stream offset (and a per-stream seed), so the receiver
 * can tell corruption, loss, duplication and reordering apart: the first
 * byte that differs from what that offset must hold is reported.
 */
#ifndef ZCAIO_TESTS_HARNESS_H
#define ZCAIO_TESTS_HARNESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "zcaio.h"

#define H_KIB 1024ul
#define H_MIB (1024ul * 1024ul)

/* Byte the application writes over a buffer it got back, so a receiver
 * that sees it knows the kernel sent memory after it was released. */
#define H_GARBAGE 0xEE

#define H_NO_BAD UINT64_MAX

/* ---- outcome ---------------------------------------------------------- */

__attribute__((noreturn, format(printf, 1, 2))) void h_fail(const char *fmt,
							    ...);
__attribute__((noreturn, format(printf, 1, 2))) void h_skip(const char *fmt,
							    ...);
__attribute__((format(printf, 1, 2))) void h_info(const char *fmt, ...);

/* Records a failure but lets the test go on checking the rest; h_done()
 * then exits 1. For checks whose failure does not make what follows
 * meaningless. */
__attribute__((format(printf, 1, 2))) void h_fail_later(const char *fmt, ...);
/* Ends a test that got this far: exit 0, or 1 after h_fail_later(). */
__attribute__((noreturn)) void h_done(const char *name);

/* Fails the test with the condition's text and a formatted reason. */
#define H_CHECK(cond, ...)                                                    \
	do {                                                                  \
		if (!(cond)) {                                                \
			h_info("%s:%d: check failed: %s", __FILE__, __LINE__, \
			       #cond);                                        \
			h_fail(__VA_ARGS__);                                  \
		}                                                             \
	} while (0)

/* A library call that must return 0 (or a count >= 0). */
#define H_OK(call)                                                         \
	do {                                                               \
		long h_ret_ = (long)(call);                                \
		if (h_ret_ < 0)                                            \
			h_fail("%s:%d: %s = %ld (%s)", __FILE__, __LINE__, \
			       #call, h_ret_, zc_strerror((int)h_ret_));   \
	} while (0)

/* Ends the process with a failure if it is still running after @sec
 * seconds: a hang is a failure with a message, not a meson timeout. */
void h_watchdog(unsigned int sec);

/* Monotonic clock in milliseconds (fractions included). */
double h_now_ms(void);
void h_sleep_ms(int ms);

/* ---- the byte pattern ------------------------------------------------- */

/* The byte at stream offset @off of the stream named @seed. */
uint8_t h_pat(uint64_t seed, uint64_t off);
void h_fill(void *buf, uint64_t seed, uint64_t off, size_t len);
/* Returns H_NO_BAD, or the stream offset of the first wrong byte. */
uint64_t h_verify(const void *buf, uint64_t seed, uint64_t off, size_t len);
/* Prints what is at a bad offset: expected/got and a guess of the cause. */
void h_explain(const void *buf, uint64_t seed, uint64_t buf_off,
	       uint64_t bad_off, size_t len);

/* ---- sockets ---------------------------------------------------------- */

/*
 * A connected TCP pair over 127.0.0.1 on an ephemeral port. @rcvbuf sets
 * SO_RCVBUF of the receiving side (before listen, so the window scale
 * follows), @sndbuf SO_SNDBUF of the sending side; 0 leaves the default.
 * Both descriptors are blocking.
 */
void h_tcp_pair(int *snd, int *rcv, int rcvbuf, int sndbuf);
/*
 * Moves the process into a private network namespace (with lo up) that
 * vanishes with it: as root directly, else by running the program again
 * (with argv[1] and argv[2]) under `unshare -Urn`; skips when neither
 * works. Traffic and rules there touch nothing of the host.
 */
void h_private_netns(char **argv);
/* Runs a shell command (ip, tc, iptables ...); skips the test when it
 * fails: the tool or the kernel feature is missing. */
__attribute__((format(printf, 1, 2))) void h_cmd(const char *fmt, ...);
/* Close with SO_LINGER {1, 0}: the peer gets a reset. */
void h_close_reset(int fd);

/* ---- a receiver thread that checks the stream ------------------------- */

struct h_rx {
	/* set before h_rx_start() */
	int fd;
	uint64_t seed;
	uint64_t start_off; /* stream offset of the first byte to arrive */
	int stall_ms;	    /* sleep this long before the first read */
	bool hold;	    /* and wait for h_rx_release() too */
	size_t chunk;	    /* bytes per recv(); 0 = 256 KiB */
	int delay_us;	    /* sleep between reads */
	int timeout_ms;	    /* give up (err = ETIMEDOUT); 0 = 30 s */
	bool quiet;	    /* do not print the first corruption */

	/* results, valid after h_rx_join() */
	uint64_t total;	    /* bytes received */
	uint64_t bad_off;   /* H_NO_BAD, or first wrong stream offset */
	uint64_t bad_count; /* wrong bytes in all */
	int err; /* 0 = end of stream, else the errno that ended it */

	/* live */
	atomic_ullong progress;
	atomic_bool released;
	atomic_bool done;
	pthread_t tid;
	bool started;
};

void h_rx_start(struct h_rx *rx);
void h_rx_release(struct h_rx *rx);
/* Waits at most @ms for the thread to finish; fails the test otherwise. */
void h_rx_join(struct h_rx *rx, int ms);
/* Fails unless the thread saw exactly @want intact bytes and end of stream. */
void h_rx_expect_intact(const struct h_rx *rx, uint64_t want, const char *what);

/* ---- jobs ------------------------------------------------------------- */

struct h_jobs;

struct h_job {
	int idx;	 /* position in submission order */
	const void *buf; /* what was submitted */
	size_t len;
	uint64_t id;	    /* from zc_write() / zc_read() */
	int calls;	    /* callbacks seen */
	int seq;	    /* completion order (0-based), -1 before */
	double done_ms;	    /* h_now_ms() at the callback */
	struct zc_result r; /* copy of the result (r.buf/len kept) */
	struct h_jobs *set;
	/* optional hook, run inside the callback after bookkeeping */
	void (*on_done)(struct h_job *j, struct zc_sock *s);
	void *arg;
};

struct h_jobs {
	int n;
	int done;   /* callbacks seen in all */
	int extra;  /* callbacks beyond the first of a job */
	int bad_id; /* callbacks whose result did not match the job */
	struct h_job *job;
};

void h_jobs_init(struct h_jobs *set, int n);
void h_jobs_free(struct h_jobs *set);
/* The callback to hand the library, with a struct h_job as user data. */
void h_job_cb(struct zc_sock *s, const struct zc_result *r, void *user_data);
/* Queue a write of @len bytes at @buf as job @idx of @set. Returns the
 * library's return code; on success the job is armed. */
int h_write(struct h_jobs *set, int idx, struct zc_sock *s, const void *buf,
	    size_t len, const struct zc_write_opts *opts);
/* The same for zc_writev() of @n pieces: the job's len is their total. */
int h_writev(struct h_jobs *set, int idx, struct zc_sock *s,
	     const struct zc_iovec *iov, unsigned int n,
	     const struct zc_write_opts *opts);
/* Fails unless every job's callback ran exactly once and matched its job. */
void h_jobs_expect_once(const struct h_jobs *set, const char *what);
/* Fails unless callbacks ran in submission order. */
void h_jobs_expect_order(const struct h_jobs *set, const char *what);
/* Fails unless every job completed whole: res = its length, no error. */
void h_jobs_expect_full(const struct h_jobs *set, const char *what);

/* ---- driving the engine ------------------------------------------------ */

typedef bool (*h_cond_fn)(void *arg);

/* Runs the engine until @cond(@arg) holds; returns the milliseconds it took
 * or -1 when @ms passed first. Any error from zc_engine_run() fails. */
double h_run_until(struct zc_engine *e, h_cond_fn cond, void *arg, int ms);
/* Same, with "all jobs of @set called back" as the condition. */
double h_run_jobs(struct zc_engine *e, struct h_jobs *set, int ms);
/* zc_sock_close() and run the engine until its callback ran (at most @ms,
 * else fail); returns the callback's error. The handle is gone after. */
int h_close(struct zc_engine *e, struct zc_sock *s, int ms);
/* Runs the engine for about @ms whatever happens. */
void h_run_for(struct zc_engine *e, int ms);

/* Creates an engine with @params (NULL = defaults); skips the test when the
 * kernel or sandbox has no io_uring (-ENOSYS, -EPERM). */
struct zc_engine *h_engine(const struct zc_engine_params *params);

/* Sets the engine's tx_zcopy and threshold for one of the modes the tests
 * take on the command line: "off", "on", "pool", "auto". Zero-copy modes
 * set the threshold to 1 byte so every send is a zero-copy request. */
void h_engine_mode(struct zc_engine *e, const char *mode);

/* An engine for tests of the pin budget: zero-copy on for every send, the
 * budget set to @budget; skips on the copy backend, which pins nothing. */
struct zc_engine *h_engine_budget(uint64_t budget);
/*
 * A socket whose peer holds still (@rx->hold set here, 4 KiB window) and
 * one zero-copy write of @len bytes at @buf, job 0 of @set (inited here):
 * its pages stay pinned until h_rx_release(@rx). Fails unless at least
 * @len bytes are pinned. *@fd receives the sending descriptor.
 */
struct zc_sock *h_stalled_writer(struct zc_engine *e, struct h_rx *rx, int *fd,
				 struct h_jobs *set, const void *buf,
				 size_t len);
/* Condition for h_run_until(): the struct h_job @arg was called back. */
bool h_job_called(void *arg);

void h_print_stats(const char *what, const struct zc_stats *st);
/* Fails unless nothing is pinned beyond @pool_bytes and no release is
 * owed. */
void h_expect_released(struct zc_engine *e, uint64_t pool_bytes,
		       const char *what);

/*
 * Memory for @len bytes of jobs in test mode @mode: in mode "pool" a
 * registered pool, stored in *@pool and named in @opts (and *@optp set to
 * @opts when @optp is not NULL); plain mmap'd memory otherwise (*@pool
 * NULL, @opts and *@optp untouched). Fails the test on error.
 */
uint8_t *h_mode_mem(struct zc_engine *e, const char *mode, size_t len,
		    struct zc_pool **pool, struct zc_write_opts *opts,
		    const struct zc_write_opts **optp);
/* Gives back what h_mode_mem() returned. */
void h_mode_mem_free(uint8_t *mem, size_t len, struct zc_pool *pool);

/* mmap'd anonymous memory (page aligned), failing the test on error. */
void *h_alloc(size_t len);
void h_free(void *p, size_t len);

#endif /* ZCAIO_TESTS_HARNESS_H */
