// SPDX-License-Identifier: MIT
/*
 * short-send MODE - a job larger than every buffer on the path.
 *
 * 4 KiB SO_SNDBUF and SO_RCVBUF and a reader that takes 4 KiB a
 * millisecond: the kernel takes each send only in part. The library must
 * resubmit the remainder and complete the 4 MiB job once, with the full
 * count. At least one send must have come back short (the counter says
 * so), or the remainder path was not tested: on io_uring too, where
 * MSG_WAITALL once made the kernel finish every send itself.
 *
 * MODE: on, pool, off.
 */
#include "harness.h"

#include <string.h>
#include <unistd.h>

#define JOB (4 * H_MIB)
#define SEED 31

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	const struct zc_write_opts *optp = NULL;
	struct h_rx rx = { .seed = SEED, .chunk = 4 * H_KIB, .delay_us = 1000 };
	struct zc_pool *pool = NULL;
	struct h_jobs jobs;
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_stats st;
	uint8_t *mem;
	int sfd, rfd;

	h_watchdog(60);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_mode_mem(e, mode, JOB, &pool, &opts, &optp);
	h_fill(mem, SEED, 0, JOB);
	h_jobs_init(&jobs, 1);
	h_tcp_pair(&sfd, &rfd, 4096, 4096);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	H_OK(h_write(&jobs, 0, s, mem, JOB, optp));
	double ms = h_run_jobs(e, &jobs, 40000);
	H_CHECK(ms >= 0, "the 4 MiB job did not complete in 40 s (receiver "
		"has %llu bytes)",
		(unsigned long long)atomic_load(&rx.progress));
	/* Catch a second completion. */
	h_run_for(e, 50);
	h_jobs_expect_once(&jobs, "short-send");
	H_CHECK(jobs.job[0].r.res == (ssize_t)JOB && !jobs.job[0].r.error,
		"job: res %zd error %d (%s), want %lu and 0", jobs.job[0].r.res,
		jobs.job[0].r.error, zc_strerror(jobs.job[0].r.error), JOB);
	H_OK(zc_sock_stats(s, &st));
	h_print_stats("socket", &st);
	h_info("%s: %llu sends, %llu of them short, in %.0f ms", mode,
	       (unsigned long long)st.sends,
	       (unsigned long long)st.short_sends, ms);
	H_CHECK(st.short_sends > 0,
		"no send came back short: the remainder path was not tested");
	H_CHECK(st.bytes_written == JOB, "bytes_written %llu",
		(unsigned long long)st.bytes_written);
	H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
	close(sfd);
	h_rx_join(&rx, 20000);
	h_rx_expect_intact(&rx, JOB, "short-send");
	h_mode_mem_free(mem, JOB, pool);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(rfd);
	h_jobs_free(&jobs);
	h_info("PASS short-send %s", mode);
	return 0;
}
