// SPDX-License-Identifier: MIT
/*
 * teardown-from-callbacks MODE - callbacks that run inside
 * zc_engine_destroy() and try to give the engine new work cannot keep it
 * from returning.
 *
 * One socket has four 1 MiB writes behind a stalled receiver, another two
 * reads that no data will complete. zc_engine_destroy() fails them all,
 * and every callback (jobs and closes) then tries what an application
 * does on an error: attach a fresh connected socket and queue a read on
 * it (its peer never sends), queue a new write and a new read on its own
 * socket, create a pool. Before, the attach succeeded and its read kept
 * destroy waiting for ever. Must hold: destroy returns 0 within seconds;
 * an attach or pool during destroy is refused with -ESHUTDOWN, new jobs
 * on the torn-down sockets with -EPIPE; every callback ran exactly once;
 * the receiver gets an intact prefix.
 *
 * MODE: on, off.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define NJOBS 4
#define JOB   (1 * H_MIB)
#define SEED  151
#define NREAD 2

static struct {
	struct zc_engine *e;
	int tries; /* callbacks that tried to add work */
	int wrong; /* ... and got something else than refused */
	int read_calls[NREAD];
	int fds[64]; /* fresh sockets made in callbacks */
	int nfds;
} g;

static uint8_t spare[4096];

static void noop_cb(struct zc_sock *s, const struct zc_result *r, void *a)
{
}

static void want(const char *what, int got, int expect)
{
	if (got == expect)
		return;
	h_info("inside destroy: %s = %d (%s), want %d", what, got,
	       zc_strerror(got), expect);
	g.wrong++;
}

/* What an application may do from any callback during teardown. */
static void add_work(struct zc_sock *own)
{
	struct zc_sock *fresh = NULL;
	struct zc_pool *pool = NULL;
	int a, b, ret;

	g.tries++;
	if (g.nfds + 2 <= (int)(sizeof(g.fds) / sizeof(g.fds[0]))) {
		h_tcp_pair(&a, &b, 0, 0);
		g.fds[g.nfds++] = a;
		g.fds[g.nfds++] = b;
		ret = zc_sock_attach(g.e, a, &fresh);
		want("zc_sock_attach", ret, -ESHUTDOWN);
		if (ret == 0) /* the read that kept destroy waiting */
			zc_read(fresh, spare, sizeof(spare), noop_cb, NULL,
				NULL);
	}
	if (own) {
		want("zc_read on a torn-down socket",
		     zc_read(own, spare, sizeof(spare), noop_cb, NULL, NULL),
		     -EPIPE);
		want("zc_write on a torn-down socket",
		     zc_write(own, spare, sizeof(spare), NULL, noop_cb, NULL,
			      NULL),
		     -EPIPE);
	}
	ret = zc_pool_create(g.e, 4096, &pool);
	want("zc_pool_create", ret, -ESHUTDOWN);
}

static void on_write_done(struct h_job *j, struct zc_sock *s)
{
	add_work(s);
}

static void read_cb(struct zc_sock *s, const struct zc_result *r, void *arg)
{
	g.read_calls[(intptr_t)arg]++;
	add_work(s);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct h_rx rx = { .seed = SEED, .hold = true };
	uint8_t rbuf[NREAD][4096];
	struct zc_sock *s, *s2;
	struct h_jobs jobs;
	uint8_t *mem;
	int sfd, rfd, sfd2, rfd2;
	double t0;

	h_watchdog(30);
	g.e = h_engine(NULL);
	h_engine_mode(g.e, mode);
	h_info("backend %s, mode %s", zc_engine_backend(g.e), mode);
	mem = h_alloc(NJOBS * JOB);
	h_fill(mem, SEED, 0, NJOBS * JOB);
	h_jobs_init(&jobs, NJOBS);
	h_tcp_pair(&sfd, &rfd, 4096, 16384);
	h_tcp_pair(&sfd2, &rfd2, 0, 0);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(g.e, sfd, &s));
	H_OK(zc_sock_attach(g.e, sfd2, &s2));
	for (int i = 0; i < NJOBS; i++) {
		jobs.job[i].on_done = on_write_done;
		H_OK(h_write(&jobs, i, s, mem + (size_t)i * JOB, JOB, NULL));
	}
	for (intptr_t i = 0; i < NREAD; i++)
		H_OK(zc_read(s2, rbuf[i], sizeof(rbuf[i]), read_cb, (void *)i,
			     NULL));
	h_run_for(g.e, 100); /* the first write is with the kernel now */

	t0 = h_now_ms();
	H_OK(zc_engine_destroy(g.e));
	h_info("destroy returned after %.0f ms; %d callbacks tried to add "
	       "work",
	       h_now_ms() - t0, g.tries);

	h_jobs_expect_once(&jobs, "teardown-from-callbacks");
	for (int i = 0; i < NREAD; i++)
		H_CHECK(g.read_calls[i] == 1, "read %d called back %d times", i,
			g.read_calls[i]);
	H_CHECK(g.tries == NJOBS + NREAD, "%d callbacks added work, want %d",
		g.tries, NJOBS + NREAD);
	H_CHECK(!g.wrong,
		"%d attempts to add work during destroy were not "
		"refused",
		g.wrong);
	/* Destroy left the descriptors open: the stream so far is intact. */
	close(sfd);
	h_rx_release(&rx);
	h_rx_join(&rx, 30000);
	H_CHECK(rx.bad_off == H_NO_BAD && rx.total <= (uint64_t)NJOBS * JOB,
		"receiver: %llu bytes, first bad at %llu",
		(unsigned long long)rx.total, (unsigned long long)rx.bad_off);
	for (int i = 0; i < g.nfds; i++)
		close(g.fds[i]);
	close(rfd);
	close(sfd2);
	close(rfd2);
	h_jobs_free(&jobs);
	h_free(mem, NJOBS * JOB);
	h_info("PASS teardown-from-callbacks %s", mode);
	return 0;
}
