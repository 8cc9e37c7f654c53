// SPDX-License-Identifier: MIT
/*
 * lifecycle MODE - 32 jobs of 1 MiB over loopback, four in flight, each
 * buffer refilled and requeued from its job's callback.
 *
 * MODE: off (copy), on (zero-copy, plain memory), pool (zero-copy from a
 * registered pool), auto, sock-on (engine off, socket override on), job-on
 * (engine off, per-job option on).
 *
 * Must hold: every callback exactly once, in order, with the full length;
 * the stream intact; the counters add up (bytes written = total; zero-copy
 * requests and copies account for every byte; nothing owed or pinned at
 * the end but the pool).
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define NJOBS 32
#define SLOTS 4
#define JOB (1 * H_MIB)
#define SEED 11

struct ctx {
	struct zc_write_opts opts;
	const struct zc_write_opts *optp;
	uint8_t *mem;
	struct h_jobs jobs;
	int requeue_err;
};

static struct ctx c;

static void queue_job(struct zc_sock *s, int idx)
{
	uint8_t *slot = c.mem + (size_t)(idx % SLOTS) * JOB;
	int ret;

	h_fill(slot, SEED, (uint64_t)idx * JOB, JOB);
	ret = h_write(&c.jobs, idx, s, slot, JOB, c.optp);
	if (ret < 0 && !c.requeue_err)
		c.requeue_err = ret;
}

static void on_done(struct h_job *j, struct zc_sock *s)
{
	/* The buffer is ours again: reuse it for the job SLOTS further on. */
	if (j->idx + SLOTS < NJOBS)
		queue_job(s, j->idx + SLOTS);
}

static void check_stats(const char *mode, const struct zc_stats *st,
			const char *what)
{
	uint64_t total = (uint64_t)NJOBS * JOB;
	bool zc = strcmp(mode, "off") != 0;

	h_print_stats(what, st);
	H_CHECK(st->jobs_queued == NJOBS && st->jobs_done == NJOBS &&
			st->jobs_failed == 0,
		"%s: jobs queued/done/failed %llu/%llu/%llu, want %d/%d/0",
		what, (unsigned long long)st->jobs_queued,
		(unsigned long long)st->jobs_done,
		(unsigned long long)st->jobs_failed, NJOBS, NJOBS);
	H_CHECK(st->bytes_written == total, "%s: bytes_written %llu, want %llu",
		what, (unsigned long long)st->bytes_written,
		(unsigned long long)total);
	H_CHECK(st->sends >= NJOBS, "%s: %llu sends for %d jobs", what,
		(unsigned long long)st->sends, NJOBS);
	H_CHECK(st->bytes_zc + st->bytes_zc_copied + st->bytes_copied == total,
		"%s: zc %llu + zc-copied %llu + copied %llu != written %llu",
		what, (unsigned long long)st->bytes_zc,
		(unsigned long long)st->bytes_zc_copied,
		(unsigned long long)st->bytes_copied, (unsigned long long)total);
	if (!zc) {
		H_CHECK(st->sends_zc == 0 && st->bytes_zc == 0 &&
				st->bytes_zc_copied == 0,
			"%s: zero-copy activity with tx_zcopy off", what);
	} else if (!strcmp(mode, "auto")) {
		/* Every local path copies: auto must notice and stop. */
		H_CHECK(st->sends_zc > 0, "%s: auto never tried zero-copy",
			what);
		H_CHECK(st->auto_fallbacks > 0,
			"%s: auto never fell back although loopback copies",
			what);
	} else {
		/* Threshold 1 byte: every send is a zero-copy request. */
		H_CHECK(st->sends_zc == st->sends,
			"%s: %llu of %llu sends were zero-copy requests", what,
			(unsigned long long)st->sends_zc,
			(unsigned long long)st->sends);
		H_CHECK(st->bytes_zc + st->bytes_zc_copied == total &&
				st->bytes_copied == 0,
			"%s: zero-copy accounting: zc %llu + zc-copied %llu, "
			"copied %llu, want %llu + 0",
			what, (unsigned long long)st->bytes_zc,
			(unsigned long long)st->bytes_zc_copied,
			(unsigned long long)st->bytes_copied,
			(unsigned long long)total);
		if (st->bytes_zc)
			h_info("note: kernel reported %llu bytes really sent "
			       "zero-copy on loopback (expected all copied)",
			       (unsigned long long)st->bytes_zc);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	const char *emode = mode;
	struct zc_pool *pool = NULL;
	uint64_t pool_bytes = 0;
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_stats st, sst;
	struct h_rx rx = { .seed = SEED };
	int sfd, rfd, ret;

	h_watchdog(60);
	if (!strcmp(mode, "sock-on") || !strcmp(mode, "job-on"))
		emode = "off";
	e = h_engine(NULL);
	h_engine_mode(e, emode);
	/* A threshold in the engine must not turn job-on back into copies. */
	H_OK(zc_engine_setopt(e, ZC_OPT_ZC_THRESHOLD, 1));
	c.opts.tx_zcopy = ZC_TX_INHERIT;
	h_jobs_init(&c.jobs, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		c.jobs.job[i].on_done = on_done;

	if (!strcmp(mode, "pool")) {
		H_OK(zc_pool_create(e, SLOTS * JOB, &pool));
		c.mem = zc_pool_base(pool);
		pool_bytes = zc_pool_size(pool);
		H_CHECK(c.mem && pool_bytes >= SLOTS * JOB,
			"pool base %p size %llu", (void *)c.mem,
			(unsigned long long)pool_bytes);
		c.opts.pool = pool;
		c.optp = &c.opts;
		H_OK(zc_engine_stats(e, &st));
		H_CHECK(st.bytes_pinned == pool_bytes,
			"a fresh pool of %llu bytes shows %llu pinned",
			(unsigned long long)pool_bytes,
			(unsigned long long)st.bytes_pinned);
	} else {
		c.mem = h_alloc(SLOTS * JOB);
	}
	if (!strcmp(mode, "job-on")) {
		c.opts.tx_zcopy = ZC_TX_ON;
		c.optp = &c.opts;
	}

	h_tcp_pair(&sfd, &rfd, 0, 0);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	H_CHECK(zc_sock_fd(s) == sfd, "zc_sock_fd %d, want %d", zc_sock_fd(s),
		sfd);
	if (!strcmp(mode, "sock-on"))
		H_OK(zc_sock_setopt(s, ZC_OPT_TX_ZCOPY, ZC_TX_ON));

	for (int i = 0; i < SLOTS; i++)
		queue_job(s, i);
	if (c.requeue_err)
		h_fail("zc_write: %d (%s)", c.requeue_err,
		       zc_strerror(c.requeue_err));
	double ms = h_run_jobs(e, &c.jobs, 40000);
	if (c.requeue_err)
		h_fail("zc_write from a callback: %d (%s)", c.requeue_err,
		       zc_strerror(c.requeue_err));
	H_CHECK(ms >= 0, "only %d of %d jobs completed in 40 s", c.jobs.done,
		NJOBS);
	h_info("%s: %d jobs of %lu bytes in %.0f ms", mode, NJOBS, JOB, ms);
	h_jobs_expect_once(&c.jobs, mode);
	h_jobs_expect_order(&c.jobs, mode);
	for (int i = 0; i < NJOBS; i++) {
		const struct zc_result *r = &c.jobs.job[i].r;

		H_CHECK(r->op == ZC_OP_WRITE && r->error == 0 &&
				r->res == (ssize_t)JOB,
			"job %d: op %d res %zd error %d, want write of %lu", i,
			r->op, r->res, r->error, JOB);
		H_CHECK(r->bytes_zc + r->bytes_copied == JOB,
			"job %d: bytes_zc %llu + bytes_copied %llu != %lu", i,
			(unsigned long long)r->bytes_zc,
			(unsigned long long)r->bytes_copied, JOB);
		if (!strcmp(mode, "off"))
			H_CHECK(r->bytes_zc == 0, "job %d: zero-copy bytes "
				"with tx off", i);
	}
	H_CHECK(zc_engine_pending(e) == 0, "%d jobs still pending",
		zc_engine_pending(e));

	/* Releases are owed until the kernel is done; give it a moment. */
	H_OK(zc_engine_stats(e, &st));
	H_OK(zc_sock_stats(s, &sst));
	check_stats(mode, &st, "engine");
	check_stats(mode, &sst, "socket");
	h_expect_released(e, pool_bytes, "after the last callback");

	ret = h_close(e, s, 10000);
	H_CHECK(ret == 0, "close callback error %d (%s)", ret, zc_strerror(ret));
	close(sfd);
	h_rx_join(&rx, 10000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, mode);

	if (pool) {
		H_OK(zc_pool_destroy(pool));
		h_expect_released(e, 0, "after zc_pool_destroy");
	} else {
		h_free(c.mem, SLOTS * JOB);
	}
	H_OK(zc_engine_destroy(e));
	close(rfd);
	h_jobs_free(&c.jobs);
	h_info("PASS lifecycle %s", mode);
	return 0;
}
