// SPDX-License-Identifier: MIT
/*
 * writev MODE - zc_writev(): one job from several buffers.
 *
 * 120 jobs, each a header from plain memory, sometimes an empty piece, and
 * a body (1 byte to 20 KiB) from plain memory or a registered pool, are
 * queued at once; then one job of three 1 MiB pieces (plain, pool, plain)
 * with ZC_OPT_SEG_MAX 256 KiB, so its sends start and end inside pieces.
 * Must hold: every byte in order, each job completes once, in order, with
 * res = its total length, len = the total and buf = NULL.
 *
 * MODE: off, on, pool (bodies in a pool), mix (every other body in a
 * pool; zero-copy), args (the arguments zc_writev() must refuse).
 */
#include "harness.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#define NJOBS 120
#define HDR 24
#define BODY_MAX (20 * H_KIB)
#define BIG (1 * H_MIB)
#define SEED 53

static size_t body_len(int i)
{
	return 1 + (size_t)((unsigned int)i * 2654435761u % BODY_MAX);
}

static bool first_done(void *arg)
{
	return ((struct h_jobs *)arg)->done >= NJOBS;
}

static void noop_cb(struct zc_sock *s, const struct zc_result *r, void *ud)
{
	*(int *)ud += 1;
}

/* Each call that must fail, with nothing queued and no callback. */
static void bad_args(struct zc_engine *e, struct zc_sock *s)
{
	static uint8_t a[64], b[64];
	struct zc_pool *pool;
	struct zc_iovec iov[ZC_IOV_MAX + 1];
	struct zc_write_opts with_pool = { .tx_zcopy = ZC_TX_INHERIT };
	int calls = 0;

	H_OK(zc_pool_create(e, 4096, &pool));
	with_pool.pool = pool;
	for (int i = 0; i <= ZC_IOV_MAX; i++)
		iov[i] = (struct zc_iovec){ .base = a, .len = 1 };
#define BAD(what, call)                                                      \
	do {                                                                 \
		int r_ = (call);                                             \
		H_CHECK(r_ == -EINVAL, "%s: %d (%s), want -EINVAL", what,   \
			r_, zc_strerror(r_));                                \
	} while (0)
	BAD("NULL iov", zc_writev(s, NULL, 1, NULL, noop_cb, &calls, NULL));
	BAD("0 pieces", zc_writev(s, iov, 0, NULL, noop_cb, &calls, NULL));
	BAD("ZC_IOV_MAX + 1 pieces",
	    zc_writev(s, iov, ZC_IOV_MAX + 1, NULL, noop_cb, &calls, NULL));
	BAD("no callback", zc_writev(s, iov, 1, NULL, NULL, NULL, NULL));
	BAD("opts->pool set",
	    zc_writev(s, iov, 1, &with_pool, noop_cb, &calls, NULL));
	iov[0] = (struct zc_iovec){ .base = NULL, .len = 5 };
	BAD("a length without base",
	    zc_writev(s, iov, 2, NULL, noop_cb, &calls, NULL));
	iov[0] = (struct zc_iovec){ .base = a, .len = 0 };
	iov[1] = (struct zc_iovec){ .base = NULL, .len = 0 };
	BAD("total 0", zc_writev(s, iov, 2, NULL, noop_cb, &calls, NULL));
	iov[0] = (struct zc_iovec){ .base = b, .len = 8, .pool = pool };
	BAD("a piece outside its pool",
	    zc_writev(s, iov, 1, NULL, noop_cb, &calls, NULL));
	iov[0] = (struct zc_iovec){ .base = zc_pool_base(pool), .len = 4097,
				    .pool = pool };
	BAD("a piece longer than its pool",
	    zc_writev(s, iov, 1, NULL, noop_cb, &calls, NULL));
	iov[0] = (struct zc_iovec){ .base = a, .len = SSIZE_MAX };
	iov[1] = (struct zc_iovec){ .base = b, .len = 2 };
	BAD("total above SSIZE_MAX",
	    zc_writev(s, iov, 2, NULL, noop_cb, &calls, NULL));
#undef BAD
	h_run_for(e, 20);
	H_CHECK(calls == 0, "%d callbacks of refused jobs", calls);
	H_CHECK(zc_engine_pending(e) == 0, "%d jobs pending after refusals",
		zc_engine_pending(e));
	H_OK(zc_pool_destroy(pool));
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	bool mix = !strcmp(mode, "mix");
	struct h_rx rx = { .seed = SEED, .chunk = 64 * H_KIB };
	struct zc_pool *pool = NULL;
	struct h_jobs jobs;
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_stats st;
	uint8_t *plain, *pooled = NULL, *hdrs;
	size_t body_total = 0, pool_size;
	uint64_t off = 0;
	int sfd, rfd;

	h_watchdog(60);
	e = h_engine(NULL);
	h_tcp_pair(&sfd, &rfd, 0, 0);
	rx.fd = rfd;
	H_OK(zc_sock_attach(e, sfd, &s));
	if (!strcmp(mode, "args")) {
		bad_args(e, s);
		H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
		H_OK(zc_engine_destroy(e));
		close(sfd);
		close(rfd);
		h_info("PASS writev args");
		return 0;
	}
	h_engine_mode(e, mix ? "on" : mode);
	for (int i = 0; i < NJOBS; i++)
		body_total += body_len(i);
	pool_size = body_total + BIG;
	plain = h_alloc(body_total + 2 * BIG);
	hdrs = h_alloc(NJOBS * HDR);
	if (mix || !strcmp(mode, "pool")) {
		H_OK(zc_pool_create(e, pool_size, &pool));
		pooled = zc_pool_base(pool);
	}
	h_jobs_init(&jobs, NJOBS + 1);
	for (int i = 0; i < NJOBS; i++) {
		bool in_pool = pooled && (!mix || i % 2);
		size_t at = off - (size_t)i * HDR; /* bytes of bodies before */
		uint8_t *body = (in_pool ? pooled : plain) + at;
		struct zc_iovec iov[3] = {
			{ .base = hdrs + i * HDR, .len = HDR },
			{ .base = NULL, .len = 0 },
			{ .base = body, .len = body_len(i),
			  .pool = in_pool ? pool : NULL },
		};

		h_fill(hdrs + i * HDR, SEED, off, HDR);
		h_fill(body, SEED, off + HDR, body_len(i));
		if (i % 3) /* the empty piece in the middle, or not */
			H_OK(h_writev(&jobs, i, s, iov, 3, NULL));
		else
			H_OK(h_writev(&jobs, i, s,
				      (struct zc_iovec[]){ iov[0], iov[2] }, 2,
				      NULL));
		off += HDR + body_len(i);
	}
	h_rx_start(&rx);
	H_CHECK(h_run_until(e, first_done, &jobs, 30000) >= 0,
		"only %d of %d jobs completed in 30 s", jobs.done, NJOBS);

	/* One job of three 1 MiB pieces, sent in 256 KiB sends. */
	{
		uint8_t *p0 = plain + body_total, *p2 = p0 + BIG;
		/* Without a pool: three separate stretches of plain memory. */
		uint8_t *p1 = pooled ? pooled + body_total : h_alloc(BIG);
		struct zc_iovec big[3] = {
			{ .base = p0, .len = BIG },
			{ .base = p1, .len = BIG, .pool = pooled ? pool : NULL },
			{ .base = p2, .len = BIG },
		};

		h_fill(p0, SEED, off, BIG);
		h_fill(p1, SEED, off + BIG, BIG);
		h_fill(p2, SEED, off + 2 * BIG, BIG);
		H_OK(zc_sock_setopt(s, ZC_OPT_SEG_MAX, 256 * H_KIB));
		H_OK(h_writev(&jobs, NJOBS, s, big, 3, NULL));
		H_CHECK(h_run_jobs(e, &jobs, 30000) >= 0,
			"the 3 MiB job did not complete in 30 s");
		off += 3 * BIG;
		if (!pooled)
			h_free(p1, BIG);
	}
	h_jobs_expect_once(&jobs, "writev");
	h_jobs_expect_order(&jobs, "writev");
	for (int i = 0; i <= NJOBS; i++) {
		size_t want = i < NJOBS ? HDR + body_len(i) : 3 * BIG;

		H_CHECK(jobs.job[i].r.res == (ssize_t)want &&
				jobs.job[i].r.len == want &&
				jobs.job[i].r.buf == NULL &&
				!jobs.job[i].r.error,
			"job %d: res %zd len %zu buf %p error %d, want %zu", i,
			jobs.job[i].r.res, jobs.job[i].r.len,
			jobs.job[i].r.buf, jobs.job[i].r.error, want);
	}
	H_OK(zc_sock_stats(s, &st));
	h_print_stats("socket", &st);
	H_CHECK(st.bytes_written == off, "bytes_written %llu, want %llu",
		(unsigned long long)st.bytes_written,
		(unsigned long long)off);
	H_CHECK(h_close(e, s, 10000) == 0, "close callback reported an error");
	close(sfd);
	h_rx_join(&rx, 20000);
	h_rx_expect_intact(&rx, off, "writev");
	if (pool)
		H_OK(zc_pool_destroy(pool));
	h_free(plain, body_total + 2 * BIG);
	h_free(hdrs, NJOBS * HDR);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(rfd);
	h_jobs_free(&jobs);
	h_info("PASS writev %s", mode);
	return 0;
}
