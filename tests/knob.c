// SPDX-License-Identifier: MIT
/*
 * knob - tx_zcopy is read when a job is queued, not when it is sent.
 *
 * Behind a stalled receiver, four jobs are queued in one mode, the knob is
 * flipped, four more are queued; then the receiver reads. Each job must
 * have gone out in the mode it was queued with: copied jobs report
 * bytes_copied == len and bytes_zc == 0; the socket's counters show
 * exactly the later (or earlier) half as zero-copy requests.
 *
 * Three flips, each on a fresh socket: engine off -> on, engine on -> off,
 * and a per-socket override to off while the engine stays on.
 */
#include "harness.h"

#include <string.h>
#include <unistd.h>

#define NJOBS 8
#define HALF (NJOBS / 2)
#define JOB (256 * H_KIB)

enum flip { ENGINE_OFF_ON, ENGINE_ON_OFF, SOCK_ON_OFF };

static const char *const flip_name[] = {
	"engine off->on", "engine on->off", "socket override on->off",
};

static void run_flip(struct zc_engine *e, enum flip f, uint8_t *mem)
{
	uint64_t seed = 50 + f;
	struct h_rx rx = { .seed = seed, .hold = true };
	const char *what = flip_name[f];
	uint64_t half_bytes = (uint64_t)HALF * JOB;
	struct h_jobs jobs;
	struct zc_sock *s;
	struct zc_stats st;
	bool zc_first = f != ENGINE_OFF_ON;
	int sfd, rfd;

	H_OK(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY,
			      zc_first ? ZC_TX_ON : ZC_TX_OFF));
	h_fill(mem, seed, 0, NJOBS * JOB);
	h_jobs_init(&jobs, NJOBS);
	/* Small buffers both ends: even copies cannot all be taken. */
	h_tcp_pair(&sfd, &rfd, 4096, 16384);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	for (int i = 0; i < HALF; i++)
		H_OK(h_write(&jobs, i, s, mem + (size_t)i * JOB, JOB, NULL));
	/* Let the first job start (it stalls behind the receiver). */
	h_run_for(e, 100);
	H_CHECK(jobs.done == 0, "%s: %d jobs done with the receiver stalled",
		what, jobs.done);
	if (f == SOCK_ON_OFF)
		H_OK(zc_sock_setopt(s, ZC_OPT_TX_ZCOPY, ZC_TX_OFF));
	else
		H_OK(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY,
				      zc_first ? ZC_TX_OFF : ZC_TX_ON));
	for (int i = HALF; i < NJOBS; i++)
		H_OK(h_write(&jobs, i, s, mem + (size_t)i * JOB, JOB, NULL));
	h_rx_release(&rx);
	H_CHECK(h_run_jobs(e, &jobs, 30000) >= 0,
		"%s: only %d of %d jobs completed", what, jobs.done, NJOBS);
	h_jobs_expect_once(&jobs, what);
	h_jobs_expect_order(&jobs, what);
	for (int i = 0; i < NJOBS; i++) {
		const struct zc_result *r = &jobs.job[i].r;
		bool zc = (i < HALF) == zc_first;

		H_CHECK(!r->error && r->res == (ssize_t)JOB,
			"%s: job %d res %zd error %d", what, i, r->res,
			r->error);
		H_CHECK(r->bytes_zc + r->bytes_copied == JOB,
			"%s: job %d bytes_zc %llu + bytes_copied %llu != %lu",
			what, i, (unsigned long long)r->bytes_zc,
			(unsigned long long)r->bytes_copied, JOB);
		if (!zc)
			H_CHECK(r->bytes_zc == 0 && r->bytes_copied == JOB,
				"%s: job %d queued with tx off reports "
				"bytes_zc %llu bytes_copied %llu",
				what, i, (unsigned long long)r->bytes_zc,
				(unsigned long long)r->bytes_copied);
	}
	H_OK(zc_sock_stats(s, &st));
	h_print_stats(what, &st);
	H_CHECK(st.sends_zc > 0 && st.sends_zc < st.sends,
		"%s: %llu of %llu sends were zero-copy requests, want some "
		"but not all",
		what, (unsigned long long)st.sends_zc,
		(unsigned long long)st.sends);
	H_CHECK(st.bytes_copied == half_bytes &&
			st.bytes_zc + st.bytes_zc_copied == half_bytes,
		"%s: copied %llu, zero-copy requests %llu + %llu: want %llu "
		"each (the mode of each job fixed when queued)",
		what, (unsigned long long)st.bytes_copied,
		(unsigned long long)st.bytes_zc,
		(unsigned long long)st.bytes_zc_copied,
		(unsigned long long)half_bytes);
	H_CHECK(h_close(e, s, 10000) == 0, "%s: close reported an error",
		what);
	close(sfd);
	h_rx_join(&rx, 20000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, what);
	close(rfd);
	h_jobs_free(&jobs);
}

int main(void)
{
	struct zc_engine *e;
	uint8_t *mem;
	uint64_t v;

	h_watchdog(60);
	e = h_engine(NULL);
	H_OK(zc_engine_setopt(e, ZC_OPT_ZC_THRESHOLD, 1));
	H_OK(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, ZC_TX_AUTO));
	H_OK(zc_engine_getopt(e, ZC_OPT_TX_ZCOPY, &v));
	H_CHECK(v == ZC_TX_AUTO, "TX_ZCOPY reads back %llu",
		(unsigned long long)v);
	mem = h_alloc(NJOBS * JOB);
	for (int f = ENGINE_OFF_ON; f <= SOCK_ON_OFF; f++)
		run_flip(e, (enum flip)f, mem);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	h_free(mem, NJOBS * JOB);
	h_info("PASS knob");
	return 0;
}
