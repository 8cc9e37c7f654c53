// SPDX-License-Identifier: MIT
/*
 * coalesce MODE [seg] - many small jobs queued at once on one socket.
 *
 * 400 write jobs of 1 to 6000 bytes are queued before the engine runs, so
 * the library may carry several in one send (issue 10). A 16 KiB receive
 * buffer and a reader taking 4 KiB at a time make sends come back short,
 * inside a job, on every backend; with "seg", ZC_OPT_SEG_MAX of 8000 bytes
 * cuts sends inside
 * jobs on every backend. Must hold: every byte arrives in order, each job
 * completes once, in queue order, with its full length and no error, and
 * there were fewer sends than jobs (small jobs shared sends), not
 * counting the sends of remainders after a short send (a slow reader on a
 * loaded machine makes many).
 *
 * MODE: off, on (zero-copy from plain memory), pool (from a registered
 * pool), mix (every third job in a pool, the others plain memory;
 * zero-copy).
 */
#include "harness.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NJOBS 400
#define SEED  41
#define SEG   8000

static size_t job_len(int i)
{
	return 1 + (size_t)((unsigned int)i * 2654435761u % 6000u);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	bool seg = argc > 2 && !strcmp(argv[2], "seg");
	bool mix = !strcmp(mode, "mix");
	struct h_rx rx = { .seed = SEED, .chunk = 4 * H_KIB };
	struct zc_write_opts pool_opts = { .tx_zcopy = ZC_TX_INHERIT };
	struct zc_pool *pool = NULL;
	struct h_jobs jobs;
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_stats st;
	uint8_t *plain, *pooled;
	uint64_t total = 0;
	int sfd, rfd;

	h_watchdog(60);
	e = h_engine(NULL);
	h_engine_mode(e, mix ? "on" : mode);
	for (int i = 0; i < NJOBS; i++)
		total += job_len(i);
	plain = h_alloc(total);
	pooled = NULL;
	if (mix || !strcmp(mode, "pool")) {
		H_OK(zc_pool_create(e, total, &pool));
		pool_opts.pool = pool;
		pooled = zc_pool_base(pool);
	}
	h_jobs_init(&jobs, NJOBS);
	/* With seg the sends end inside jobs anyway: default buffers, since
	 * 8000-byte zero-copy sends into 16 KiB buffers met the receiver's
	 * window closed and waited out TCP's persist backoff (25 s and more
	 * under load, found in integration). */
	h_tcp_pair(&sfd, &rfd, seg ? 0 : 16 * H_KIB, seg ? 0 : 16 * H_KIB);
	/* Small zero-copy sends otherwise wait for delayed ACKs (40 ms each,
	 * DESIGN.md section 4): mix makes small ones where pool and plain
	 * memory alternate. */
	setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	rx.fd = rfd;
	H_OK(zc_sock_attach(e, sfd, &s));
	if (seg)
		H_OK(zc_sock_setopt(s, ZC_OPT_SEG_MAX, SEG));
	for (uint64_t off = 0, i = 0; i < NJOBS; off += job_len(i), i++) {
		bool in_pool = pooled && (!mix || i % 3 == 0);
		uint8_t *buf = (in_pool ? pooled : plain) + off;

		h_fill(buf, SEED, off, job_len(i));
		H_OK(h_write(&jobs, i, s, buf, job_len(i),
			     in_pool ? &pool_opts : NULL));
	}
	h_rx_start(&rx);
	double ms = h_run_jobs(e, &jobs, 40000);
	H_CHECK(ms >= 0, "only %d of %d jobs completed in 40 s", jobs.done,
		NJOBS);
	h_jobs_expect_once(&jobs, "coalesce");
	h_jobs_expect_order(&jobs, "coalesce");
	for (int i = 0; i < NJOBS; i++)
		H_CHECK(jobs.job[i].r.res == (ssize_t)job_len(i) &&
				!jobs.job[i].r.error,
			"job %d: res %zd error %d, want %zu and 0", i,
			jobs.job[i].r.res, jobs.job[i].r.error, job_len(i));
	H_OK(zc_sock_stats(s, &st));
	h_print_stats("socket", &st);
	h_info("%s%s: %d jobs, %llu bytes, %llu sends (%llu short) in %.0f ms",
	       mode, seg ? " seg" : "", NJOBS, (unsigned long long)total,
	       (unsigned long long)st.sends, (unsigned long long)st.short_sends,
	       ms);
	H_CHECK(st.bytes_written == total, "bytes_written %llu, want %llu",
		(unsigned long long)st.bytes_written,
		(unsigned long long)total);
	H_CHECK(st.sends - st.short_sends < NJOBS,
		"%llu sends (%llu after a short one) for %d small jobs "
		"queued at once: none shared a send",
		(unsigned long long)st.sends,
		(unsigned long long)st.short_sends, NJOBS);
	if (seg)
		H_CHECK(st.sends >= total / SEG,
			"%llu sends of %llu bytes: one was larger than SEG_MAX "
			"%d",
			(unsigned long long)st.sends, (unsigned long long)total,
			SEG);
	H_CHECK(h_close(e, s, 10000) == 0, "close callback reported an error");
	close(sfd);
	h_rx_join(&rx, 20000);
	h_rx_expect_intact(&rx, total, "coalesce");
	if (pool)
		H_OK(zc_pool_destroy(pool));
	h_free(plain, total);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(rfd);
	h_jobs_free(&jobs);
	h_info("PASS coalesce %s%s", mode, seg ? " seg" : "");
	return 0;
}
