// SPDX-License-Identifier: MIT
/*
 * coalesce-efault MODE - a bad buffer among jobs that share a send.
 *
 * Five jobs are queued at once, so one send may carry them all: A, B
 * (its memory inaccessible: PROT_NONE), C, D (a zc_writev() of a good
 * piece and an inaccessible one), E. Must hold: B and D fail alone with
 * -EFAULT (res == error, nothing of them sent, zc_write(3): a local error
 * with nothing sent leaves the stream whole); A, C and E complete whole,
 * each once, in order; the peer receives exactly A, C, E, byte for byte.
 *
 * MODE: off, on.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LEN (8 * H_KIB)
#define SEED 67

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct h_rx rx = { .seed = SEED };
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	struct h_jobs jobs;
	struct zc_engine *e;
	struct zc_sock *s;
	uint8_t *good, *bad;
	int sfd, rfd;

	h_watchdog(60);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	good = h_alloc(3 * LEN + pg);
	bad = h_alloc(LEN);
	mprotect(bad, LEN, PROT_NONE);
	/* A, C, E hold the stream's bytes 0, LEN, 2 LEN; D's good piece is
	 * never sent (the job fails whole), so it holds garbage. */
	h_fill(good, SEED, 0, 3 * LEN);
	memset(good + 3 * LEN, H_GARBAGE, pg);
	h_jobs_init(&jobs, 5);
	h_tcp_pair(&sfd, &rfd, 0, 0);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	{
		struct zc_iovec d[2] = {
			{ .base = good + 3 * LEN, .len = pg },
			{ .base = bad, .len = LEN },
		};

		H_OK(h_write(&jobs, 0, s, good, LEN, NULL));
		H_OK(h_write(&jobs, 1, s, bad, LEN, NULL));
		H_OK(h_write(&jobs, 2, s, good + LEN, LEN, NULL));
		H_OK(h_writev(&jobs, 3, s, d, 2, NULL));
		H_OK(h_write(&jobs, 4, s, good + 2 * LEN, LEN, NULL));
	}
	H_CHECK(h_run_jobs(e, &jobs, 20000) >= 0,
		"only %d of 5 jobs completed in 20 s", jobs.done);
	h_jobs_expect_once(&jobs, "coalesce-efault");
	h_jobs_expect_order(&jobs, "coalesce-efault");
	for (int i = 0; i < 5; i++) {
		const struct zc_result *r = &jobs.job[i].r;

		h_info("job %c: res %zd error %d (%s)", 'A' + i, r->res,
		       r->error, zc_strerror(r->error));
		if (i == 1 || i == 3)
			H_CHECK(r->error == -EFAULT && r->res == -EFAULT,
				"job %c with an inaccessible buffer: res %zd "
				"error %d, want -EFAULT alone",
				'A' + i, r->res, r->error);
		else
			H_CHECK(r->res == (ssize_t)LEN && !r->error,
				"good job %c next to a bad one: res %zd error "
				"%d (%s)",
				'A' + i, r->res, r->error,
				zc_strerror(r->error));
	}
	H_CHECK(h_close(e, s, 10000) == 0, "close callback reported an error");
	close(sfd);
	h_rx_join(&rx, 20000);
	h_rx_expect_intact(&rx, 3 * LEN, "coalesce-efault");
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(rfd);
	h_free(good, 3 * LEN + pg);
	h_free(bad, LEN);
	h_jobs_free(&jobs);
	h_info("PASS coalesce-efault %s", mode);
	return 0;
}
