// SPDX-License-Identifier: MIT
/*
 * bad-args - every call answers bad arguments with an error, never a crash,
 * and a call that fails never calls its callback.
 *
 * Codes are the documented ones (-EINVAL unless the header says otherwise).
 * Cases the header leaves open are printed as notes, not failed.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fails;
static int callbacks;

static void expect(const char *call, long got, long want)
{
	if (got == want)
		return;
	h_info("%s = %ld (%s), want %ld (%s)", call, got, zc_strerror((int)got),
	       want, zc_strerror((int)want));
	fails++;
}

static void note(const char *call, long got)
{
	h_info("note: %s = %ld (%s)", call, got,
	       got < 0 ? zc_strerror((int)got) : "ok");
}

#define EXPECT(call, want) expect(#call, (long)(call), (long)(want))
#define NOTE(call) note(#call, (long)(call))

static void job_cb(struct zc_sock *s, const struct zc_result *r, void *arg)
{
	callbacks++;
}

static void close_cb(struct zc_sock *s, int error, void *arg)
{
	callbacks++;
}

static int busy_ret = 1;
static int busy_calls;

static void destroy_from_cb(struct zc_sock *s, const struct zc_result *r,
			    void *arg)
{
	busy_calls++;
	busy_ret = zc_engine_destroy(arg);
}

static void engine_args(void)
{
	struct zc_engine_params p = { 0 };
	struct zc_engine *e = NULL;

	EXPECT(zc_engine_create(NULL, NULL), -EINVAL);
	p.flags = 1u << 7;
	EXPECT(zc_engine_create(&e, &p), -EINVAL);
	p.flags = 0x80000000u;
	EXPECT(zc_engine_create(&e, &p), -EINVAL);
	p.flags = 0;
	/* A field of a later version this library does not know. */
	p.reserved[5] = 1;
	EXPECT(zc_engine_create(&e, &p), -EINVAL);
	p.reserved[5] = 0;
	p.reserved[0] = 1;
	EXPECT(zc_engine_create(&e, &p), -EINVAL);
	H_CHECK(e == NULL, "a failed zc_engine_create set *out");
	EXPECT(zc_engine_destroy(NULL), -EINVAL);
	EXPECT(zc_engine_run(NULL, 0), -EINVAL);
	EXPECT(zc_engine_fd(NULL), -EINVAL);
	EXPECT(zc_engine_pending(NULL), -EINVAL);
	EXPECT(zc_engine_setopt(NULL, ZC_OPT_TX_ZCOPY, ZC_TX_ON), -EINVAL);
	EXPECT(zc_engine_stats(NULL, NULL), -EINVAL);
	EXPECT(zc_pool_destroy(NULL), -EINVAL);
	EXPECT(zc_sock_close(NULL, close_cb, NULL), -EINVAL);
	EXPECT(zc_sock_abort(NULL), -EINVAL);
	EXPECT(zc_sock_stats(NULL, NULL), -EINVAL);
	EXPECT(zc_sock_setopt(NULL, ZC_OPT_TX_ZCOPY, ZC_TX_ON), -EINVAL);
	EXPECT(zc_sock_fd(NULL), -EINVAL);
	EXPECT(zc_cancel(NULL, 1), -EINVAL);
	H_CHECK(zc_strerror(0) && zc_strerror(-EINVAL) &&
			zc_strerror(-123456) && zc_strerror(INT32_MIN) &&
			zc_strerror(77),
		"zc_strerror returned NULL");
	/* The header and the library state the same version (one source:
	 * meson.build). */
	H_CHECK(zc_version() && !strcmp(zc_version(), ZC_VERSION_STRING),
		"zc_version() = %s, header says %s",
		zc_version() ? zc_version() : "(null)", ZC_VERSION_STRING);
}

static void options(struct zc_engine *e, struct zc_sock *s)
{
	uint64_t v;

	EXPECT(zc_engine_setopt(e, 0, 1), -EINVAL);
	EXPECT(zc_engine_setopt(e, 99, 1), -EINVAL);
	EXPECT(zc_engine_setopt(e, -1, 1), -EINVAL);
	EXPECT(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, 3), -EINVAL);
	EXPECT(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, UINT64_MAX), -EINVAL);
	EXPECT(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, (uint64_t)ZC_TX_INHERIT),
	       -EINVAL);
	/* 100 was the test-only early-completion switch of 0.1: gone from
	 * the public library. */
	EXPECT(zc_engine_setopt(e, 100, 1), -EINVAL);
	EXPECT(zc_engine_getopt(e, 100, &v), -EINVAL);
	EXPECT(zc_engine_getopt(e, 99, &v), -EINVAL);
	EXPECT(zc_engine_getopt(e, ZC_OPT_TX_ZCOPY, NULL), -EINVAL);
	EXPECT(zc_engine_stats(e, NULL), -EINVAL);
	EXPECT(zc_sock_setopt(s, 99, 1), -EINVAL);
	EXPECT(zc_sock_setopt(s, ZC_OPT_TX_ZCOPY, 7), -EINVAL);
	EXPECT(zc_sock_setopt(s, ZC_OPT_PIN_BUDGET, 1), -EINVAL);
	EXPECT(zc_sock_setopt(s, 100, 1), -EINVAL);
	EXPECT(zc_sock_getopt(s, 99, &v), -EINVAL);
	EXPECT(zc_sock_getopt(s, ZC_OPT_TX_ZCOPY, NULL), -EINVAL);
	EXPECT(zc_sock_stats(s, NULL), -EINVAL);
	/* Valid ones still work, and inherit reads back. */
	EXPECT(zc_sock_setopt(s, ZC_OPT_TX_ZCOPY, (uint64_t)ZC_TX_INHERIT), 0);
	EXPECT(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, ZC_TX_OFF), 0);
	EXPECT(zc_engine_getopt(e, ZC_OPT_TX_ZCOPY, &v), 0);
	H_CHECK(v == ZC_TX_OFF, "TX_ZCOPY reads back %llu after a refused set",
		(unsigned long long)v);
	NOTE(zc_engine_setopt(e, ZC_OPT_SEG_MAX, 0));
	NOTE(zc_engine_setopt(e, ZC_OPT_ZC_THRESHOLD, 0));
	NOTE(zc_engine_run(e, -5));
}

static void pools(struct zc_engine *e)
{
	struct zc_pool *p = NULL;

	EXPECT(zc_pool_create(NULL, 4096, &p), -EINVAL);
	EXPECT(zc_pool_create(e, 0, &p), -EINVAL);
	EXPECT(zc_pool_create(e, 4096, NULL), -EINVAL);
	EXPECT(zc_pool_create(e, (1ul << 30) + 1, &p), -EINVAL);
	EXPECT(zc_pool_create(e, SIZE_MAX, &p), -EINVAL);
	H_CHECK(p == NULL, "a failed zc_pool_create set *out");
}

static void sockets(struct zc_engine *e, struct zc_sock **out, int *fds)
{
	struct zc_sock *s = NULL;
	int pfd[2], file;

	EXPECT(zc_sock_attach(NULL, fds[0], &s), -EINVAL);
	EXPECT(zc_sock_attach(e, fds[0], NULL), -EINVAL);
	EXPECT(zc_sock_attach(e, -1, &s), -EBADF);
	EXPECT(zc_sock_attach(e, 1 << 28, &s), -EBADF);
	if (pipe(pfd) < 0)
		h_fail("pipe");
	EXPECT(zc_sock_attach(e, pfd[0], &s), -ENOTSOCK);
	close(pfd[0]);
	close(pfd[1]);
	file = open("/dev/null", O_RDWR);
	EXPECT(zc_sock_attach(e, file, &s), -ENOTSOCK);
	close(file);
	H_CHECK(s == NULL, "a failed zc_sock_attach set *out");
	file = socket(AF_INET, SOCK_DGRAM, 0);
	NOTE(zc_sock_attach(e, file, &s));
	if (s) {
		h_close(e, s, 2000);
		s = NULL;
	}
	close(file);
	H_OK(zc_sock_attach(e, fds[0], out));
}

static void jobs(struct zc_engine *e, struct zc_sock *s)
{
	static uint8_t buf[4096];
	struct zc_write_opts o = { .tx_zcopy = ZC_TX_INHERIT };
	struct zc_pool *pool;
	uint64_t id = 0;
	uint8_t *pbase;

	EXPECT(zc_write(NULL, buf, 1, NULL, job_cb, NULL, NULL), -EINVAL);
	EXPECT(zc_write(s, NULL, 10, NULL, job_cb, NULL, NULL), -EINVAL);
	EXPECT(zc_write(s, buf, 0, NULL, job_cb, NULL, NULL), -EINVAL);
	o.flags = 1;
	EXPECT(zc_write(s, buf, 1, &o, job_cb, NULL, NULL), -EINVAL);
	o.flags = 0;
	o.tx_zcopy = 3;
	EXPECT(zc_write(s, buf, 1, &o, job_cb, NULL, NULL), -EINVAL);
	o.tx_zcopy = -2;
	EXPECT(zc_write(s, buf, 1, &o, job_cb, NULL, NULL), -EINVAL);
	o.tx_zcopy = ZC_TX_INHERIT;
	/* A buffer that is not inside the pool it names. */
	H_OK(zc_pool_create(e, 8192, &pool));
	pbase = zc_pool_base(pool);
	o.pool = pool;
	EXPECT(zc_write(s, buf, 1, &o, job_cb, NULL, NULL), -EINVAL);
	EXPECT(zc_write(s, pbase + 4096, 8192, &o, job_cb, NULL, NULL),
	       -EINVAL);
	EXPECT(zc_write(s, pbase + zc_pool_size(pool), 1, &o, job_cb, NULL,
			NULL),
	       -EINVAL);
	o.pool = NULL;
	/* res is an ssize_t: a longer job could not report its count. */
	EXPECT(zc_write(s, buf, SIZE_MAX, NULL, job_cb, NULL, NULL), -EINVAL);
	NOTE(zc_write(s, buf, 1, NULL, NULL, NULL, NULL));
	EXPECT(zc_read(NULL, buf, 1, job_cb, NULL, NULL), -EINVAL);
	EXPECT(zc_read(s, NULL, 1, job_cb, NULL, NULL), -EINVAL);
	EXPECT(zc_read(s, buf, 0, job_cb, NULL, NULL), -EINVAL);
	EXPECT(zc_cancel(s, 123456789), -ENOENT);
	EXPECT(zc_cancel(s, 0), -ENOENT);
	EXPECT(zc_cancel(s, UINT64_MAX), -ENOENT);
	EXPECT(zc_pool_destroy(pool), 0);

	/* Destroying the engine from a callback: -EBUSY, engine intact. */
	memset(buf, 0, sizeof(buf));
	H_OK(zc_write(s, buf, 100, NULL, destroy_from_cb, e, &id));
	h_run_for(e, 200);
	H_CHECK(busy_calls == 1, "write callback ran %d times", busy_calls);
	EXPECT(busy_ret, -EBUSY);
	EXPECT(zc_cancel(s, id), -ENOENT);
}

int main(void)
{
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_stats st;
	int fds[2];

	h_watchdog(30);
	engine_args();
	e = h_engine(NULL);
	h_tcp_pair(&fds[0], &fds[1], 0, 0);
	pools(e);
	sockets(e, &s, fds);
	options(e, s);
	jobs(e, s);
	h_run_for(e, 50);
	H_CHECK(callbacks == 0, "%d callbacks ran for calls that failed",
		callbacks);
	H_OK(zc_engine_stats(e, &st));
	h_print_stats("engine", &st);
	EXPECT(zc_sock_close(s, close_cb, NULL), 0);
	EXPECT(zc_sock_close(s, close_cb, NULL), -EALREADY);
	h_run_for(e, 200);
	H_CHECK(callbacks == 1, "close callback ran %d times", callbacks);
	EXPECT(zc_engine_destroy(e), 0);
	close(fds[0]);
	close(fds[1]);
	H_CHECK(fails == 0, "%d calls gave the wrong answer", fails);
	h_info("PASS bad-args");
	return 0;
}
