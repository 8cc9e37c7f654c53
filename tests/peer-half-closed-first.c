// SPDX-License-Identifier: MIT
/*
 * peer-half-closed-first MODE - a write that the peer received and acknowledged
 * completes without error, and the close reports no error, when the peer
 * had half-closed its side first (we are the passive closer).
 *
 * The peer calls shutdown(SHUT_WR) at once and then reads everything.
 * We queue one write and zc_sock_close() right away. The write's last
 * release comes when the peer acknowledged every byte; the close then
 * sends our FIN, which the peer acknowledges at once on loopback, so the
 * socket is in TCP_CLOSE before the write's callback runs. That state is
 * the normal end of a graceful close here, not a reset: the job must
 * report res = len and error 0, and the close callback error 0.
 *
 * MODE: on, pool, off.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LEN    (1 * H_MIB)
#define SEED   811
#define ROUNDS 5

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	int bad_jobs = 0, bad_closes = 0;

	h_watchdog(30);
	for (int round = 0; round < ROUNDS; round++) {
		struct zc_write_opts wo = { .tx_zcopy = ZC_TX_INHERIT };
		const struct zc_write_opts *opts = NULL;
		struct h_rx rx = { .seed = SEED };
		struct zc_pool *pool;
		struct h_jobs jobs;
		struct zc_engine *e;
		struct zc_sock *s;
		uint8_t *mem;
		int sfd, rfd, err;

		e = h_engine(NULL);
		h_engine_mode(e, mode);
		mem = h_mode_mem(e, mode, LEN, &pool, &wo, &opts);
		h_fill(mem, SEED, 0, LEN);
		h_tcp_pair(&sfd, &rfd, 0, 0);
		/* The peer is done talking: it half-closes, then reads. */
		if (shutdown(rfd, SHUT_WR) < 0)
			h_fail("shutdown: %s", strerror(errno));
		rx.fd = rfd;
		h_rx_start(&rx);
		H_OK(zc_sock_attach(e, sfd, &s));
		h_jobs_init(&jobs, 1);
		H_OK(h_write(&jobs, 0, s, mem, LEN, opts));
		err = h_close(e, s, 10000);
		h_jobs_expect_once(&jobs, "half-closed peer");
		if (jobs.job[0].r.error || jobs.job[0].r.res != (ssize_t)LEN) {
			bad_jobs++;
			h_info("round %d: write res %zd error %d (%s), want "
			       "%lu and 0",
			       round, jobs.job[0].r.res, jobs.job[0].r.error,
			       zc_strerror(jobs.job[0].r.error), LEN);
		}
		if (err) {
			bad_closes++;
			h_info("round %d: close callback error %d (%s), want 0",
			       round, err, zc_strerror(err));
		}
		h_rx_join(&rx, 10000);
		h_rx_expect_intact(&rx, LEN, "half-closed peer");
		h_expect_released(e, pool ? zc_pool_size(pool) : 0, "end");
		h_mode_mem_free(mem, LEN, pool);
		H_OK(zc_engine_destroy(e));
		close(sfd);
		close(rfd);
		h_jobs_free(&jobs);
	}
	if (bad_jobs)
		h_fail_later("%d of %d delivered writes reported an error",
			     bad_jobs, ROUNDS);
	if (bad_closes)
		h_fail_later("%d of %d graceful closes reported an error",
			     bad_closes, ROUNDS);
	h_done("peer-half-closed-first");
}
