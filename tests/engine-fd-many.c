// SPDX-License-Identifier: MIT
/*
 * engine-fd-many - an application that sleeps only in poll() on
 * zc_engine_fd() while four sockets each keep two reads queued and the
 * data trickles in. No wake-up may be lost: every poll() of up to 1 s
 * must return because there is work, and every byte must arrive intact.
 *
 * Regression: on io_uring with DEFER_TASKRUN the kernel signals the
 * eventfd only when task work lands on an empty list; a run that reaped
 * completions and returned without running the pending work left the
 * poller asleep (seen: stalls of a second per step, or for ever).
 */
#include "harness.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NS     4
#define CHUNK  (64 * H_KIB)
#define CHUNKS 1000
#define SEED   61

struct stream {
	int wfd;
	struct zc_sock *s;
	uint64_t got;
	uint64_t bad;
	uint8_t buf[2][CHUNK];
};

static struct stream st[NS];

static void *writer(void *arg)
{
	static uint8_t b[CHUNK];

	(void)arg;
	for (int k = 0; k < CHUNKS; k++) {
		for (int i = 0; i < NS; i++) {
			h_fill(b, SEED + (uint64_t)i, (uint64_t)k * CHUNK,
			       CHUNK);
			if (send(st[i].wfd, b, CHUNK, MSG_NOSIGNAL) != CHUNK)
				return NULL;
		}
		if (k % 7 == 0)
			usleep(200); /* let the reader fall asleep */
	}
	for (int i = 0; i < NS; i++)
		shutdown(st[i].wfd, SHUT_WR);
	return NULL;
}

static void on_read(struct zc_sock *s, const struct zc_result *r, void *u)
{
	struct stream *x = u;
	uint64_t bad;

	if (r->res <= 0)
		return; /* end of stream or error: checked by the totals */
	bad = h_verify(r->buf, SEED + (uint64_t)(x - st), x->got,
		       (size_t)r->res);
	if (bad != H_NO_BAD && x->bad == H_NO_BAD)
		x->bad = bad;
	x->got += (uint64_t)r->res;
	if (zc_read(s, r->buf, CHUNK, on_read, x, NULL) < 0)
		h_fail("re-queueing a read failed");
}

int main(void)
{
	struct zc_engine *e;
	pthread_t t;
	uint64_t want = (uint64_t)CHUNKS * CHUNK, total = 0;
	double t0;
	int fd, sleeps = 0, lost = 0;

	h_watchdog(60);
	e = h_engine(NULL);
	for (int i = 0; i < NS; i++) {
		int rfd;

		h_tcp_pair(&st[i].wfd, &rfd, 0, 0);
		st[i].bad = H_NO_BAD;
		H_OK(zc_sock_attach(e, rfd, &st[i].s));
		for (int b = 0; b < 2; b++)
			H_OK(zc_read(st[i].s, st[i].buf[b], CHUNK, on_read,
				     &st[i], NULL));
	}
	H_OK(zc_engine_run(e, 0));
	fd = zc_engine_fd(e);
	H_CHECK(fd >= 0, "zc_engine_fd: %d", fd);
	H_CHECK(pthread_create(&t, NULL, writer, NULL) == 0, "thread");
	t0 = h_now_ms();
	/* Progress must never stop for a second, busy or asleep. */
	for (double moved = t0; total < NS * want && h_now_ms() - t0 < 30000;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t before = total;

		if (poll(&p, 1, 1000) == 0)
			lost++;
		sleeps++;
		H_OK(zc_engine_run(e, 0));
		total = 0;
		for (int i = 0; i < NS; i++)
			total += st[i].got;
		if (total != before)
			moved = h_now_ms();
		else if (h_now_ms() - moved > 1000)
			lost++;
		if (lost)
			break;
	}
	h_info("%s: %llu MiB in %.0f ms, %d sleeps in poll(), %d ended by "
	       "the 1 s timeout",
	       zc_engine_backend(e), (unsigned long long)(total >> 20),
	       h_now_ms() - t0, sleeps, lost);
	pthread_join(t, NULL);
	for (int i = 0; i < NS; i++) {
		H_CHECK(st[i].bad == H_NO_BAD, "stream %d: bad byte at %llu", i,
			(unsigned long long)st[i].bad);
		H_CHECK(st[i].got == want, "stream %d: %llu of %llu bytes", i,
			(unsigned long long)st[i].got,
			(unsigned long long)want);
	}
	H_CHECK(lost == 0, "%d wake-ups lost (poll slept its whole second)",
		lost);
	H_OK(zc_engine_destroy(e));
	for (int i = 0; i < NS; i++)
		close(st[i].wfd);
	return 0;
}
