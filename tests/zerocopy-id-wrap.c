// SPDX-License-Identifier: MIT
/*
 * zerocopy-id-wrap - MSG_ZEROCOPY notification ids that wrap past 2^32
 * mid-stream release every job exactly once, and never early.
 *
 * The kernel counts a socket's zero-copy sends in 32 bits from 0; the
 * library widens them to 64 (ztrack.c). A socket reaches the wrap only
 * after 4.3 billion sends, so this test (built with test hooks) sees the
 * kernel's ids plus a bias of 2^32 - 700: the wrap comes after 700 real
 * sends, with the kernel's real ranges (coalesced, some straddling the
 * wrap). 64 jobs of 64 KiB in 4 KiB segments (1024 sends) cross it, four
 * buffers reused from the callbacks, each overwritten with garbage the
 * moment its job completes, behind a slow receiver. Must hold: every job
 * once, in order, whole; the receiver's stream intact (an early release
 * shows as garbage); nothing owed or pinned at the end; and more
 * zero-copy sends than the bias left before the wrap.
 * On a backend other than msg_zerocopy: skip (its ids are io_uring's).
 */
#include "harness.h"
#include "internal.h" /* zc__test_zc_id_bias */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define NJOBS 64
#define SLOTS 4
#define JOB (64 * H_KIB)
#define SEG (4 * H_KIB)
#define SEED 171
#define BEFORE_WRAP 700u

static struct {
	uint8_t *mem;
	struct h_jobs jobs;
	int err;
} c;

static void queue_job(struct zc_sock *s, int idx)
{
	uint8_t *slot = c.mem + (size_t)(idx % SLOTS) * JOB;
	int ret;

	h_fill(slot, SEED, (uint64_t)idx * JOB, JOB);
	ret = h_write(&c.jobs, idx, s, slot, JOB, NULL);
	if (ret < 0 && !c.err)
		c.err = ret;
}

static void on_done(struct h_job *j, struct zc_sock *s)
{
	memset((void *)j->buf, H_GARBAGE, j->len);
	if (j->idx + SLOTS < NJOBS)
		queue_job(s, j->idx + SLOTS);
}

int main(void)
{
	struct h_rx rx = { .seed = SEED, .chunk = 16 * H_KIB,
			   .delay_us = 200, .timeout_ms = 60000 };
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_stats st;
	int sfd, rfd;

	h_watchdog(90);
	zc__test_zc_id_bias = (uint32_t)(0u - BEFORE_WRAP);
	e = h_engine(NULL);
	if (strcmp(zc_engine_backend(e), "msg_zerocopy"))
		h_skip("backend %s: MSG_ZEROCOPY ids are msg_zerocopy's",
		       zc_engine_backend(e));
	h_engine_mode(e, "on");
	c.mem = h_alloc(SLOTS * JOB);
	h_jobs_init(&c.jobs, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		c.jobs.job[i].on_done = on_done;
	h_tcp_pair(&sfd, &rfd, 32 * 1024, 0);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	H_OK(zc_sock_setopt(s, ZC_OPT_SEG_MAX, SEG));
	for (int i = 0; i < SLOTS; i++)
		queue_job(s, i);
	H_CHECK(h_run_jobs(e, &c.jobs, 30000) >= 0,
		"only %d of %d jobs completed across the id wrap", c.jobs.done,
		NJOBS);
	H_CHECK(!c.err, "zc_write: %d (%s)", c.err, zc_strerror(c.err));
	h_jobs_expect_once(&c.jobs, "zerocopy-id-wrap");
	h_jobs_expect_order(&c.jobs, "zerocopy-id-wrap");
	h_jobs_expect_full(&c.jobs, "zerocopy-id-wrap");
	H_OK(zc_sock_stats(s, &st));
	h_print_stats("socket", &st);
	H_CHECK(st.sends_zc > BEFORE_WRAP,
		"%llu zero-copy sends: the ids never wrapped",
		(unsigned long long)st.sends_zc);
	H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
	close(sfd);
	h_rx_join(&rx, 60000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, "zerocopy-id-wrap");
	close(rfd);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	h_free(c.mem, SLOTS * JOB);
	h_jobs_free(&c.jobs);
	h_info("PASS zerocopy-id-wrap: %llu zero-copy sends, ids from "
	       "2^32 - %u",
	       (unsigned long long)st.sends_zc, BEFORE_WRAP);
	return 0;
}
