// SPDX-License-Identifier: MIT
/*
 * close-from-callback MODE - closing and aborting from inside callbacks.
 *
 * Socket A has four 256 KiB writes queued to a reading peer. The callback
 * of A's first job calls zc_sock_close(A); the callback of its second job
 * calls zc_sock_abort(A) (an abort during the close). Then:
 *  - every job of A is called back exactly once, in order; jobs 2 and 3
 *    either went out whole or failed (-ECONNABORTED, or short with an
 *    error): never short without an error;
 *  - A's close callback runs exactly once, after the last job callback;
 *    inside it, zc_write() on A is refused with -EPIPE (its callback never
 *    runs) and zc_write() on socket B is accepted and completes;
 *  - the peer of A gets an intact prefix no longer than what the jobs
 *    report; the peer of B gets B's job whole;
 *  - nothing stays pinned or owed.
 *
 * MODE: on, off.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define JOB    (256 * H_KIB)
#define NJ     4
#define SEED_A 863
#define SEED_B 877

static struct {
	struct zc_sock *a, *b;
	uint8_t *ma, *mb;
	struct h_jobs *jb;
	int close_calls, close_ret, wa_ret, wb_ret, refused_calls;
	int jobs_seen_at_close;
	struct h_jobs *ja;
} g;

static void refused_cb(struct zc_sock *s, const struct zc_result *r, void *u)
{
	g.refused_calls++;
}

static void close_cb(struct zc_sock *s, int error, void *u)
{
	g.close_calls++;
	g.close_ret = error;
	g.jobs_seen_at_close = g.ja->done;
	g.wa_ret = zc_write(s, g.ma, JOB, NULL, refused_cb, NULL, NULL);
	g.wb_ret = h_write(g.jb, 0, g.b, g.mb, JOB, NULL);
}

static void on_first(struct h_job *j, struct zc_sock *s)
{
	int ret = zc_sock_close(s, close_cb, NULL);

	if (ret)
		h_fail("zc_sock_close in a callback: %d", ret);
}

static void on_second(struct h_job *j, struct zc_sock *s)
{
	int ret = zc_sock_abort(s);

	if (ret && ret != -EALREADY)
		h_fail("zc_sock_abort in a callback: %d", ret);
}

static bool all(void *arg)
{
	return g.close_calls && g.jb->done == 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct h_rx rxa = { .seed = SEED_A }, rxb = { .seed = SEED_B };
	struct h_jobs ja, jb;
	struct zc_engine *e;
	uint64_t sent = 0;
	int afd, arfd, bfd, brfd;

	h_watchdog(20);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	g.ma = h_alloc(NJ * JOB);
	g.mb = h_alloc(JOB);
	h_fill(g.ma, SEED_A, 0, NJ * JOB);
	h_fill(g.mb, SEED_B, 0, JOB);
	h_tcp_pair(&afd, &arfd, 0, 0);
	h_tcp_pair(&bfd, &brfd, 0, 0);
	rxa.fd = arfd;
	rxb.fd = brfd;
	h_rx_start(&rxa);
	h_rx_start(&rxb);
	H_OK(zc_sock_attach(e, afd, &g.a));
	H_OK(zc_sock_attach(e, bfd, &g.b));
	h_jobs_init(&ja, NJ);
	h_jobs_init(&jb, 1);
	g.ja = &ja;
	g.jb = &jb;
	ja.job[0].on_done = on_first;
	ja.job[1].on_done = on_second;
	for (int i = 0; i < NJ; i++)
		H_OK(h_write(&ja, i, g.a, g.ma + (size_t)i * JOB, JOB, NULL));
	H_CHECK(h_run_until(e, all, NULL, 10000) >= 0,
		"close callback %d times, B's job %d: not done in 10 s",
		g.close_calls, jb.done);
	h_run_for(e, 50);
	h_jobs_expect_once(&ja, "A");
	h_jobs_expect_order(&ja, "A");
	h_jobs_expect_once(&jb, "B");
	for (int i = 0; i < NJ; i++) {
		const struct zc_result *r = &ja.job[i].r;

		h_info("A job %d: res %zd error %d (%s)", i, r->res, r->error,
		       zc_strerror(r->error));
		if (!r->error && r->res != (ssize_t)JOB)
			h_fail("A job %d: short without an error", i);
		if (r->res > 0 && sent == (uint64_t)i * JOB)
			sent += (uint64_t)r->res;
	}
	H_CHECK(g.close_calls == 1, "close callback ran %d times",
		g.close_calls);
	H_CHECK(g.jobs_seen_at_close == NJ,
		"close callback ran after only %d of %d job callbacks",
		g.jobs_seen_at_close, NJ);
	H_CHECK(g.wa_ret == -EPIPE, "zc_write on A in its close callback: %d",
		g.wa_ret);
	H_CHECK(g.refused_calls == 0, "a refused write was called back");
	H_CHECK(g.wb_ret == 0, "zc_write on B in A's close callback: %d",
		g.wb_ret);
	H_CHECK(!jb.job[0].r.error && jb.job[0].r.res == (ssize_t)JOB,
		"B's job: res %zd error %d", jb.job[0].r.res,
		jb.job[0].r.error);
	h_info("A's close callback: error %d (%s)", g.close_ret,
	       zc_strerror(g.close_ret));
	H_CHECK(h_close(e, g.b, 5000) == 0, "close B: error");
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(afd);
	close(bfd);
	h_rx_join(&rxa, 5000);
	h_rx_join(&rxb, 5000);
	h_info("A's peer got %llu bytes", (unsigned long long)rxa.total);
	H_CHECK(rxa.bad_off == H_NO_BAD, "A's peer: corrupt from %llu",
		(unsigned long long)rxa.bad_off);
	H_CHECK(rxa.total <= sent, "A's peer got %llu bytes, jobs report %llu",
		(unsigned long long)rxa.total, (unsigned long long)sent);
	h_rx_expect_intact(&rxb, JOB, "B");
	close(arfd);
	close(brfd);
	h_free(g.ma, NJ * JOB);
	h_free(g.mb, JOB);
	h_jobs_free(&ja);
	h_jobs_free(&jb);
	h_done("close-from-callback");
}
