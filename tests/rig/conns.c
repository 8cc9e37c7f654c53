// SPDX-License-Identifier: MIT
/*
 * conns MODE - 1000 loopback connections on one engine, one 64 KiB write
 * job each, all queued at once, each followed by a graceful close.
 *
 * A receiver thread reads all 1000 streams with epoll; stream i is seeded
 * with i, so a byte that went to the wrong connection is caught. Must hold:
 * every stream intact and exactly 64 KiB then end of stream, every job and
 * every close called back exactly once without error, nothing pinned or
 * owed at the end, and the whole in bounded time (20 s; the time is
 * printed). MODE: on (zero-copy), off (copy).
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define NCONN	  1000
#define JOB	  (64 * H_KIB)
#define SEED_BASE 9000
#define LIMIT_MS  20000

static int sfd[NCONN], rfd[NCONN];
static struct zc_sock *sock[NCONN];
static struct h_jobs jobs;
static int closes, close_errors;

/* ---- receiver thread --------------------------------------------------- */

static struct {
	size_t got[NCONN];
	int ended; /* streams at end of stream */
	int bad;
	int err;
} rx;

static void *receiver(void *arg)
{
	uint8_t *buf = malloc(JOB + 1);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	double t0 = h_now_ms();

	(void)arg;
	if (!buf || ep < 0) {
		rx.err = ENOMEM;
		return NULL;
	}
	for (int i = 0; i < NCONN; i++) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.u32 = (uint32_t)i };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, rfd[i], &ev) < 0) {
			rx.err = errno;
			goto out;
		}
	}
	while (rx.ended < NCONN && h_now_ms() - t0 < LIMIT_MS) {
		struct epoll_event ev[64];
		int n = epoll_wait(ep, ev, 64, 100);

		for (int k = 0; k < n; k++) {
			int i = (int)ev[k].data.u32;
			ssize_t r = recv(rfd[i], buf, JOB + 1, MSG_DONTWAIT);

			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r > 0) {
				if (rx.got[i] + (size_t)r > JOB ||
				    h_verify(buf, SEED_BASE + (uint64_t)i,
					     rx.got[i],
					     (size_t)r) != H_NO_BAD) {
					if (!rx.bad++)
						h_info("stream %d: wrong bytes "
						       "at offset %zu",
						       i, rx.got[i]);
				}
				rx.got[i] += (size_t)r;
				continue;
			}
			/* end of stream, or an error */
			if (r < 0 || rx.got[i] != JOB) {
				if (!rx.bad++)
					h_info("stream %d ended after %zu "
					       "bytes: %s",
					       i, rx.got[i],
					       r < 0 ? strerror(errno) : "EOF");
			}
			epoll_ctl(ep, EPOLL_CTL_DEL, rfd[i], NULL);
			rx.ended++;
		}
	}
out:
	close(ep);
	free(buf);
	return NULL;
}

/* ---- sender ------------------------------------------------------------ */

static void on_closed(struct zc_sock *s, int error, void *arg)
{
	(void)s;
	(void)arg;
	closes++;
	close_errors += error != 0;
}

static void on_done(struct h_job *j, struct zc_sock *s)
{
	H_OK(zc_sock_close(s, on_closed, NULL));
}

static bool all_closed(void *arg)
{
	(void)arg;
	return closes == NCONN;
}

static void make_pairs(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int l;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, 64) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0)
		h_fail("listen: %s", strerror(errno));
	for (int i = 0; i < NCONN; i++) {
		sfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (sfd[i] < 0 ||
		    connect(sfd[i], (struct sockaddr *)&a, sizeof(a)) < 0)
			h_fail("connection %d: %s", i, strerror(errno));
		rfd[i] = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (rfd[i] < 0)
			h_fail("accept %d: %s", i, strerror(errno));
	}
	close(l);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct rlimit rl = { 4 * NCONN + 64, 4 * NCONN + 64 };
	struct zc_engine *e;
	struct zc_stats st;
	uint8_t *mem;
	pthread_t tid;
	double t0, ms_setup, ms;

	h_info("conns %s: must hold: %d connections with a %lu KiB job each, "
	       "all intact, each job and close once, pinned 0 at the end, "
	       "within %d s",
	       mode, NCONN, JOB / H_KIB, LIMIT_MS / 1000);
	h_watchdog(60);
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		h_skip("cannot raise RLIMIT_NOFILE to %lu: %s",
		       (unsigned long)rl.rlim_cur, strerror(errno));
	t0 = h_now_ms();
	make_pairs();
	ms_setup = h_now_ms() - t0;
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_alloc((size_t)NCONN * JOB);
	h_jobs_init(&jobs, NCONN);
	t0 = h_now_ms();
	if (pthread_create(&tid, NULL, receiver, NULL))
		h_fail("receiver thread: %s", strerror(errno));
	for (int i = 0; i < NCONN; i++) {
		uint8_t *b = mem + (size_t)i * JOB;

		h_fill(b, SEED_BASE + (uint64_t)i, 0, JOB);
		H_OK(zc_sock_attach(e, sfd[i], &sock[i]));
		jobs.job[i].on_done = on_done;
		H_OK(h_write(&jobs, i, sock[i], b, JOB, NULL));
	}
	H_CHECK(h_run_until(e, all_closed, NULL, LIMIT_MS) >= 0,
		"%d of %d jobs and %d closes done in %d s", jobs.done, NCONN,
		closes, LIMIT_MS / 1000);
	ms = h_now_ms() - t0;
	h_run_for(e, 20);
	pthread_join(tid, NULL);
	H_OK(zc_engine_stats(e, &st));
	h_print_stats("engine", &st);
	h_info("conns %s (backend %s): %d connections made in %.0f ms; %d "
	       "jobs and closes done in %.0f ms; receiver: %d streams ended, "
	       "%d wrong",
	       mode, zc_engine_backend(e), NCONN, ms_setup, jobs.done, ms,
	       rx.ended, rx.bad);
	h_jobs_expect_once(&jobs, "conns");
	for (int i = 0; i < NCONN; i++)
		H_CHECK(jobs.job[i].r.res == JOB && !jobs.job[i].r.error,
			"job %d: res %zd error %d", i, jobs.job[i].r.res,
			jobs.job[i].r.error);
	H_CHECK(closes == NCONN && !close_errors, "%d closes, %d with errors",
		closes, close_errors);
	H_CHECK(!rx.err, "receiver: %s", strerror(rx.err));
	H_CHECK(rx.ended == NCONN && !rx.bad,
		"receiver: %d of %d streams ended, %d wrong", rx.ended, NCONN,
		rx.bad);
	h_expect_released(e, 0, "conns");
	H_OK(zc_engine_destroy(e));
	for (int i = 0; i < NCONN; i++) {
		close(sfd[i]);
		close(rfd[i]);
	}
	h_free(mem, (size_t)NCONN * JOB);
	h_jobs_free(&jobs);
	h_done("conns");
}
