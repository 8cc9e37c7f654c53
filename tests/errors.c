// SPDX-License-Identifier: MIT
/*
 * errors unix | errors efault MODE - a job that the kernel refuses still
 * completes exactly once, after release, with the kernel's error.
 *
 * unix:   a zero-copy write on an AF_UNIX stream pair. The kernel has no
 *         zero-copy for it (EOPNOTSUPP); the library may fail the job with
 *         -EOPNOTSUPP (nothing sent) or send it by copying. Either way one
 *         callback, no hang.
 * efault: a write from unmapped memory fails with -EFAULT and nothing sent;
 *         a write whose second page is unmapped fails with -EFAULT after
 *         at most its first page, and the peer gets exactly that.
 *         MODE: on, off.
 * recover-unix, recover-efault MODE: as above, then the next write on the
 *         same socket (copying, from good memory) must go through: a job
 *         that failed with nothing sent left the stream consistent, so it
 *         must not doom the socket.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEED 41

/* Queues one write, runs until it called back (5 s), returns the result. */
static struct zc_result one_job(struct zc_engine *e, struct zc_sock *s,
				const void *buf, size_t len,
				const struct zc_write_opts *opts,
				const char *what)
{
	struct h_jobs jobs;
	struct zc_result r;
	int ret;

	h_jobs_init(&jobs, 1);
	ret = h_write(&jobs, 0, s, buf, len, opts);
	if (ret < 0) {
		/* A refused call never calls back: make sure of that. */
		h_run_for(e, 50);
		H_CHECK(jobs.job[0].calls == 0, "%s: zc_write failed (%d) but "
			"the callback ran", what, ret);
		h_jobs_free(&jobs);
		memset(&r, 0, sizeof(r));
		r.res = r.error = ret;
		r.id = UINT64_MAX; /* marks "refused at queue time" */
		return r;
	}
	H_CHECK(h_run_jobs(e, &jobs, 5000) >= 0,
		"%s: no callback within 5 s (hang)", what);
	h_run_for(e, 20);
	h_jobs_expect_once(&jobs, what);
	r = jobs.job[0].r;
	h_info("%s: res %zd error %d (%s)", what, r.res, r.error,
	       zc_strerror(r.error));
	h_jobs_free(&jobs);
	return r;
}

/*
 * AF_UNIX: a zero-copy write either fails with -EOPNOTSUPP and nothing
 * sent, or goes out by copying. With @recover, a copying write on the same
 * socket must then go through: the failed job left the stream consistent.
 */
static void test_unix(bool recover)
{
	struct zc_write_opts copy = { .tx_zcopy = ZC_TX_OFF };
	struct h_rx rx = { .seed = SEED };
	struct zc_result r;
	struct zc_engine *e;
	struct zc_sock *s;
	size_t len = H_MIB;
	uint64_t sent;
	uint8_t *buf;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		h_fail("socketpair: %s", strerror(errno));
	e = h_engine(NULL);
	h_engine_mode(e, "on");
	rx.fd = sv[1];
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sv[0], &s));
	buf = h_alloc(len);
	h_fill(buf, SEED, 0, len);
	r = one_job(e, s, buf, len, NULL, "zero-copy on AF_UNIX");
	H_CHECK(r.id != UINT64_MAX, "zc_write refused a stream socket: %zd",
		r.res);
	if (r.error) {
		H_CHECK(r.error == -EOPNOTSUPP && r.res == r.error,
			"want -EOPNOTSUPP with nothing sent, got res %zd "
			"error %d",
			r.res, r.error);
		sent = 0;
		h_info("library reports -EOPNOTSUPP for zero-copy on AF_UNIX");
	} else {
		H_CHECK(r.res == (ssize_t)len, "res %zd, want %zu", r.res, len);
		sent = len;
		h_info("library sent zero-copy on AF_UNIX by copying");
	}
	h_expect_released(e, 0, "after the AF_UNIX job");
	if (recover) {
		h_fill(buf, SEED, sent, len);
		r = one_job(e, s, buf, len, &copy, "copy on AF_UNIX");
		H_CHECK(r.error == 0 && r.res == (ssize_t)len,
			"a copying write after a failed zero-copy one on the "
			"same socket: res %zd error %d (%s)",
			r.res, r.error, zc_strerror(r.error));
		sent += len;
	}
	h_close(e, s, 5000);
	close(sv[0]);
	h_rx_join(&rx, 10000);
	h_rx_expect_intact(&rx, sent, "AF_UNIX stream");
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(sv[1]);
	h_free(buf, len);
}

static bool is_efault(const struct zc_result *r)
{
	return r->error == -EFAULT || (r->id == UINT64_MAX && r->res == -EFAULT);
}

/* A connected pair with a checking receiver and an engine in @mode. */
struct conn {
	struct zc_engine *e;
	struct zc_sock *s;
	struct h_rx rx;
	int sfd, rfd;
};

static void conn_open(struct conn *c, const char *mode)
{
	memset(c, 0, sizeof(*c));
	c->e = h_engine(NULL);
	h_engine_mode(c->e, mode);
	h_tcp_pair(&c->sfd, &c->rfd, 0, 0);
	c->rx.fd = c->rfd;
	c->rx.seed = SEED;
	h_rx_start(&c->rx);
	H_OK(zc_sock_attach(c->e, c->sfd, &c->s));
}

static void conn_close(struct conn *c, uint64_t want, const char *what)
{
	h_close(c->e, c->s, 5000);
	close(c->sfd);
	h_rx_join(&c->rx, 10000);
	h_rx_expect_intact(&c->rx, want, what);
	h_expect_released(c->e, 0, what);
	H_OK(zc_engine_destroy(c->e));
	close(c->rfd);
}

/*
 * -EFAULT: unmapped memory fails with nothing sent; a buffer whose second
 * page is unmapped fails with at most its first page sent, and the peer
 * gets exactly that. With @recover, a good write after a failed one (that
 * sent nothing) on the same socket must go through.
 */
static void test_efault(const char *mode, bool recover)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t good = 64 * H_KIB;
	struct zc_result r;
	uint8_t *bad, *half, *buf;
	struct conn c;
	uint64_t want = 0;

	/*
	 * Inaccessible, but still ours: an unmapped range can be mapped
	 * again by the next allocation (ASan's allocator did, and the kernel
	 * then sent its zeros).
	 */
	bad = h_alloc(2 * pg);
	mprotect(bad, 2 * pg, PROT_NONE);
	half = h_alloc(2 * pg);
	mprotect(half + pg, pg, PROT_NONE);
	h_fill(half, SEED, 0, pg);
	buf = h_alloc(good);
	h_fill(buf, SEED, 0, good);

	conn_open(&c, mode);
	r = one_job(c.e, c.s, bad, 2 * pg, NULL, "unmapped buffer");
	H_CHECK(is_efault(&r) && r.res == r.error,
		"unmapped buffer: res %zd error %d (%s), want -EFAULT",
		r.res, r.error, zc_strerror(r.error));
	if (r.id == UINT64_MAX)
		h_info("note: zc_write itself refused the unmapped buffer "
		       "(the header does not list -EFAULT for zc_write)");
	h_expect_released(c.e, 0, "after the unmapped write");
	if (recover) {
		r = one_job(c.e, c.s, buf, good, NULL,
			    "good write after -EFAULT");
		H_CHECK(r.error == 0 && r.res == (ssize_t)good,
			"a good write after a failed one (nothing sent) on "
			"the same socket: res %zd error %d (%s)",
			r.res, r.error, zc_strerror(r.error));
		want = good;
	}
	conn_close(&c, want, "stream after -EFAULT");
	if (recover)
		goto out;

	/* First page mapped, second not. */
	conn_open(&c, mode);
	r = one_job(c.e, c.s, half, 2 * pg, NULL, "half-mapped buffer");
	H_CHECK(is_efault(&r), "half-mapped buffer: res %zd error %d (%s), "
		"want error -EFAULT", r.res, r.error, zc_strerror(r.error));
	H_CHECK(r.res == r.error || (r.res > 0 && (size_t)r.res <= pg),
		"half-mapped buffer: res %zd: more than the mapped page",
		r.res);
	conn_close(&c, r.res > 0 ? (uint64_t)r.res : 0,
		   "stream of the half-mapped write");
out:
	h_free(buf, good);
	h_free(half, 2 * pg);
	h_free(bad, 2 * pg);
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "unix";

	h_watchdog(30);
	if (!strcmp(what, "unix"))
		test_unix(false);
	else if (!strcmp(what, "efault"))
		test_efault(argc > 2 ? argv[2] : "on", false);
	else if (!strcmp(what, "recover-unix"))
		test_unix(true);
	else if (!strcmp(what, "recover-efault"))
		test_efault(argc > 2 ? argv[2] : "on", true);
	else
		h_fail("usage: errors [recover-]unix | "
		       "errors [recover-]efault on|off");
	h_info("PASS errors %s", what);
	return 0;
}
