// SPDX-License-Identifier: MIT
/*
 * auto-probe-after-budget-wait - auto mode keeps probing after a probe had to wait
 * for the pin budget. DESIGN.md 3.5: auto "probes again now and then".
 *
 * Socket A runs in auto mode with ZC_OPT_AUTO_REPROBE 2: its first
 * zero-copy send is reported copied (every local path copies), so it
 * copies two sends, then probes with one zero-copy send, and so on.
 * Socket H (tx on) holds the whole pin budget behind a stalled receiver
 * exactly when A's probe is due, so the probe waits for the budget. Once
 * H's receiver reads and the budget frees up, A must still probe now and
 * then: over 20 more jobs (10 probe periods) A issues more zero-copy
 * sends. Not a data test (the bytes are checked anyway): a lost probe
 * leaves the socket copying for ever.
 */
#include "harness.h"

#include <string.h>
#include <unistd.h>

#define AJOB   (16 * H_KIB)
#define HJOB   (1 * H_MIB)
#define SEG    (64 * H_KIB)
#define SEED_A 857
#define SEED_H 859
#define MORE   20

static bool first_done(void *arg)
{
	return ((struct h_jobs *)arg)->done > 0;
}

static uint64_t a_sends_zc(struct zc_sock *s)
{
	struct zc_stats st;

	H_OK(zc_sock_stats(s, &st));
	return st.sends_zc;
}

int main(void)
{
	struct h_rx rxa = { .seed = SEED_A },
		    rxh = { .seed = SEED_H, .hold = true };
	struct zc_write_opts on = { .tx_zcopy = ZC_TX_ON };
	struct h_jobs ja, jh, jb;
	struct zc_sock *a, *h;
	struct zc_engine *e;
	uint8_t *ma, *mh;
	uint64_t zc_before, zc_after;
	int afd, arfd, hfd, hrfd;

	h_watchdog(20);
	e = h_engine(NULL);
	if (!strcmp(zc_engine_backend(e), "copy"))
		h_skip("copy backend: no zero-copy, no auto mode");
	H_OK(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, ZC_TX_AUTO));
	H_OK(zc_engine_setopt(e, ZC_OPT_ZC_THRESHOLD, 1));
	H_OK(zc_engine_setopt(e, ZC_OPT_AUTO_REPROBE, 2));
	H_OK(zc_engine_setopt(e, ZC_OPT_PIN_BUDGET, SEG));
	ma = h_alloc((3 + MORE) * AJOB);
	mh = h_alloc(HJOB);
	h_fill(ma, SEED_A, 0, (3 + MORE) * AJOB);
	h_fill(mh, SEED_H, 0, HJOB);
	h_tcp_pair(&afd, &arfd, 0, 0);
	h_tcp_pair(&hfd, &hrfd, 4096, 16384);
	rxa.fd = arfd;
	rxh.fd = hrfd;
	h_rx_start(&rxa);
	h_rx_start(&rxh);
	H_OK(zc_sock_attach(e, afd, &a));
	H_OK(zc_sock_attach(e, hfd, &h));
	H_OK(zc_sock_setopt(h, ZC_OPT_SEG_MAX, SEG));

	/* A's first send: zero-copy, reported copied: A switches to copy. */
	h_jobs_init(&ja, 3);
	H_OK(h_write(&ja, 0, a, ma, AJOB, NULL));
	H_CHECK(h_run_until(e, first_done, &ja, 3000) >= 0, "A's first job: no "
							    "callback");
	H_CHECK(a_sends_zc(a) == 1, "A's first send was not zero-copy");

	/* H pins the whole budget and holds it. */
	h_jobs_init(&jh, 1);
	H_OK(h_write(&jh, 0, h, mh, HJOB, &on));
	h_run_for(e, 100);
	/* A: two copies, then the probe, which must wait for the budget. */
	H_OK(h_write(&ja, 1, a, ma + AJOB, AJOB, NULL));
	H_OK(h_write(&ja, 2, a, ma + 2 * AJOB, AJOB, NULL));
	h_jobs_init(&jb, MORE);
	H_OK(h_write(&jb, 0, a, ma + 3 * AJOB, AJOB, NULL));
	h_run_for(e, 200);
	zc_before = a_sends_zc(a);
	h_info("A: %llu zero-copy sends before the budget frees up",
	       (unsigned long long)zc_before);

	h_rx_release(&rxh);
	H_CHECK(h_run_jobs(e, &jh, 10000) >= 0, "H: no callback in 10 s");
	for (int i = 1; i < MORE; i++) {
		H_OK(h_write(&jb, i, a, ma + (size_t)(3 + i) * AJOB, AJOB,
			     NULL));
		/* One at a time, so every job is its own send. */
		while (jb.done < i)
			H_OK(zc_engine_run(e, 10));
	}
	H_CHECK(h_run_jobs(e, &jb, 10000) >= 0, "A: jobs not done in 10 s");
	zc_after = a_sends_zc(a);
	h_info("A: %llu zero-copy sends after %d more jobs (reprobe 2)",
	       (unsigned long long)zc_after, MORE);
	if (zc_after <= zc_before + 1)
		h_fail_later("auto mode stopped probing: %llu zero-copy sends "
			     "in %d jobs after the budget wait (want about "
			     "%d)",
			     (unsigned long long)(zc_after - zc_before), MORE,
			     MORE / 3);
	H_CHECK(h_close(e, a, 5000) == 0, "close A: error");
	H_CHECK(h_close(e, h, 5000) == 0, "close H: error");
	H_OK(zc_engine_destroy(e));
	close(afd);
	close(hfd);
	h_rx_join(&rxa, 5000);
	h_rx_join(&rxh, 5000);
	h_rx_expect_intact(&rxa, (3 + MORE) * AJOB, "A");
	h_rx_expect_intact(&rxh, HJOB, "H");
	close(arfd);
	close(hrfd);
	h_free(ma, (3 + MORE) * AJOB);
	h_free(mh, HJOB);
	h_jobs_free(&ja);
	h_jobs_free(&jh);
	h_jobs_free(&jb);
	h_done("auto-probe-after-budget-wait");
}
