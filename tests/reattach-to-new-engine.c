// SPDX-License-Identifier: MIT
/*
 * reattach-to-new-engine MODE - a connected socket outlives an engine and is
 * attached to a new one. zcaio.h: zc_engine_destroy() does not close the
 * descriptors; the caller owns them again. A socket that had no write in
 * flight is not reset by the destroy, so it can go on carrying data.
 *
 * Engine 1 sends one zero-copy job on the socket, completes it, and is
 * destroyed. Engine 2 attaches the same descriptor and sends two more
 * jobs: both must complete (in 5 s, a receiver reading all along), in
 * order, and the receiver must get the whole stream intact.
 *
 * MSG_ZEROCOPY numbers the sends of a socket with a kernel counter that
 * does not restart when a new engine attaches: the new engine has to
 * match releases to its own sends regardless.
 *
 * MODE: on, off.
 */
#include "harness.h"

#include <string.h>
#include <unistd.h>

#define JOB  (256 * H_KIB)
#define SEED 839

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct h_rx rx = { .seed = SEED };
	struct h_jobs j1, j2;
	struct zc_engine *e;
	struct zc_sock *s;
	uint8_t *mem;
	int sfd, rfd;

	h_watchdog(20);
	mem = h_alloc(3 * JOB);
	h_fill(mem, SEED, 0, 3 * JOB);
	h_tcp_pair(&sfd, &rfd, 0, 0);
	rx.fd = rfd;
	h_rx_start(&rx);

	e = h_engine(NULL);
	h_engine_mode(e, mode);
	H_OK(zc_sock_attach(e, sfd, &s));
	h_jobs_init(&j1, 1);
	H_OK(h_write(&j1, 0, s, mem, JOB, NULL));
	H_CHECK(h_run_jobs(e, &j1, 5000) >= 0, "engine 1: no callback in 5 s");
	H_CHECK(!j1.job[0].r.error && j1.job[0].r.res == (ssize_t)JOB,
		"engine 1: res %zd error %d", j1.job[0].r.res,
		j1.job[0].r.error);
	H_OK(zc_engine_destroy(e));

	e = h_engine(NULL);
	h_engine_mode(e, mode);
	H_OK(zc_sock_attach(e, sfd, &s));
	h_jobs_init(&j2, 2);
	H_OK(h_write(&j2, 0, s, mem + JOB, JOB, NULL));
	H_OK(h_write(&j2, 1, s, mem + 2 * JOB, JOB, NULL));
	if (h_run_jobs(e, &j2, 5000) < 0)
		h_fail("engine 2 on the same socket (%s): %d of 2 jobs called "
		       "back in 5 s: releases not matched to sends",
		       zc_engine_backend(e), j2.done);
	h_jobs_expect_once(&j2, "engine 2");
	h_jobs_expect_order(&j2, "engine 2");
	for (int i = 0; i < 2; i++)
		H_CHECK(!j2.job[i].r.error && j2.job[i].r.res == (ssize_t)JOB,
			"engine 2 job %d: res %zd error %d", i, j2.job[i].r.res,
			j2.job[i].r.error);
	H_CHECK(h_close(e, s, 5000) == 0, "close reported an error");
	H_OK(zc_engine_destroy(e));
	close(sfd);
	h_rx_join(&rx, 5000);
	h_rx_expect_intact(&rx, 3 * JOB, "reattach");
	close(rfd);
	h_free(mem, 3 * JOB);
	h_jobs_free(&j1);
	h_jobs_free(&j2);
	h_done("reattach-to-new-engine");
}
