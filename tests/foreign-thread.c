// SPDX-License-Identifier: MIT
/*
 * foreign-thread - an engine driven from a thread other than its creator
 * gets one documented error, -EXDEV, on every backend, and nothing else
 * happens to it.
 *
 * The creator queues writes, then a second thread calls every function on
 * the engine, the socket and a pool: each must return -EXDEV (before, the
 * io_uring backend took a zc_write() it could never submit, returned an
 * undocumented -EEXIST from zc_engine_run() and the job never completed,
 * while the epoll backends silently worked). Then the creator finishes:
 * every job completes once, the stream is intact, and no callback ran on
 * the foreign thread. Last, with ZC_ENGINE_ANY_THREAD the same foreign
 * calls are accepted.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NJOBS 8
#define JOB   (256 * H_KIB)
#define SEED  131

struct foreign {
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_pool *pool;
	uint64_t id;
	int want; /* -EXDEV, or 0: accepted (ZC_ENGINE_ANY_THREAD) */
	int bad;
};

static atomic_int foreign_cbs;
static pthread_t creator;

static void foreign_cb(struct zc_sock *s, const struct zc_result *r, void *a)
{
	if (!pthread_equal(pthread_self(), creator))
		atomic_fetch_add(&foreign_cbs, 1);
}

static void foreign_close_cb(struct zc_sock *s, int error, void *a)
{
	foreign_cb(s, NULL, a);
}

static void expect(struct foreign *f, const char *call, long ret)
{
	if (f->want ? ret == f->want : ret >= 0)
		return;
	h_info("foreign thread: %s = %ld (%s), want %s", call, ret,
	       zc_strerror((int)ret), f->want ? "-EXDEV" : "success");
	f->bad++;
}

#define EXPECT(f, call) expect(f, #call, (long)(call))

static void *foreign_main(void *arg)
{
	static uint8_t buf[4096];
	struct foreign *f = arg;
	struct zc_sock *s2 = NULL;
	struct zc_pool *pool = NULL;
	struct zc_stats st;
	uint64_t v;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(buf, H_GARBAGE, sizeof(buf));
	EXPECT(f, zc_engine_run(f->e, 0));
	EXPECT(f, zc_engine_run(f->e, 20));
	EXPECT(f, zc_engine_pending(f->e));
	EXPECT(f, zc_engine_setopt(f->e, ZC_OPT_SEG_MAX, 1 << 20));
	EXPECT(f, zc_engine_getopt(f->e, ZC_OPT_SEG_MAX, &v));
	EXPECT(f, zc_engine_stats(f->e, &st));
	EXPECT(f, zc_engine_fd(f->e));
	EXPECT(f, zc_pool_create(f->e, 4096, &pool));
	if (!f->want && pool)
		EXPECT(f, zc_pool_destroy(pool));
	EXPECT(f, zc_pool_destroy(f->pool));
	f->pool = f->want ? f->pool : NULL;
	EXPECT(f, zc_sock_setopt(f->s, ZC_OPT_SEG_MAX, 1 << 20));
	EXPECT(f, zc_sock_getopt(f->s, ZC_OPT_SEG_MAX, &v));
	EXPECT(f, zc_sock_stats(f->s, &st));
	if (f->want) {
		/* These would change the stream: only where refused. */
		EXPECT(f, zc_write(f->s, buf, sizeof(buf), NULL, foreign_cb,
				   NULL, NULL));
		EXPECT(f,
		       zc_read(f->s, buf, sizeof(buf), foreign_cb, NULL, NULL));
		EXPECT(f, zc_cancel(f->s, f->id));
		EXPECT(f, zc_sock_abort(f->s));
		EXPECT(f, zc_sock_close(f->s, foreign_close_cb, NULL));
		EXPECT(f, zc_sock_attach(f->e, fd, &s2));
		EXPECT(f, zc_engine_destroy(f->e));
		H_CHECK(zc_engine_backend(f->e) == NULL, "zc_engine_backend "
							 "answered a foreign "
							 "thread");
	} else {
		EXPECT(f, zc_sock_attach(f->e, fd, &s2));
		if (s2)
			EXPECT(f, zc_sock_close(s2, foreign_close_cb, NULL));
		EXPECT(f, zc_engine_run(f->e, 0));
	}
	close(fd);
	return NULL;
}

static void run_foreign(struct foreign *f)
{
	pthread_t th;

	H_CHECK(pthread_create(&th, NULL, foreign_main, f) == 0, "pthread_"
								 "create");
	pthread_join(th, NULL);
}

static bool no_pending(void *arg)
{
	return zc_engine_pending(arg) == 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_engine_params any = { .flags = ZC_ENGINE_ANY_THREAD };
	struct foreign f = { .want = -EXDEV };
	struct h_rx rx = { .stall_ms = 200, .chunk = 64 * H_KIB };
	struct h_jobs jobs;
	uint8_t *mem;
	int sfd, rfd;

	h_watchdog(60);
	creator = pthread_self();
	f.e = h_engine(NULL);
	h_engine_mode(f.e, mode);
	h_info("backend %s, mode %s", zc_engine_backend(f.e), mode);
	H_OK(zc_pool_create(f.e, 4096, &f.pool));
	mem = h_alloc(NJOBS * JOB);
	h_fill(mem, SEED, 0, NJOBS * JOB);
	h_tcp_pair(&sfd, &rfd, 16 * 1024, 0);
	rx.fd = rfd;
	rx.seed = SEED;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(f.e, sfd, &f.s));
	h_jobs_init(&jobs, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		H_OK(h_write(&jobs, i, f.s, mem + (size_t)i * JOB, JOB, NULL));
	f.id = jobs.job[NJOBS - 1].id;
	H_OK(zc_engine_run(f.e, 0)); /* some sends with the kernel now */

	run_foreign(&f);
	H_CHECK(!f.bad,
		"%d calls from a foreign thread were not refused "
		"with -EXDEV",
		f.bad);

	/* The creator finishes as if nothing happened. */
	H_CHECK(h_run_jobs(f.e, &jobs, 30000) >= 0,
		"only %d of %d jobs completed after the foreign calls",
		jobs.done, NJOBS);
	h_jobs_expect_once(&jobs, "foreign-thread");
	h_jobs_expect_order(&jobs, "foreign-thread");
	h_jobs_expect_full(&jobs, "foreign-thread");
	H_CHECK(h_close(f.e, f.s, 10000) == 0, "close reported an error");
	close(sfd);
	h_rx_join(&rx, 30000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, "foreign-thread");
	close(rfd);
	H_CHECK(!atomic_load(&foreign_cbs), "a callback ran on the foreign "
					    "thread");
	H_OK(zc_pool_destroy(f.pool));
	H_OK(zc_engine_destroy(f.e));

	/* ZC_ENGINE_ANY_THREAD: the same engine calls are accepted. */
	memset(&f, 0, sizeof(f));
	f.e = h_engine(&any);
	H_OK(zc_pool_create(f.e, 4096, &f.pool));
	h_tcp_pair(&sfd, &rfd, 0, 0);
	H_OK(zc_sock_attach(f.e, sfd, &f.s));
	run_foreign(&f);
	H_CHECK(!f.bad,
		"%d calls from another thread were refused on a "
		"ZC_ENGINE_ANY_THREAD engine",
		f.bad);
	H_CHECK(h_close(f.e, f.s, 10000) == 0, "close reported an error");
	H_CHECK(h_run_until(f.e, no_pending, f.e, 10000) >= 0,
		"a close never completed");
	H_OK(zc_engine_destroy(f.e));
	close(sfd);
	close(rfd);
	h_jobs_free(&jobs);
	h_free(mem, NJOBS * JOB);
	h_info("PASS foreign-thread %s", mode);
	return 0;
}
