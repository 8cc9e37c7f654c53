// SPDX-License-Identifier: MIT
/*
 * fallback - with io_uring_setup() blocked (EPERM) the engine picks
 * msg_zerocopy by itself, an explicit io_uring request fails with the
 * kernel's error, and a zero-copy transfer still arrives intact.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "seccomp.h"

#define NJOBS 16
#define JOB   (4 * H_MIB)
#define SEED  5

int main(void)
{
	struct zc_engine_params p = { .backend = ZC_BACKEND_URING };
	struct zc_engine *e = NULL;
	struct zc_sock *s;
	struct h_jobs jobs;
	struct h_rx rx = { .seed = SEED };
	struct zc_stats st;
	uint8_t *mem;
	int snd, ret;

	h_watchdog(60);
	unsetenv("ZCAIO_BACKEND");
	ret = block_io_uring();
	if (ret < 0)
		h_skip("cannot install a seccomp filter: %s", strerror(-ret));
	ret = zc_engine_create(&e, &p);
	H_CHECK(ret == -EPERM, "explicit io_uring under the filter: %d", ret);
	H_OK(zc_engine_create(&e, NULL));
	H_CHECK(!strcmp(zc_engine_backend(e), "msg_zerocopy"),
		"fell back to %s, want msg_zerocopy", zc_engine_backend(e));
	H_OK(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, ZC_TX_ON));

	h_tcp_pair(&snd, &rx.fd, 0, 0);
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, snd, &s));
	mem = h_alloc((size_t)NJOBS * JOB);
	h_jobs_init(&jobs, NJOBS);
	for (int i = 0; i < NJOBS; i++) {
		h_fill(mem + (size_t)i * JOB, SEED, (uint64_t)i * JOB, JOB);
		H_OK(h_write(&jobs, i, s, mem + (size_t)i * JOB, JOB, NULL));
	}
	H_CHECK(h_run_jobs(e, &jobs, 30000) >= 0, "jobs did not complete");
	h_jobs_expect_once(&jobs, "fallback");
	h_jobs_expect_order(&jobs, "fallback");
	H_OK(zc_engine_stats(e, &st));
	H_CHECK(st.sends_zc > 0, "no zero-copy sends on msg_zerocopy");
	h_expect_released(e, 0, "fallback");
	h_close(e, s, 5000);
	close(snd);
	h_rx_join(&rx, 10000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, "fallback");
	H_OK(zc_engine_destroy(e));
	h_jobs_free(&jobs);
	h_free(mem, (size_t)NJOBS * JOB);
	return 0;
}
