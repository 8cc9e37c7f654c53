// SPDX-License-Identifier: MIT
/*
 * raw-uring - the baseline for lib-send: the smallest io_uring loop that
 * does the sends libzcaio does, with nothing else around it.
 *
 * One send in flight on the socket (more reorder a TCP stream, DESIGN.md
 * 3.1); nbufs buffers rotate. A message goes out as IORING_OP_SEND (copy),
 * IORING_OP_SEND_ZC from plain memory (zc) or SEND_ZC from a registered
 * buffer (zc-fixed). A zero-copy buffer is reused only after the
 * IORING_CQE_F_NOTIF that follows every CQE flagged IORING_CQE_F_MORE; the
 * next message is sent meanwhile, without waiting for that release (TCP
 * releases after the peer's ACK). A short result resends the remainder.
 * Mode "send" is a plain blocking send(2) loop: the floor for both.
 *
 * Prints one line (see bench.h); exit 0, 1 on error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <liburing.h>

#include "bench.h"
#include "compat.h" /* what liburing 2.3 lacks */


/*
 * What libzcaio's io_uring backend passes: no MSG_WAITALL, so a send
 * returns what fit in the socket buffer and the remainder is resubmitted,
 * here as in the library.
 */
#define SEND_FLAGS MSG_NOSIGNAL

struct slot {
	char *buf;
	unsigned int notifs; /* releases still owed by the kernel */
	bool busy;	     /* being sent, or awaiting a release */
};

struct raw {
	struct bench_cfg cfg;
	struct io_uring ring;
	struct slot *slots;
	int fd;
	unsigned int cur;  /* slot being sent, if sending */
	bool sending;
	size_t done;	   /* bytes of the current message taken so far */
	uint64_t bytes;
	uint64_t notifs_out;
	uint64_t notifs_copied;
	uint64_t notifs_total;
	int error;
};

static void prep_send(struct raw *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	char *p = r->slots[r->cur].buf + r->done;
	size_t len = r->cfg.msg - r->done;

	/* One send in flight and an SQ of 8: there is always room. */
	switch (r->cfg.mode) {
	case BENCH_COPY:
		io_uring_prep_send(sqe, r->fd, p, len, SEND_FLAGS);
		break;
	case BENCH_ZC:
		io_uring_prep_send_zc(sqe, r->fd, p, len, SEND_FLAGS,
				      IORING_SEND_ZC_REPORT_USAGE);
		break;
	default:
		io_uring_prep_send_zc_fixed(sqe, r->fd, p, len, SEND_FLAGS,
					    IORING_SEND_ZC_REPORT_USAGE, 0);
		break;
	}
	io_uring_sqe_set_data64(sqe, r->cur);
}

static void on_cqe(struct raw *r, const struct io_uring_cqe *cqe)
{
	struct slot *s = &r->slots[cqe->user_data];

	if (cqe->flags & IORING_CQE_F_NOTIF) {
		s->notifs--;
		r->notifs_out--;
		r->notifs_total++;
		if (cqe->res & IORING_NOTIF_USAGE_ZC_COPIED)
			r->notifs_copied++;
		if (!s->notifs && !(r->sending && s == &r->slots[r->cur]))
			s->busy = false;
		return;
	}
	/* Decide from F_MORE, never from res: errors get a release too. */
	if (cqe->flags & IORING_CQE_F_MORE) {
		s->notifs++;
		r->notifs_out++;
	}
	if (cqe->res <= 0) {
		if (!r->error)
			r->error = cqe->res ? cqe->res : -EPIPE;
		r->sending = false;
		return;
	}
	r->bytes += cqe->res;
	r->done += cqe->res;
	if (r->done < r->cfg.msg) {
		prep_send(r); /* short: the remainder, in order */
		return;
	}
	r->sending = false;
	if (!s->notifs)
		s->busy = false;
	r->cur = (r->cur + 1) % r->cfg.nbufs;
}

/*
 * Stops queuing at the deadline, then drains every release. Not inlined,
 * so that callgrind --toggle-collect=run_uring can count it alone.
 */
static void __attribute__((noinline)) run_uring(struct raw *r)
{
	double end = bench_now() + r->cfg.secs;
	double limit = end + 30; /* a release that never comes */
	bool stop = false;

	for (;;) {
		struct io_uring_cqe *cqe;
		unsigned int head, n = 0;
		double now;
		int ret;

		/* The next buffer is free once its releases all came back. */
		if (!stop && !r->sending && !r->slots[r->cur].busy) {
			r->slots[r->cur].busy = true;
			r->sending = true;
			r->done = 0;
			prep_send(r);
		}
		if (!r->sending && !r->notifs_out)
			break; /* stopped, and the kernel let go of everything */
		ret = io_uring_submit_and_wait(&r->ring, 1);
		if (ret < 0 && ret != -EINTR) {
			r->error = ret;
			break;
		}
		io_uring_for_each_cqe(&r->ring, head, cqe) {
			on_cqe(r, cqe);
			n++;
		}
		io_uring_cq_advance(&r->ring, n);
		now = bench_now();
		if (r->error || now >= end)
			stop = true;
		if (now > limit) {
			r->error = -ETIMEDOUT;
			break;
		}
	}
}

static void run_send(struct raw *r)
{
	double end = bench_now() + r->cfg.secs;

	while (bench_now() < end) {
		char *p = r->slots[r->cur].buf;
		size_t done = 0;

		while (done < r->cfg.msg) {
			ssize_t n = send(r->fd, p + done, r->cfg.msg - done,
					 SEND_FLAGS);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				r->error = n < 0 ? -errno : -EPIPE;
				return;
			}
			done += n;
			r->bytes += n;
		}
		r->cur = (r->cur + 1) % r->cfg.nbufs;
	}
}

/*
 * The ring set up as libzcaio sets up its own (best flags first), and the
 * buffers registered as one region, as a zcaio pool is.
 */
static int setup_ring(struct raw *r, char *mem)
{
	static const unsigned int tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_SUBMIT_ALL,
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN |
			IORING_SETUP_SUBMIT_ALL,
		0,
	};
	struct iovec iov = { mem, r->cfg.msg * r->cfg.nbufs };
	unsigned int i;
	int ret = -EINVAL;

	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		struct io_uring_params p = {
			.flags = tries[i] | IORING_SETUP_CQSIZE,
			.cq_entries = 4 * r->cfg.nbufs + 64,
		};

		ret = io_uring_queue_init_params(8, &r->ring, &p);
		if (ret != -EINVAL)
			break;
	}
	if (ret < 0 || r->cfg.mode != BENCH_ZC_FIXED)
		return ret;
	return io_uring_register_buffers(&r->ring, &iov, 1);
}

int main(int argc, char **argv)
{
	struct raw r = { 0 };
	struct bench_conn conn;
	char extra[64] = "";
	struct bench_usage t0, t1;
	unsigned int i;
	char *mem;
	int ret;

	bench_parse(argc, argv, &r.cfg, "raw-uring",
		    1U << BENCH_SEND | 1U << BENCH_COPY | 1U << BENCH_ZC |
			    1U << BENCH_ZC_FIXED);
	mem = bench_alloc(&r.cfg);
	r.slots = calloc(r.cfg.nbufs, sizeof(*r.slots));
	if (!mem || !r.slots)
		return 1;
	for (i = 0; i < r.cfg.nbufs; i++)
		r.slots[i].buf = mem + (size_t)i * r.cfg.msg;
	/* Fork the receiver before the ring exists: it must not share it. */
	ret = bench_connect(&r.cfg, &conn);
	if (ret < 0) {
		fprintf(stderr, "raw-uring: connect: %s\n", strerror(-ret));
		return 1;
	}
	r.fd = conn.fd;
	if (r.cfg.mode != BENCH_SEND) {
		ret = setup_ring(&r, mem);
		if (ret < 0) {
			fprintf(stderr, "raw-uring: io_uring: %s\n",
				strerror(-ret));
			return 1;
		}
	}

	bench_usage(&r.cfg, &t0);
	if (r.cfg.mode == BENCH_SEND)
		run_send(&r);
	else
		run_uring(&r);
	bench_usage(&r.cfg, &t1);

	ret = bench_finish(&conn, r.bytes);
	if (r.cfg.mode != BENCH_SEND)
		io_uring_queue_exit(&r.ring); /* every release has come back */
	close(conn.fd);
	if (r.error || ret) {
		fprintf(stderr, "raw-uring: %s\n",
			strerror(-(r.error ? r.error : ret)));
		return 1;
	}
	if (r.notifs_total)
		snprintf(extra, sizeof(extra), "zc_copied_pct=%.0f",
			 100.0 * r.notifs_copied / r.notifs_total);
	bench_report("raw", &r.cfg, r.bytes, &t0, &t1, extra);
	return 0;
}
