// SPDX-License-Identifier: MIT
/*
 * engine-fd WAIT - zc_engine_fd() wakes an application's own event loop.
 *
 * The application sleeps in its own epoll_wait() (WAIT = epoll) or poll()
 * (WAIT = poll) on the engine's fd, and the event that lets a job complete
 * happens 100 ms later, from another thread:
 *  - a queued read, completed by the peer sending;
 *  - a zero-copy write to a peer that holds off reading, completed by the
 *    kernel's release once the peer reads.
 * The waiter must wake within half a second (not at the end of its own
 * timeout), and zc_engine_run(e, 0) must then run the callback without
 * blocking.
 */
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define WLEN (256 * H_KIB)

static int calls;
static struct zc_result last;

static void cb(struct zc_sock *s, const struct zc_result *r, void *arg)
{
	calls++;
	last = *r;
}

/* What the other thread does after 100 ms. */
struct later {
	int fd;
	bool do_send; /* else receive WLEN bytes */
	uint8_t *buf;
	ssize_t got;
	pthread_t tid;
};

static void *later_main(void *arg)
{
	struct later *l = arg;

	h_sleep_ms(100);
	if (l->do_send) {
		l->got = send(l->fd, l->buf, 1000, MSG_NOSIGNAL);
	} else {
		l->got = recv(l->fd, l->buf, WLEN, MSG_WAITALL);
	}
	return NULL;
}

static void later_start(struct later *l)
{
	if (pthread_create(&l->tid, NULL, later_main, l))
		h_fail("thread: %s", strerror(errno));
}

/* Sleeps in epoll_wait()/poll() on the engine fd, as an application's loop
 * would, until @want callbacks ran; every wake-up is followed by
 * non-blocking zc_engine_run() calls only. */
static void wait_and_run(struct zc_engine *e, bool use_epoll, int epfd,
			 int want, int ms, const char *what)
{
	double t0 = h_now_ms();
	int n, wakeups = 0, empty = 0;

	while (calls < want) {
		int left = ms - (int)(h_now_ms() - t0);

		if (left <= 0) {
			struct pollfd p = { .fd = zc_engine_fd(e),
					    .events = POLLIN };
			int ready = poll(&p, 1, 0);

			n = zc_engine_run(e, 0);
			h_fail("%s: engine fd not readable within %d ms "
			       "(%d wake-ups); now poll() says %s and "
			       "zc_engine_run(e, 0) runs %d callback(s): the "
			       "completion was there but the fd never woke "
			       "the waiter",
			       what, ms, wakeups,
			       ready > 0 ? "readable" : "not readable", n);
		}
		if (use_epoll) {
			struct epoll_event ev;

			n = epoll_wait(epfd, &ev, 1, left);
		} else {
			struct pollfd p = { .fd = zc_engine_fd(e),
					    .events = POLLIN };

			n = poll(&p, 1, left);
		}
		if (n < 0 && errno == EINTR)
			continue;
		H_CHECK(n >= 0, "wait: %s", strerror(errno));
		if (n == 0)
			continue;
		wakeups++;
		/* Readable: the work must be there to do now. */
		for (int tries = 0; tries < 10 && calls < want; tries++)
			H_OK(zc_engine_run(e, 0));
		empty += calls < want;
	}
	h_info("%s: woken and completed after %.1f ms (%d wake-ups, %d "
	       "without a callback)",
	       what, h_now_ms() - t0, wakeups, empty);
	/* The event came at 100 ms. poll() looks at the fd once more when
	 * its timeout expires, so a fd that never wakes its waiters shows up
	 * as a completion at the very end of the wait. */
	H_CHECK(h_now_ms() - t0 < ms / 2,
		"%s: completed only after %.0f ms for an event at 100 ms: the "
		"fd did not wake the waiter, the wait timed out", what,
		h_now_ms() - t0);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "epoll";
	bool use_epoll = strcmp(how, "poll") != 0;
	struct epoll_event ev = { .events = EPOLLIN };
	uint8_t rbuf[4096], sbuf[1000];
	struct zc_engine *e;
	struct zc_sock *rs, *ws;
	struct later l;
	uint8_t *wbuf, *peer;
	int a, b, c, d, fd, epfd = -1;

	h_watchdog(30);
	e = h_engine(NULL);
	h_engine_mode(e, "on");
	fd = zc_engine_fd(e);
	H_CHECK(fd >= 0, "zc_engine_fd = %d (%s)", fd, zc_strerror(fd));
	if (use_epoll) {
		epfd = epoll_create1(EPOLL_CLOEXEC);
		H_CHECK(epfd >= 0, "epoll_create1: %s", strerror(errno));
		ev.data.fd = fd;
		H_CHECK(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0,
			"cannot add the engine fd to epoll: %s",
			strerror(errno));
	}

	/* A read, completed by data sent 100 ms into the wait. */
	h_tcp_pair(&a, &b, 0, 0);
	H_OK(zc_sock_attach(e, b, &rs));
	H_OK(zc_read(rs, rbuf, sizeof(rbuf), cb, NULL, NULL));
	H_OK(zc_engine_run(e, 0));
	H_OK(zc_engine_run(e, 0));
	H_CHECK(calls == 0, "read completed with no data");
	h_fill(sbuf, 151, 0, sizeof(sbuf));
	l = (struct later){ .fd = a, .do_send = true, .buf = sbuf };
	later_start(&l);
	wait_and_run(e, use_epoll, epfd, 1, 1000, "read");
	pthread_join(l.tid, NULL);
	H_CHECK(l.got == 1000, "peer send: %zd", l.got);
	H_CHECK(last.op == ZC_OP_READ && last.res == 1000 && !last.error,
		"read: res %zd error %d", last.res, last.error);
	H_CHECK(h_verify(rbuf, 151, 0, 1000) == H_NO_BAD, "read data wrong");

	/* A zero-copy write, released once the peer reads 100 ms later. */
	h_tcp_pair(&c, &d, 4096, 0);
	H_OK(zc_sock_attach(e, c, &ws));
	wbuf = h_alloc(WLEN);
	peer = h_alloc(WLEN);
	h_fill(wbuf, 152, 0, WLEN);
	H_OK(zc_write(ws, wbuf, WLEN, NULL, cb, NULL, NULL));
	H_OK(zc_engine_run(e, 0));
	H_CHECK(calls == 1, "write to a peer that does not read completed");
	l = (struct later){ .fd = d, .do_send = false, .buf = peer };
	later_start(&l);
	wait_and_run(e, use_epoll, epfd, 2, 1000, "write");
	pthread_join(l.tid, NULL);
	H_CHECK(last.op == ZC_OP_WRITE && last.res == WLEN && !last.error,
		"write: res %zd error %d", last.res, last.error);
	H_CHECK(l.got == WLEN && h_verify(peer, 152, 0, WLEN) == H_NO_BAD,
		"peer got %zd bytes or wrong ones", l.got);
	h_expect_released(e, 0, "after the write");

	h_close(e, rs, 5000);
	h_close(e, ws, 5000);
	H_OK(zc_engine_destroy(e));
	if (epfd >= 0)
		close(epfd);
	close(a);
	close(b);
	close(c);
	close(d);
	h_free(wbuf, WLEN);
	h_free(peer, WLEN);
	h_info("PASS engine-fd %s", how);
	return 0;
}
