// SPDX-License-Identifier: MIT
/*
 * raw-msgzc - the baseline for lib-send on the msg_zerocopy and copy
 * backends: the smallest loop of our own that does the sends
 * src/backend-epoll.c does, with nothing else around it.
 *
 * One send in flight on the socket, nbufs buffers rotating. Mode zc: the
 * socket has SO_ZEROCOPY and each message goes out as
 * send(MSG_ZEROCOPY | MSG_DONTWAIT | MSG_NOSIGNAL), the remainder of a
 * short send again; every send that took bytes owes one notification, and
 * a buffer is reused only after the ranges on the error queue covered all
 * of its sends (ids widened from 32 bits). The error queue is read only
 * when a buffer is needed back (or the kernel says ENOBUFS), one
 * recvmsg(MSG_ERRQUEUE) at a time. When the socket is full, or the next
 * buffer is not back yet, the loop sleeps in poll(). Mode copy: the same
 * loop with plain non-blocking send(), as the copy backend does. Mode
 * send: a blocking send(2) loop, the floor.
 *
 * Prints one line (see bench.h), with counts of what the loop did; exit 0,
 * 1 on error.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h> /* before errqueue.h, which needs struct timespec */
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "compat.h"

/* What the library's epoll backends pass. */
#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)
/* Sends awaiting a release we can track (ids of the socket's counter). */
#define IDS (1U << 16)

struct raw {
	struct bench_cfg cfg;
	char *mem;
	int fd;
	bool zc;
	unsigned int *owed;   /* per buffer: notifications still owed */
	unsigned short *ids;  /* per outstanding id: buffer + 1, 0 = released */
	uint64_t id_base;     /* lowest id not yet released */
	uint64_t id_next;     /* id the next send that takes bytes gets */
	unsigned int cur;     /* buffer being sent, if sending */
	bool sending;
	size_t done;	      /* bytes of the current message taken */
	uint64_t bytes, msgs;
	uint64_t sends, shorts, eagain, enobufs, polls, errq_reads, errq_msgs;
	uint64_t notifs_ids, notifs_copied_ids;
	int error;
};

static void release_range(struct raw *r, uint32_t lo, uint32_t hi, bool copied)
{
	/* Widen: lo is less than 2^31 away from the lowest outstanding id. */
	uint64_t lo64 = r->id_base + (int64_t)(int32_t)(lo - (uint32_t)r->id_base);
	uint64_t hi64 = lo64 + (uint32_t)(hi - lo);
	uint64_t id;

	if ((int64_t)(lo64 - r->id_base) < 0)
		lo64 = r->id_base;
	for (id = lo64; id <= hi64 && id < r->id_next; id++) {
		unsigned short *s = &r->ids[id & (IDS - 1)];

		if (!*s)
			continue;
		r->owed[*s - 1]--;
		*s = 0;
		r->notifs_ids++;
		if (copied)
			r->notifs_copied_ids++;
	}
	while (r->id_base != r->id_next && !r->ids[r->id_base & (IDS - 1)])
		r->id_base++;
}

/* One recvmsg(MSG_ERRQUEUE); 1 if it read a notification, 0 if none. */
static int drain_one(struct raw *r)
{
	char ctrl[CMSG_SPACE(sizeof(struct sock_extended_err)) + 64];
	struct msghdr mh = { .msg_control = ctrl,
			     .msg_controllen = sizeof(ctrl) };
	struct cmsghdr *cm;

	r->errq_reads++;
	if (recvmsg(r->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
		if (errno != EAGAIN && errno != EINTR && !r->error)
			r->error = -errno;
		return 0;
	}
	r->errq_msgs++;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		struct sock_extended_err ee;

		if (!((cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) ||
		      (cm->cmsg_level == SOL_IPV6 &&
		       cm->cmsg_type == IPV6_RECVERR)))
			continue;
		memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
		if (ee.ee_origin == SO_EE_ORIGIN_ZEROCOPY)
			release_range(r, ee.ee_info, ee.ee_data,
				      ee.ee_code & SO_EE_CODE_ZEROCOPY_COPIED);
	}
	return 1;
}

/* Sleep until the socket can take bytes (want_out) or a release came. */
static void wait_sock(struct raw *r, bool want_out)
{
	struct pollfd p = { .fd = r->fd, .events = want_out ? POLLOUT : 0 };
	int n;

	r->polls++;
	n = poll(&p, 1, 1000);
	if (n < 0 && errno != EINTR && !r->error)
		r->error = -errno;
	if (n > 0 && (p.revents & POLLERR) && r->zc)
		drain_one(r);
	else if (n > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) &&
		 !r->error)
		r->error = -EPIPE;
}

/*
 * Stops starting messages at the deadline, then waits for every release.
 * Not inlined, so that callgrind --toggle-collect=run_msgzc can count it
 * alone.
 */
static void __attribute__((noinline)) run_msgzc(struct raw *r)
{
	int flags = SEND_FLAGS | (r->zc ? MSG_ZEROCOPY : 0);
	double end = bench_now() + r->cfg.secs;
	double limit = end + 30; /* a release that never comes */
	bool stop = false;

	while (!r->error) {
		bool full = false;
		ssize_t n;

		/* The next buffer may go once the kernel let go of it. */
		if (!stop && !r->sending && !r->owed[r->cur] &&
		    r->id_next - r->id_base < IDS) {
			r->sending = true;
			r->done = 0;
		}
		if (r->sending) {
			n = send(r->fd, r->mem + (size_t)r->cur * r->cfg.msg +
					       r->done,
				 r->cfg.msg - r->done, flags);
			if (n > 0) {
				r->sends++;
				r->bytes += n;
				r->done += n;
				if (r->done < r->cfg.msg)
					r->shorts++;
				if (r->zc) {
					r->ids[r->id_next++ & (IDS - 1)] =
						r->cur + 1;
					r->owed[r->cur]++;
				}
				if (r->done < r->cfg.msg)
					continue;
				r->sending = false;
				r->msgs++;
				r->cur = (r->cur + 1) % r->cfg.nbufs;
				if (bench_now() >= end)
					stop = true;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == ENOBUFS && r->zc) {
				/* optmem full of notifications */
				r->enobufs++;
				if (!drain_one(r))
					wait_sock(r, false);
				goto check;
			}
			if (n == 0 || errno != EAGAIN) {
				r->error = n < 0 ? -errno : -EPIPE;
				break;
			}
			r->eagain++;
			full = true;
		}
		if (!r->sending && stop && r->id_base == r->id_next)
			break; /* stopped, and every page is back */
		/* Waiting for a buffer: read the error queue first. */
		if (!r->sending && r->zc && drain_one(r))
			goto check;
		wait_sock(r, full);
check:
		if (bench_now() > limit) {
			r->error = -ETIMEDOUT;
			break;
		}
	}
}

static void run_send(struct raw *r)
{
	double end = bench_now() + r->cfg.secs;

	while (bench_now() < end) {
		char *p = r->mem + (size_t)r->cur * r->cfg.msg;
		size_t done = 0;

		while (done < r->cfg.msg) {
			ssize_t n = send(r->fd, p + done, r->cfg.msg - done,
					 MSG_NOSIGNAL);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				r->error = n < 0 ? -errno : -EPIPE;
				return;
			}
			r->sends++;
			done += n;
			r->bytes += n;
		}
		r->msgs++;
		r->cur = (r->cur + 1) % r->cfg.nbufs;
	}
}

int main(int argc, char **argv)
{
	struct raw r = { 0 };
	struct bench_conn conn;
	char extra[256];
	struct bench_usage t0, t1;
	int one = 1, ret;

	bench_parse(argc, argv, &r.cfg, "raw-msgzc",
		    1U << BENCH_SEND | 1U << BENCH_COPY | 1U << BENCH_ZC);
	r.zc = r.cfg.mode == BENCH_ZC;
	r.mem = bench_alloc(&r.cfg);
	r.owed = calloc(r.cfg.nbufs, sizeof(*r.owed));
	r.ids = calloc(IDS, sizeof(*r.ids));
	if (!r.mem || !r.owed || !r.ids)
		return 1;
	ret = bench_connect(&r.cfg, &conn);
	if (ret < 0) {
		fprintf(stderr, "raw-msgzc: connect: %s\n", strerror(-ret));
		return 1;
	}
	r.fd = conn.fd;
	/* Without it MSG_ZEROCOPY is silently a copy, with no release. */
	if (r.zc && setsockopt(r.fd, SOL_SOCKET, SO_ZEROCOPY, &one,
			       sizeof(one)) < 0) {
		fprintf(stderr, "raw-msgzc: SO_ZEROCOPY: %s\n",
			strerror(errno));
		return 1;
	}

	bench_usage(&r.cfg, &t0);
	if (r.cfg.mode == BENCH_SEND)
		run_send(&r);
	else
		run_msgzc(&r);
	bench_usage(&r.cfg, &t1);

	ret = bench_finish(&conn, r.bytes);
	close(conn.fd);
	if (r.error || ret) {
		fprintf(stderr, "raw-msgzc: %s\n",
			strerror(-(r.error ? r.error : ret)));
		return 1;
	}
	snprintf(extra, sizeof(extra),
		 "backend=raw msgs=%llu sends=%llu short=%llu eagain=%llu "
		 "enobufs=%llu polls=%llu errq_reads=%llu errq_msgs=%llu "
		 "zc_copied_pct=%.0f",
		 (unsigned long long)r.msgs, (unsigned long long)r.sends,
		 (unsigned long long)r.shorts, (unsigned long long)r.eagain,
		 (unsigned long long)r.enobufs, (unsigned long long)r.polls,
		 (unsigned long long)r.errq_reads,
		 (unsigned long long)r.errq_msgs,
		 r.notifs_ids ? 100.0 * r.notifs_copied_ids / r.notifs_ids
			      : 0.0);
	bench_report("raw", &r.cfg, r.bytes, &t0, &t1, extra);
	free(r.ids);
	free(r.owed);
	free(r.mem);
	return 0;
}
