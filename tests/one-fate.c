// SPDX-License-Identifier: MIT
/*
 * one-fate ORDER MODE - one connection has one fate: a reset seen by
 * either direction is the error of both.
 *
 * SO_ERROR is read-and-clear, so whichever side of the library hears of
 * a reset first takes it from the kernel. The peer never reads (4 KiB
 * window), our 256 KiB write is all in the kernel's send queue,
 * unacknowledged; then the peer resets.
 *
 * ORDER read-first: a read is queued before the reset and takes the
 *   error. The write, whose pages came back by the reset and not by the
 *   peer's acknowledgement, must fail (once reported res = len, error 0:
 *   "delivered"). The read reports the reset, not end of stream.
 * ORDER write-first: no read is queued; the write side hears of the reset
 *   (a zero-copy write by its release; a copying one, complete already,
 *   by a second write). A read queued after that must report the reset,
 *   never a clean 0 (end of stream).
 *
 * MODE: on (zero-copy: io_uring, msg_zerocopy), off (every backend).
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define JOB  (256 * H_KIB)
#define SEED 23

static bool conn_error(int err)
{
	return err == -ECONNRESET || err == -EPIPE;
}

static int queue_read(struct h_jobs *r, struct zc_sock *s, void *buf,
		      size_t len)
{
	struct h_job *j = &r->job[0];

	j->buf = buf;
	j->len = len;
	return zc_read(s, buf, len, h_job_cb, j, &j->id);
}

static bool written(void *arg)
{
	struct zc_stats st;

	return zc_sock_stats(arg, &st) == 0 && st.bytes_written == JOB;
}

int main(int argc, char **argv)
{
	bool read_first = argc > 1 && !strcmp(argv[1], "read-first");
	const char *mode = argc > 2 ? argv[2] : "on";
	struct h_jobs w, r;
	struct zc_engine *e;
	struct zc_sock *s;
	uint8_t *mem, rbuf[4096];
	int sfd, rfd;

	h_watchdog(30);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_alloc(2 * JOB);
	h_fill(mem, SEED, 0, 2 * JOB);
	h_jobs_init(&w, 2);
	h_jobs_init(&r, 1);
	/* A send buffer that takes the whole job at once. */
	h_tcp_pair(&sfd, &rfd, 4096, 4 * JOB);
	H_OK(zc_sock_attach(e, sfd, &s));
	if (read_first)
		H_OK(queue_read(&r, s, rbuf, sizeof(rbuf)));
	H_OK(h_write(&w, 0, s, mem, JOB, NULL));
	H_CHECK(h_run_until(e, written, s, 5000) >= 0,
		"the kernel did not take the %lu byte job", JOB);
	h_run_for(e, 50);
	if (strcmp(mode, "off"))
		H_CHECK(w.job[0].calls == 0, "zero-copy job completed though "
					     "the peer acknowledged "
					     "at most its window");
	h_close_reset(rfd);

	if (read_first) {
		H_CHECK(h_run_jobs(e, &r, 5000) >= 0, "the read never ended");
		h_info("read: res %zd error %d (%s)", r.job[0].r.res,
		       r.job[0].r.error, zc_strerror(r.job[0].r.error));
		H_CHECK(conn_error(r.job[0].r.error),
			"read on a reset connection: res %zd error %d",
			r.job[0].r.res, r.job[0].r.error);
	}
	w.n = 1;
	H_CHECK(h_run_jobs(e, &w, 5000) >= 0, "the write never ended");
	h_info("write: res %zd error %d (%s)", w.job[0].r.res, w.job[0].r.error,
	       zc_strerror(w.job[0].r.error));
	if (strcmp(mode, "off"))
		H_CHECK(conn_error(w.job[0].r.error),
			"a write the peer never acknowledged reported "
			"res %zd error %d (%s) after a reset",
			w.job[0].r.res, w.job[0].r.error,
			zc_strerror(w.job[0].r.error));
	if (!read_first && !w.job[0].r.error) {
		/* A copy completed when the kernel took it: a second write
		 * hears of the reset. */
		w.n = 2;
		H_OK(h_write(&w, 1, s, mem + JOB, JOB, NULL));
		H_CHECK(h_run_jobs(e, &w, 5000) >= 0, "2nd write never ended");
		H_CHECK(conn_error(w.job[1].r.error),
			"write after the reset: res %zd error %d",
			w.job[1].r.res, w.job[1].r.error);
	}
	if (!read_first) {
		int ret = queue_read(&r, s, rbuf, sizeof(rbuf));

		if (ret == 0) {
			H_CHECK(h_run_jobs(e, &r, 5000) >= 0, "the read never "
							      "ended");
			h_info("read: res %zd error %d (%s)", r.job[0].r.res,
			       r.job[0].r.error, zc_strerror(r.job[0].r.error));
			H_CHECK(conn_error(r.job[0].r.error),
				"read after the write took the reset: res %zd "
				"error %d (clean end of stream on a reset "
				"connection)",
				r.job[0].r.res, r.job[0].r.error);
		} else {
			H_CHECK(conn_error(ret), "zc_read after reset: %d",
				ret);
		}
	}
	h_jobs_expect_once(&r, "read");
	h_close(e, s, 5000);
	close(sfd);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	h_free(mem, 2 * JOB);
	h_jobs_free(&w);
	h_jobs_free(&r);
	h_info("PASS one-fate %s %s", read_first ? "read-first" : "write-first",
	       mode);
	return 0;
}
