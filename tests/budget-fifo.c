// SPDX-License-Identifier: MIT
/*
 * budget-fifo - sends waiting for the pin budget go first come, first
 * served: when pinned bytes come back, waiters are let go from the front
 * of the line while the next one fits, and a later, smaller waiter does
 * not overtake the front (it once did: every release kicked every waiter,
 * O(waiters) a release, and large sends could starve).
 *
 * Budget 1 MiB. X (768 KiB) and Z (192 KiB) are taken whole by the
 * kernel and held by peers that do not read: 960 KiB pinned. W1 queues
 * 512 KiB and waits; W2 queues 128 KiB and waits behind it. Z's peer
 * reads: 192 KiB come back, 768 KiB stay pinned. W2 would fit now, W1
 * would not: W2 must still wait. Then X's peer reads: W1 goes, then W2;
 * every stream is intact.
 *
 * Runs where sends pin plain memory: io_uring and msg_zerocopy, mode on.
 */
#include "harness.h"

#include <unistd.h>

#define BUDGET (1 * H_MIB)
#define NS     4
#define BIGBUF (8 * (int)H_MIB) /* sends taken whole, no remainder */

static const size_t len[NS] = { 768 * H_KIB, 192 * H_KIB, 512 * H_KIB,
				128 * H_KIB };
static const char *const name[NS] = { "X", "Z", "W1", "W2" };

static uint64_t written(struct zc_sock *s)
{
	struct zc_stats st;

	H_OK(zc_sock_stats(s, &st));
	return st.bytes_written;
}

int main(void)
{
	struct h_rx rx[NS];
	struct h_jobs jobs[NS];
	struct zc_sock *s[NS];
	struct zc_engine *e;
	size_t total = 0;
	uint8_t *mem, *p;
	int fd[NS];

	h_watchdog(60);
	e = h_engine_budget(BUDGET);
	for (int i = 0; i < NS; i++)
		total += len[i];
	mem = p = h_alloc(total);
	for (int i = 0; i < NS; i++) {
		rx[i] = (struct h_rx){ .seed = 300 + (uint64_t)i,
				       .hold = i < 2 };
		h_tcp_pair(&fd[i], &rx[i].fd, i < 2 ? 4096 : 0, BIGBUF);
		h_rx_start(&rx[i]);
		H_OK(zc_sock_attach(e, fd[i], &s[i]));
		h_fill(p, rx[i].seed, 0, len[i]);
		h_jobs_init(&jobs[i], 1);
		H_OK(h_write(&jobs[i], 0, s[i], p, len[i], NULL));
		p += len[i];
		h_run_for(e, 50);
	}
	H_CHECK(written(s[0]) == len[0] && written(s[1]) == len[1],
		"X and Z not taken whole: %llu, %llu",
		(unsigned long long)written(s[0]),
		(unsigned long long)written(s[1]));
	H_CHECK(!written(s[2]) && !written(s[3]), "W1 or W2 went out over the "
						  "budget");

	h_rx_release(&rx[1]);
	H_CHECK(h_run_until(e, h_job_called, &jobs[1].job[0], 5000) >= 0,
		"Z's job did not complete after its peer read");
	h_run_for(e, 200);
	H_CHECK(!written(s[3]), "W2 (128 KiB) overtook W1 (512 KiB) waiting in "
				"front of it");
	H_CHECK(!written(s[2]), "W1 went out over the budget");

	h_rx_release(&rx[0]);
	for (int i = 0; i < NS; i++) {
		H_CHECK(h_run_jobs(e, &jobs[i], 10000) >= 0,
			"%s's job did not complete", name[i]);
		H_CHECK(jobs[i].job[0].r.res == (ssize_t)len[i] &&
				!jobs[i].job[0].r.error,
			"%s: res %zd error %d", name[i], jobs[i].job[0].r.res,
			jobs[i].job[0].r.error);
	}
	H_CHECK(jobs[2].job[0].done_ms <= jobs[3].job[0].done_ms + 1000, "W1 "
									 "compl"
									 "eted "
									 "long "
									 "after"
									 " W2");
	for (int i = 0; i < NS; i++) {
		h_jobs_expect_once(&jobs[i], name[i]);
		H_CHECK(h_close(e, s[i], 5000) == 0, "closing %s: error",
			name[i]);
		close(fd[i]);
		h_rx_join(&rx[i], 10000);
		h_rx_expect_intact(&rx[i], len[i], name[i]);
		h_jobs_free(&jobs[i]);
	}
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	h_free(mem, total);
	h_info("PASS budget-fifo");
	return 0;
}
