// SPDX-License-Identifier: MIT
/*
 * old-binaries - a program built against zcaio 0.1's header keeps working
 * with this library, and the structs of 0.2 can grow.
 *
 * 0.1's struct zc_engine_params had 16 bytes and its struct zc_stats 14
 * counters; 0.2 added reserved space. This program calls the functions
 * the way a 0.1 binary does, through their ZCAIO_0.1 symbol versions:
 *  - the 16-byte params sit at the very end of a page whose next page is
 *    not mapped, so reading one byte past them faults;
 *  - the 112-byte stats buffers are followed by a canary that must stay;
 *  - the counters read back what one 64 KiB job did.
 * Then the 0.2 layout: stats.size says which counters the library fills,
 * reserved words read 0, and a params field unknown to the library
 * (a reserved word set) is refused.
 */
#include "harness.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define JOB  (64 * H_KIB)
#define SEED 41

struct params_v01 {
	unsigned int sq_entries, cq_entries, flags;
	int backend;
};

struct stats_v01 {
	uint64_t counter[14];
	uint8_t canary[64];
};

int old_engine_create(struct zc_engine **out, const struct params_v01 *p);
int old_engine_stats(struct zc_engine *e, struct stats_v01 *out);
int old_sock_stats(struct zc_sock *s, struct stats_v01 *out);
__asm__(".symver old_engine_create, zc_engine_create@ZCAIO_0.1");
__asm__(".symver old_engine_stats, zc_engine_stats@ZCAIO_0.1");
__asm__(".symver old_sock_stats, zc_sock_stats@ZCAIO_0.1");

static bool canary_intact(const struct stats_v01 *st)
{
	for (size_t i = 0; i < sizeof(st->canary); i++)
		if (st->canary[i] != 0xA5)
			return false;
	return true;
}

/* 0.1's counters are the head of 0.2's struct, in the same order. */
static void expect_same(const struct stats_v01 *old, const struct zc_stats *st,
			const char *what)
{
	H_CHECK(canary_intact(old),
		"%s: the 0.1 call wrote past 0.1's struct zc_stats", what);
	H_CHECK(!memcmp(old->counter, st, sizeof(old->counter)),
		"%s: 0.1 counters differ from 0.2's", what);
}

static void one_job(struct zc_engine *e, struct zc_sock **sp, int *sfd,
		    struct h_rx *rx)
{
	struct h_jobs jobs;
	uint8_t *buf = h_alloc(JOB);
	int rfd;

	h_fill(buf, SEED, 0, JOB);
	h_tcp_pair(sfd, &rfd, 0, 0);
	rx->fd = rfd;
	rx->seed = SEED;
	h_rx_start(rx);
	H_OK(zc_sock_attach(e, *sfd, sp));
	h_jobs_init(&jobs, 1);
	H_OK(h_write(&jobs, 0, *sp, buf, JOB, NULL));
	H_CHECK(h_run_jobs(e, &jobs, 20000) >= 0, "the job never completed");
	h_jobs_expect_once(&jobs, "old-binaries");
	H_CHECK(jobs.job[0].r.res == (ssize_t)JOB, "job res %zd",
		jobs.job[0].r.res);
	h_jobs_free(&jobs);
	h_free(buf, JOB);
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stats_v01 old_e, old_s;
	struct zc_stats st, sst;
	struct zc_engine_params np = { 0 };
	struct zc_engine *e = NULL, *e2 = NULL;
	struct h_rx rx = { 0 };
	struct params_v01 *p;
	struct zc_sock *s;
	uint8_t *map;
	int sfd, ret;

	h_watchdog(60);
	/* A 0.1 binary's params, flush against an unmapped page. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	H_CHECK(map != MAP_FAILED, "mmap: %d", errno);
	H_CHECK(munmap(map + page, page) == 0, "munmap: %d", errno);
	p = (struct params_v01 *)(map + page - sizeof(*p));
	memset(p, 0, sizeof(*p));
	p->sq_entries = 64;
	ret = old_engine_create(&e, p);
	if (ret == -ENOSYS || ret == -EPERM)
		h_skip("no io_uring here: %d", ret);
	H_CHECK(ret == 0 && e, "zc_engine_create@ZCAIO_0.1 = %d", ret);
	/* 0.1 knew no flag: not even ZC_ENGINE_ANY_THREAD's bit. */
	p->flags = 1;
	H_CHECK(old_engine_create(&e2, p) == -EINVAL,
		"a 0.1 call with a flag was not refused");
	h_info("backend %s", zc_engine_backend(e));

	one_job(e, &s, &sfd, &rx);

	memset(&old_e, 0xA5, sizeof(old_e));
	memset(&old_s, 0xA5, sizeof(old_s));
	memset(&st, 0xFF, sizeof(st));
	memset(&sst, 0xFF, sizeof(sst));
	H_OK(old_engine_stats(e, &old_e));
	H_OK(old_sock_stats(s, &old_s));
	H_OK(zc_engine_stats(e, &st));
	H_OK(zc_sock_stats(s, &sst));
	expect_same(&old_e, &st, "engine");
	expect_same(&old_s, &sst, "socket");
	H_CHECK(st.jobs_queued == 1 && st.jobs_done == 1 &&
			st.bytes_written == JOB,
		"engine counters: queued %llu done %llu written %llu",
		(unsigned long long)st.jobs_queued,
		(unsigned long long)st.jobs_done,
		(unsigned long long)st.bytes_written);
	H_CHECK(old_engine_stats(e, NULL) == -EINVAL, "NULL stats accepted");

	/* 0.2: the library says which counters it keeps; the rest reads 0. */
	H_CHECK(st.size == offsetof(struct zc_stats, size) + sizeof(st.size),
		"stats.size = %llu, want %zu", (unsigned long long)st.size,
		offsetof(struct zc_stats, size) + sizeof(st.size));
	for (size_t i = 0; i < sizeof(st.reserved) / sizeof(st.reserved[0]);
	     i++)
		H_CHECK(st.reserved[i] == 0 && sst.reserved[i] == 0,
			"reserved[%zu] not zeroed", i);
	np.reserved[3] = 7;
	H_CHECK(zc_engine_create(&e2, &np) == -EINVAL, "a params field unknown "
						       "to the library was not "
						       "refused");

	H_CHECK(h_close(e, s, 10000) == 0, "close callback reported an error");
	close(sfd);
	h_rx_join(&rx, 10000);
	h_rx_expect_intact(&rx, JOB, "old-binaries");
	close(rx.fd);
	H_OK(zc_engine_destroy(e));
	munmap(map, page);
	h_info("PASS old-binaries");
	return 0;
}
