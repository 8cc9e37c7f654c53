// SPDX-License-Identifier: MIT
/*
 * cancel-read - zc_cancel() of read jobs, started and not.
 *
 * Three reads are queued on a socket with no data: R0 is started (a recv
 * in flight), R1 and R2 wait behind it.
 *  - cancel R2 (not started): it completes at once with -ECANCELED;
 *  - cancel R0 (started): it completes with -ECANCELED (no data came),
 *    and cancelling it again gives -ENOENT;
 *  - the library never writes R0's or R2's buffer after their callbacks
 *    (the buffers are checked to be untouched after data flows);
 *  - then the peer sends: R1 gets the first bytes of the stream, and
 *    reads queued afterwards continue it, intact: a cancelled read took
 *    nothing from the stream.
 * Every callback exactly once.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RLEN  (64 * H_KIB)
#define TOTAL (256 * H_KIB)
#define SEED  853

struct rd {
	int calls;
	struct zc_result r;
};

static void read_cb(struct zc_sock *s, const struct zc_result *r, void *arg)
{
	struct rd *rd = arg;

	if (rd->calls++ == 0)
		rd->r = *r;
}

static bool called(void *arg)
{
	return ((struct rd *)arg)->calls > 0;
}

int main(void)
{
	static uint8_t buf[3][RLEN], more[RLEN], out[TOTAL];
	struct rd rd[3] = { 0 }, rm;
	uint64_t id[3], off = 0;
	struct zc_engine *e;
	struct zc_sock *s;
	int sfd, rfd, ret;

	h_watchdog(20);
	e = h_engine(NULL);
	h_tcp_pair(&sfd, &rfd, 0, 0);
	H_OK(zc_sock_attach(e, rfd, &s));
	memset(buf, 0xab, sizeof(buf));
	for (int i = 0; i < 3; i++)
		H_OK(zc_read(s, buf[i], RLEN, read_cb, &rd[i], &id[i]));
	h_run_for(e, 100);
	H_CHECK(!rd[0].calls && !rd[1].calls && !rd[2].calls, "a read "
							      "completed with "
							      "no data");

	H_OK(zc_cancel(s, id[2]));
	H_CHECK(h_run_until(e, called, &rd[2], 1000) >= 0, "cancelled queued "
							   "read: no callback "
							   "in 1 s");
	H_CHECK(rd[2].r.error == -ECANCELED && rd[2].r.res == -ECANCELED,
		"cancelled queued read: res %zd error %d", rd[2].r.res,
		rd[2].r.error);

	H_OK(zc_cancel(s, id[0]));
	H_CHECK(h_run_until(e, called, &rd[0], 2000) >= 0, "cancelled started "
							   "read: no callback "
							   "in 2 s");
	H_CHECK(rd[0].r.error == -ECANCELED && rd[0].r.res == -ECANCELED,
		"cancelled started read (no data): res %zd error %d",
		rd[0].r.res, rd[0].r.error);
	ret = zc_cancel(s, id[0]);
	H_CHECK(ret == -ENOENT, "second cancel: %d, want -ENOENT", ret);
	H_CHECK(!rd[1].calls, "R1 completed with no data");

	h_fill(out, SEED, 0, TOTAL);
	if (send(sfd, out, TOTAL, MSG_NOSIGNAL) != TOTAL)
		h_fail("send: %s", strerror(errno));
	shutdown(sfd, SHUT_WR);
	H_CHECK(h_run_until(e, called, &rd[1], 2000) >= 0, "R1: no callback in "
							   "2 s after data "
							   "came");
	H_CHECK(rd[1].r.res > 0 && !rd[1].r.error, "R1: res %zd error %d",
		rd[1].r.res, rd[1].r.error);
	H_CHECK(h_verify(buf[1], SEED, 0, (size_t)rd[1].r.res) == H_NO_BAD,
		"R1 did not get the start of the stream: a cancelled read "
		"consumed bytes");
	off = (uint64_t)rd[1].r.res;
	while (off < TOTAL) {
		memset(&rm, 0, sizeof(rm));
		H_OK(zc_read(s, more, RLEN, read_cb, &rm, NULL));
		H_CHECK(h_run_until(e, called, &rm, 2000) >= 0,
			"read at %llu: no callback", (unsigned long long)off);
		H_CHECK(rm.r.res > 0, "read at %llu: res %zd error %d",
			(unsigned long long)off, rm.r.res, rm.r.error);
		H_CHECK(h_verify(more, SEED, off, (size_t)rm.r.res) == H_NO_BAD,
			"stream corrupt near %llu", (unsigned long long)off);
		off += (uint64_t)rm.r.res;
	}
	H_CHECK(off == TOTAL, "got %llu bytes, want %lu",
		(unsigned long long)off, TOTAL);
	for (size_t i = 0; i < RLEN; i++)
		if (buf[0][i] != 0xab || buf[2][i] != 0xab)
			h_fail("a cancelled read's buffer was written at %zu",
			       i);
	for (int i = 0; i < 3; i++)
		H_CHECK(rd[i].calls == 1, "read %d called back %d times", i,
			rd[i].calls);
	H_CHECK(h_close(e, s, 3000) == 0, "close reported an error");
	H_OK(zc_engine_destroy(e));
	close(sfd);
	close(rfd);
	h_done("cancel-read");
}
