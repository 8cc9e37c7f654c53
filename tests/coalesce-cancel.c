// SPDX-License-Identifier: MIT
/*
 * coalesce-cancel MODE - cancel a job in the middle of a shared send.
 *
 * Eight 64 KiB jobs are queued at once on a socket with 4 KiB buffers.
 * The peer reads the first job and a little more, then stops: the send
 * after the first carries the other seven and stays in flight. Job 4,
 * inside that send and not started, is cancelled; then the peer reads to
 * the end. Must hold: job 4 completes once with -ECANCELED (res -ECANCELED
 * if none of it went out, or a short count), the others with their full
 * length and no error, in queue order (the cancel does not cut its
 * neighbours), and the peer receives exactly each job's bytes up to its
 * count, in order: byte for byte what the results say went out.
 *
 * MODE: off, on, pool.
 */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NJOBS 8
#define JOB (64 * H_KIB)
#define VICTIM 4
#define SEED 43

struct capture {
	int fd;
	uint8_t *buf;
	size_t cap, got;
	atomic_size_t allow; /* read no further than this for now */
	atomic_bool done;
	int err;
};

/* Reads to end of stream, pausing whenever it reaches c->allow. */
static void *capture_main(void *arg)
{
	struct capture *c = arg;

	for (;;) {
		size_t room = atomic_load(&c->allow) - c->got;
		ssize_t n;

		if (!room) {
			h_sleep_ms(1);
			continue;
		}
		n = recv(c->fd, c->buf + c->got, room, 0);

		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || c->got == c->cap) {
			c->err = n < 0 ? errno : EMSGSIZE;
			break;
		}
		c->got += (size_t)n;
	}
	atomic_store(&c->done, true);
	return NULL;
}

/* The send after the first one is in flight. */
static bool second_send(void *arg)
{
	struct zc_sock *s = arg;
	struct zc_stats st;

	return zc_sock_stats(s, &st) == 0 && st.sends >= 2;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	const struct zc_write_opts *optp = NULL;
	struct capture cap = { 0 };
	struct zc_pool *pool = NULL;
	struct h_jobs jobs;
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_stats st;
	pthread_t tid;
	uint8_t *mem;
	size_t want = 0;
	int sfd, rfd, ret;

	h_watchdog(60);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_mode_mem(e, mode, NJOBS * JOB, &pool, &opts, &optp);
	h_fill(mem, SEED, 0, NJOBS * JOB);
	h_jobs_init(&jobs, NJOBS);
	h_tcp_pair(&sfd, &rfd, 4096, 4096);
	H_OK(zc_sock_attach(e, sfd, &s));
	cap.fd = rfd;
	cap.cap = NJOBS * JOB + 1;
	cap.buf = h_alloc(cap.cap);
	atomic_store(&cap.allow, JOB + 8 * H_KIB);
	pthread_create(&tid, NULL, capture_main, &cap);
	for (int i = 0; i < NJOBS; i++)
		H_OK(h_write(&jobs, i, s, mem + (size_t)i * JOB, JOB, optp));
	H_CHECK(h_run_until(e, second_send, s, 10000) >= 0,
		"the send after the first did not start in 10 s");
	h_run_for(e, 50);
	for (int i = 1; i < NJOBS; i++)
		H_CHECK(jobs.job[i].calls == 0,
			"job %d completed while the peer reads nothing", i);
	ret = zc_cancel(s, jobs.job[VICTIM].id);
	H_CHECK(ret == 0, "zc_cancel of job %d inside the send: %d (%s)",
		VICTIM, ret, zc_strerror(ret));
	atomic_store(&cap.allow, cap.cap);
	double ms = h_run_jobs(e, &jobs, 40000);
	H_CHECK(ms >= 0, "only %d of %d jobs completed in 40 s", jobs.done,
		NJOBS);
	h_jobs_expect_once(&jobs, "coalesce-cancel");
	/* A cancelled job that never started may end ahead of the others. */
	for (int i = 1, prev = 0; i < NJOBS; i++) {
		if (i == VICTIM)
			continue;
		H_CHECK(jobs.job[i].seq > jobs.job[prev].seq,
			"job %d completed before job %d", i, prev);
		prev = i;
	}
	for (int i = 0; i < NJOBS; i++) {
		const struct zc_result *r = &jobs.job[i].r;

		h_info("job %d: res %zd error %d", i, r->res, r->error);
		if (i == VICTIM) {
			H_CHECK(r->error == -ECANCELED &&
					(r->res == -ECANCELED ||
					 (r->res >= 0 && r->res < (ssize_t)JOB)),
				"cancelled job: res %zd error %d", r->res,
				r->error);
		} else {
			H_CHECK(r->res == (ssize_t)JOB && !r->error,
				"job %d next to the cancelled one: res %zd "
				"error %d (%s)",
				i, r->res, r->error, zc_strerror(r->error));
		}
	}
	H_OK(zc_sock_stats(s, &st));
	h_print_stats("socket", &st);
	H_CHECK(h_close(e, s, 10000) == 0, "close callback reported an error");
	close(sfd);
	pthread_join(tid, NULL);
	H_CHECK(!cap.err, "receiver: %s", strerror(cap.err));
	/* What went out: each job's bytes up to its count, in order. */
	for (int i = 0; i < NJOBS; i++) {
		ssize_t res = jobs.job[i].r.res;
		size_t n = res > 0 ? (size_t)res : 0;

		H_CHECK(want + n <= cap.got,
			"the peer got %zu bytes, the results say at least %zu",
			cap.got, want + n);
		H_CHECK(!memcmp(cap.buf + want, mem + (size_t)i * JOB, n),
			"job %d's %zu bytes are not what arrived at stream "
			"offset %zu",
			i, n, want);
		want += n;
	}
	H_CHECK(cap.got == want, "the peer got %zu bytes, the results say %zu",
		cap.got, want);
	h_info("%s: peer got %zu bytes, as the results say, in %.0f ms", mode,
	       cap.got, ms);
	h_free(cap.buf, cap.cap);
	h_mode_mem_free(mem, NJOBS * JOB, pool);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(rfd);
	h_jobs_free(&jobs);
	h_info("PASS coalesce-cancel %s", mode);
	return 0;
}
