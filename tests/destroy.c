// SPDX-License-Identifier: MIT
/*
 * destroy MODE - zc_engine_destroy() with work pending.
 *
 * One socket has four 1 MiB writes queued behind a stalled receiver (the
 * first in flight); a second socket has a read queued that no data will
 * ever complete. zc_engine_destroy() must return, having run every
 * callback exactly once (queued jobs -ECANCELED, the started one short with
 * an error, the read with an error), without closing the descriptors; the
 * receiver then gets an intact prefix of the stream.
 *
 * MODE: on, pool, off.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define NJOBS 4
#define JOB (1 * H_MIB)
#define SEED 111

static struct {
	int read_calls;
	struct zc_result read_r;
} g;

static void read_cb(struct zc_sock *s, const struct zc_result *r, void *arg)
{
	g.read_calls++;
	g.read_r = *r;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	const struct zc_write_opts *optp = NULL;
	struct h_rx rx = { .seed = SEED, .hold = true };
	struct zc_pool *pool = NULL;
	struct zc_sock *s, *s2;
	struct h_jobs jobs;
	struct zc_engine *e;
	uint8_t rbuf[4096];
	uint64_t sent = 0;
	uint8_t *mem;
	int sfd, rfd, sfd2, rfd2;
	double t0, ms;

	h_watchdog(60);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_mode_mem(e, mode, NJOBS * JOB, &pool, &opts, &optp);
	h_fill(mem, SEED, 0, NJOBS * JOB);
	h_jobs_init(&jobs, NJOBS);
	/* Small buffers both ends: the first job cannot be taken whole. */
	h_tcp_pair(&sfd, &rfd, 4096, 16384);
	h_tcp_pair(&sfd2, &rfd2, 0, 0);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	H_OK(zc_sock_attach(e, rfd2, &s2));
	for (int i = 0; i < NJOBS; i++)
		H_OK(h_write(&jobs, i, s, mem + (size_t)i * JOB, JOB, optp));
	H_OK(zc_read(s2, rbuf, sizeof(rbuf), read_cb, NULL, NULL));
	h_run_for(e, 200);
	H_CHECK(jobs.done == 0 && g.read_calls == 0,
		"%d writes and %d reads done before destroy", jobs.done,
		g.read_calls);

	t0 = h_now_ms();
	H_OK(zc_engine_destroy(e));
	ms = h_now_ms() - t0;
	h_info("zc_engine_destroy returned after %.1f ms", ms);
	H_CHECK(ms < 10000, "destroy took %.0f ms", ms);
	h_jobs_expect_once(&jobs, "destroy");
	h_jobs_expect_order(&jobs, "destroy");
	for (int i = 0; i < NJOBS; i++) {
		const struct zc_result *r = &jobs.job[i].r;

		h_info("job %d: res %zd error %d (%s)", i, r->res, r->error,
		       zc_strerror(r->error));
		if (i > 0)
			H_CHECK(r->error == -ECANCELED,
				"queued job %d: error %d (%s), want -ECANCELED",
				i, r->error, zc_strerror(r->error));
		else
			H_CHECK(r->error < 0 && r->res < (ssize_t)JOB,
				"started job: res %zd error %d: it cannot have "
				"finished with the receiver stalled",
				r->res, r->error);
		if (r->res > 0)
			sent += (uint64_t)r->res;
	}
	H_CHECK(g.read_calls == 1, "pending read called back %d times",
		g.read_calls);
	h_info("pending read: res %zd error %d (%s)", g.read_r.res,
	       g.read_r.error, zc_strerror(g.read_r.error));
	H_CHECK(g.read_r.error < 0 && g.read_r.res <= 0,
		"pending read with no data: res %zd error %d", g.read_r.res,
		g.read_r.error);
	H_CHECK(fcntl(sfd, F_GETFD) >= 0 && fcntl(rfd2, F_GETFD) >= 0,
		"destroy closed a socket's descriptor");

	h_rx_join(&rx, 10000);
	H_CHECK(rx.bad_off == H_NO_BAD, "receiver: corrupt from offset %llu",
		(unsigned long long)rx.bad_off);
	H_CHECK(rx.total <= sent, "receiver got %llu bytes, jobs report %llu",
		(unsigned long long)rx.total, (unsigned long long)sent);
	h_info("receiver: %llu intact bytes, then %s",
	       (unsigned long long)rx.total,
	       rx.err ? strerror(rx.err) : "end of stream");
	close(sfd);
	close(rfd);
	close(sfd2);
	close(rfd2);
	if (!pool)
		h_free(mem, NJOBS * JOB);
	h_jobs_free(&jobs);
	h_info("PASS destroy %s", mode);
	return 0;
}
