// SPDX-License-Identifier: MIT
/*
 * order MODE - one send in flight per socket.
 *
 * Eight jobs of 4 MiB, each from its own buffer holding its own stretch of
 * the stream, are queued at once on one socket, split into sends of at most
 * 256 KiB (ZC_OPT_SEG_MAX). Several io_uring sends in flight on one TCP
 * socket reorder data; the library must keep one. Must hold: the stream is
 * intact, callbacks run in queue order, each with the full length, and no
 * send was larger than the segment bound.
 *
 * MODE: on, pool, off.
 */
#include "harness.h"

#include <string.h>
#include <unistd.h>

#define NJOBS 8
#define JOB (4 * H_MIB)
#define SEG (256 * H_KIB)
#define SEED 21

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	const struct zc_write_opts *optp = NULL;
	struct zc_pool *pool = NULL;
	struct h_rx rx = { .seed = SEED, .chunk = 128 * H_KIB };
	struct h_jobs jobs;
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_stats st;
	uint8_t *mem;
	uint64_t seg;
	int sfd, rfd;

	h_watchdog(60);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_mode_mem(e, mode, NJOBS * JOB, &pool, &opts, &optp);
	h_fill(mem, SEED, 0, NJOBS * JOB);
	h_jobs_init(&jobs, NJOBS);
	h_tcp_pair(&sfd, &rfd, 0, 0);
	rx.fd = rfd;
	H_OK(zc_sock_attach(e, sfd, &s));
	H_OK(zc_sock_setopt(s, ZC_OPT_SEG_MAX, SEG));
	H_OK(zc_sock_getopt(s, ZC_OPT_SEG_MAX, &seg));
	H_CHECK(seg == SEG, "SEG_MAX reads back %llu, set %lu",
		(unsigned long long)seg, SEG);
	for (int i = 0; i < NJOBS; i++)
		H_OK(h_write(&jobs, i, s, mem + (size_t)i * JOB, JOB, optp));
	for (int i = 1; i < NJOBS; i++)
		H_CHECK(jobs.job[i].id != jobs.job[i - 1].id,
			"jobs %d and %d got the same id", i - 1, i);
	h_rx_start(&rx);
	double ms = h_run_jobs(e, &jobs, 40000);
	H_CHECK(ms >= 0, "only %d of %d jobs completed in 40 s", jobs.done,
		NJOBS);
	h_info("%s: %d x %lu bytes in %.0f ms", mode, NJOBS, JOB, ms);
	h_jobs_expect_once(&jobs, "order");
	h_jobs_expect_order(&jobs, "order");
	for (int i = 0; i < NJOBS; i++)
		H_CHECK(jobs.job[i].r.res == (ssize_t)JOB && !jobs.job[i].r.error,
			"job %d: res %zd error %d", i, jobs.job[i].r.res,
			jobs.job[i].r.error);
	H_OK(zc_sock_stats(s, &st));
	h_print_stats("socket", &st);
	H_CHECK(st.sends >= (uint64_t)NJOBS * (JOB / SEG),
		"%llu sends for %d jobs of %lu with SEG_MAX %lu: a send was "
		"larger than the bound",
		(unsigned long long)st.sends, NJOBS, JOB, SEG);
	H_CHECK(st.bytes_written == (uint64_t)NJOBS * JOB,
		"bytes_written %llu", (unsigned long long)st.bytes_written);
	H_CHECK(h_close(e, s, 10000) == 0, "close callback reported an error");
	close(sfd);
	h_rx_join(&rx, 20000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, "order");
	h_mode_mem_free(mem, NJOBS * JOB, pool);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(rfd);
	h_jobs_free(&jobs);
	h_info("PASS order %s", mode);
	return 0;
}
