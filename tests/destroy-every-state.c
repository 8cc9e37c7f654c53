// SPDX-License-Identifier: MIT
/*
 * destroy-every-state MODE - zc_engine_destroy() with sockets in every
 * state at once:
 *   idle      attached, nothing queued
 *   reading   two reads queued, no data will come
 *   stalled   a started write behind a stalled receiver, one queued
 *   closing   zc_sock_close() called with a stalled write queued
 *   closed    zc_sock_close() called on an idle socket, callback not run
 *   aborted   zc_sock_abort() on a started write, engine not run since
 *   cancelled zc_cancel() of a started write, engine not run since
 *   budget    (zero-copy modes) a write waiting for the pin budget
 *   udp       a UDP socket with a read queued
 * Destroy must return in bounded time, having run every job's callback
 * exactly once and every requested close callback exactly once; after it
 * returns the caller scribbles over every buffer, and the stalled receiver
 * must still see an intact prefix of its stream (no page was read after
 * destroy). Run it under ASan too: teardown frees every object.
 *
 * MODE: on, off.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define JOB  (1 * H_MIB)
#define SEED 829
#define NW   8

static struct {
	int calls[8];
	int err[8];
} g_close;

static void close_cb(struct zc_sock *s, int error, void *arg)
{
	int i = (int)(intptr_t)arg;

	g_close.calls[i]++;
	g_close.err[i] = error;
}

static int g_reads, g_read_extra;

static void read_cb(struct zc_sock *s, const struct zc_result *r, void *arg)
{
	int *calls = arg;

	if (++*calls > 1)
		g_read_extra++;
	g_reads++;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	bool zc = strcmp(mode, "off") != 0;
	struct h_rx rx = { .seed = SEED, .hold = true, .quiet = false };
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fds[9][2], ufd[2], rcalls[5] = { 0 };
	struct zc_sock *idle, *reading, *stalled, *closing, *closed, *aborted,
		*cancelled, *budget = NULL, *udp;
	uint8_t rbuf[4][4096];
	struct h_jobs jobs;
	struct zc_engine *e;
	uint8_t *mem, *other;
	uint64_t sent = 0;
	double t0, ms;

	h_watchdog(30);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_alloc(2 * JOB);
	other = h_alloc(7 * JOB);
	h_fill(mem, SEED, 0, 2 * JOB);
	memset(other, 0x5a, 7 * JOB);
	h_jobs_init(&jobs, NW);
	for (int i = 0; i < 7; i++)
		h_tcp_pair(&fds[i][0], &fds[i][1], 4096, 16384);

	H_OK(zc_sock_attach(e, fds[0][0], &idle));
	H_OK(zc_sock_attach(e, fds[1][0], &reading));
	H_OK(zc_read(reading, rbuf[0], sizeof(rbuf[0]), read_cb, &rcalls[0],
		     NULL));
	H_OK(zc_read(reading, rbuf[1], sizeof(rbuf[1]), read_cb, &rcalls[1],
		     NULL));
	rx.fd = fds[2][1];
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, fds[2][0], &stalled));
	H_OK(h_write(&jobs, 0, stalled, mem, JOB, NULL));
	H_OK(h_write(&jobs, 1, stalled, mem + JOB, JOB, NULL));
	H_OK(zc_sock_attach(e, fds[3][0], &closing));
	H_OK(h_write(&jobs, 2, closing, other, JOB, NULL));
	H_OK(zc_sock_attach(e, fds[4][0], &closed));
	H_OK(zc_sock_attach(e, fds[5][0], &aborted));
	H_OK(h_write(&jobs, 3, aborted, other + JOB, JOB, NULL));
	H_OK(h_write(&jobs, 4, aborted, other + 2 * JOB, JOB, NULL));
	H_OK(zc_sock_attach(e, fds[6][0], &cancelled));
	H_OK(h_write(&jobs, 5, cancelled, other + 3 * JOB, JOB, NULL));
	H_OK(h_write(&jobs, 6, cancelled, other + 4 * JOB, JOB, NULL));
	h_run_for(e, 200);
	H_CHECK(jobs.done == 0, "%d jobs done with every receiver stalled",
		jobs.done);
	if (zc) {
		struct zc_stats st;

		/* Whatever is pinned now is the budget: the next waits. */
		H_OK(zc_engine_stats(e, &st));
		H_OK(zc_engine_setopt(e, ZC_OPT_PIN_BUDGET,
				      st.bytes_pinned ? st.bytes_pinned : 1));
		h_tcp_pair(&fds[7][0], &fds[7][1], 0, 0);
		H_OK(zc_sock_attach(e, fds[7][0], &budget));
		H_OK(h_write(&jobs, 7, budget, other + 5 * JOB, JOB, NULL));
	}
	/* UDP with a read that nothing will complete. */
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ufd[0] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ufd[1] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ufd[0] < 0 || ufd[1] < 0 ||
	    bind(ufd[1], (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(ufd[1], (struct sockaddr *)&a, &alen) < 0 ||
	    connect(ufd[0], (struct sockaddr *)&a, sizeof(a)) < 0)
		h_fail("udp: %s", strerror(errno));
	H_OK(zc_sock_attach(e, ufd[0], &udp));
	H_OK(zc_read(udp, rbuf[2], sizeof(rbuf[2]), read_cb, &rcalls[2], NULL));

	/* The last moves, with no engine turn after them. */
	H_OK(zc_sock_close(closing, close_cb, (void *)(intptr_t)0));
	H_OK(zc_sock_close(closed, close_cb, (void *)(intptr_t)1));
	H_OK(zc_sock_abort(aborted));
	H_OK(zc_cancel(cancelled, jobs.job[5].id));
	(void)idle;

	t0 = h_now_ms();
	H_OK(zc_engine_destroy(e));
	ms = h_now_ms() - t0;
	h_info("zc_engine_destroy returned after %.1f ms", ms);
	H_CHECK(ms < 10000, "destroy took %.0f ms", ms);
	/* The caller owns every buffer again. */
	memset(mem, H_GARBAGE, 2 * JOB);
	memset(other, H_GARBAGE, 7 * JOB);

	if (!zc)
		jobs.n = 7;
	h_jobs_expect_once(&jobs, "destroy");
	for (int i = 0; i < jobs.n; i++)
		h_info("job %d: res %zd error %d (%s)", i, jobs.job[i].r.res,
		       jobs.job[i].r.error, zc_strerror(jobs.job[i].r.error));
	for (int i = 0; i < jobs.n; i++)
		if (jobs.job[i].r.error == 0 &&
		    jobs.job[i].r.res != (ssize_t)JOB)
			h_fail_later("job %d: short without an error", i);
	if (jobs.job[0].r.res > 0)
		sent += (uint64_t)jobs.job[0].r.res;
	if (jobs.job[1].r.res > 0)
		sent += (uint64_t)jobs.job[1].r.res;
	H_CHECK(g_read_extra == 0, "a read called back twice");
	H_CHECK(rcalls[0] == 1 && rcalls[1] == 1 && rcalls[2] == 1,
		"reads called back %d, %d, %d times, want once each", rcalls[0],
		rcalls[1], rcalls[2]);
	H_CHECK(g_close.calls[0] == 1 && g_close.calls[1] == 1,
		"close callbacks ran %d and %d times, want once each",
		g_close.calls[0], g_close.calls[1]);

	h_rx_join(&rx, 10000);
	H_CHECK(rx.bad_off == H_NO_BAD,
		"stalled receiver: corrupt from offset %llu (pages read after "
		"destroy returned?)",
		(unsigned long long)rx.bad_off);
	H_CHECK(rx.total <= sent, "receiver got %llu bytes, jobs report %llu",
		(unsigned long long)rx.total, (unsigned long long)sent);
	for (int i = 0; i < 8; i++) {
		if (i == 7 && !zc)
			break;
		close(fds[i][0]);
		close(fds[i][1]);
	}
	close(ufd[0]);
	close(ufd[1]);
	h_free(mem, 2 * JOB);
	h_free(other, 7 * JOB);
	h_jobs_free(&jobs);
	h_done("destroy-every-state");
}
