// SPDX-License-Identifier: MIT
/*
 * thread-handoff MODE - on a ZC_ENGINE_ANY_THREAD engine, a thread that
 * queued and submitted writes and reads may exit; another thread drives
 * them to completion, every byte intact.
 *
 * The write socket's buffers are filled first (plain send() of the
 * stream's first bytes until it would block). Thread A attaches two
 * sockets, queues 8 writes of 1 MiB to that peer, which does not read yet
 * (the sends wait in the kernel, none able to move a byte), and 2 reads
 * on a socket whose peer has sent nothing, runs the
 * engine so all of it is with the kernel, and exits. On io_uring the
 * kernel then ends A's requests with -ECANCELED the moment they could
 * proceed, though nobody cancelled them: the library must issue them
 * again, not fail the jobs or break the stream. The main thread starts
 * both peers and drives the engine: every write completes once with its
 * full length, in order, the receiver sees every byte, and the reads
 * (kept two deep from their callbacks) get the peer's stream intact up to
 * its end.
 *
 * MODE: on (zero-copy), off (copy); then "sqpoll" adds ZC_ENGINE_SQPOLL.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NJOBS  8
#define JOB    (1 * H_MIB)
#define SEED_W 141
#define SEED_R 142
#define RBUF   (64 * H_KIB)
#define NREAD  2
#define RTOTAL (4 * H_MIB)

struct reader {
	struct zc_sock *s;
	uint8_t buf[NREAD][RBUF];
	uint64_t off;	  /* stream offset of the next byte */
	uint64_t bad_off; /* H_NO_BAD or the first wrong offset */
	int err;	  /* first error seen by a read */
	int outstanding;  /* reads queued */
	bool eof;
	int next; /* which buffer completes next */
};

static struct zc_engine *eng;
static struct h_jobs jobs;
static struct reader rd;
static uint8_t *mem;
static int wfd, rfd_local;

static void read_cb(struct zc_sock *s, const struct zc_result *r, void *arg);

static int queue_read(int slot)
{
	int ret = zc_read(rd.s, rd.buf[slot], RBUF, read_cb,
			  (void *)(intptr_t)slot, NULL);

	if (ret == 0)
		rd.outstanding++;
	return ret;
}

static void read_cb(struct zc_sock *s, const struct zc_result *r, void *arg)
{
	int slot = (int)(intptr_t)arg;

	rd.outstanding--;
	if (slot != rd.next && !rd.err)
		rd.err = -EPROTO; /* out of order */
	rd.next = (slot + 1) % NREAD;
	if (r->error) {
		if (!rd.err)
			rd.err = r->error;
		return;
	}
	if (r->res == 0) {
		rd.eof = true;
		return;
	}
	if (rd.bad_off == H_NO_BAD) {
		uint64_t bad =
			h_verify(rd.buf[slot], SEED_R, rd.off, (size_t)r->res);

		if (bad != H_NO_BAD) {
			h_explain(rd.buf[slot], SEED_R, rd.off, bad,
				  (size_t)r->res);
			rd.bad_off = bad;
		}
	}
	rd.off += (uint64_t)r->res;
	if (!rd.eof && queue_read(slot) < 0 && !rd.err)
		rd.err = -EIO;
}

/* Thread A: queue and submit everything, then exit. */
static void *thread_a(void *arg)
{
	struct zc_sock *ws;
	int i;

	(void)arg;
	H_OK(zc_sock_attach(eng, wfd, &ws));
	H_OK(zc_sock_attach(eng, rfd_local, &rd.s));
	for (i = 0; i < NJOBS; i++)
		H_OK(h_write(&jobs, i, ws, mem + (size_t)i * JOB, JOB, NULL));
	for (i = 0; i < NREAD; i++)
		H_OK(queue_read(i));
	/* Hand it all to the kernel: the sends block (the peer does not
	 * read), the reads wait for data that does not come yet. */
	for (i = 0; i < 5; i++)
		H_OK(zc_engine_run(eng, 20));
	return ws;
}

/* The peer of the read socket: the whole stream, then end of stream. */
static void *peer_send(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static uint8_t chunk[32 * H_KIB];

	for (uint64_t off = 0; off < RTOTAL; off += sizeof(chunk)) {
		size_t done = 0;

		h_fill(chunk, SEED_R, off, sizeof(chunk));
		while (done < sizeof(chunk)) {
			ssize_t n = send(fd, chunk + done, sizeof(chunk) - done,
					 MSG_NOSIGNAL);

			if (n <= 0)
				h_fail("peer send: %s", strerror(errno));
			done += (size_t)n;
		}
	}
	shutdown(fd, SHUT_WR);
	return NULL;
}

/* Fill the socket's buffers with the stream's head; returns its length. */
static uint64_t prefill(int fd)
{
	static uint8_t chunk[4 * H_KIB];
	int fl = fcntl(fd, F_GETFL);
	uint64_t off = 0;

	H_CHECK(fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0,
		"fcntl: %s", strerror(errno));
	for (;;) {
		ssize_t n;

		h_fill(chunk, SEED_W, off, sizeof(chunk));
		n = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		H_CHECK(n > 0, "prefill send: %s", strerror(errno));
		off += (uint64_t)n;
		if ((size_t)n < sizeof(chunk))
			break;
	}
	H_CHECK(fcntl(fd, F_SETFL, fl) == 0, "fcntl: %s", strerror(errno));
	return off;
}

static bool all_done(void *arg)
{
	(void)arg;
	return jobs.done == NJOBS && (rd.eof || rd.err) && !rd.outstanding;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	bool sqpoll = argc > 2 && !strcmp(argv[2], "sqpoll");
	struct zc_engine_params p = {
		.flags = ZC_ENGINE_ANY_THREAD | (sqpoll ? ZC_ENGINE_SQPOLL : 0)
	};
	struct h_rx rx = { .hold = true, .chunk = 64 * H_KIB };
	struct zc_sock *ws;
	pthread_t ta, tp;
	uint64_t head;
	int wpeer, rpeer;
	void *ret;

	h_watchdog(90);
	eng = h_engine(&p);
	h_engine_mode(eng, mode);
	h_info("backend %s, mode %s", zc_engine_backend(eng), mode);
	mem = h_alloc(NJOBS * JOB);
	h_jobs_init(&jobs, NJOBS);
	rd.bad_off = H_NO_BAD;
	h_tcp_pair(&wfd, &wpeer, 16 * 1024, 0);
	head = prefill(wfd);
	h_fill(mem, SEED_W, head, NJOBS * JOB);
	h_tcp_pair(&rpeer, &rfd_local, 0, 0);
	rx.fd = wpeer;
	rx.seed = SEED_W;
	h_rx_start(&rx);

	H_CHECK(pthread_create(&ta, NULL, thread_a, NULL) == 0, "thread A");
	pthread_join(ta, &ret);
	ws = ret;
	h_info("thread A exited with %d writes and %d reads pending "
	       "(%llu bytes sent before)",
	       NJOBS - jobs.done, rd.outstanding, (unsigned long long)head);

	/* Now the peers move, and this thread drives. */
	h_rx_release(&rx);
	H_CHECK(pthread_create(&tp, NULL, peer_send, (void *)(intptr_t)rpeer) ==
			0,
		"peer thread");
	H_CHECK(h_run_until(eng, all_done, NULL, 60000) >= 0,
		"after the hand-off: %d of %d writes, reads at %llu bytes "
		"(eof %d, err %d)",
		jobs.done, NJOBS, (unsigned long long)rd.off, rd.eof, rd.err);
	pthread_join(tp, NULL);

	h_jobs_expect_once(&jobs, "thread-handoff");
	h_jobs_expect_order(&jobs, "thread-handoff");
	h_jobs_expect_full(&jobs, "thread-handoff");
	H_CHECK(!rd.err, "a read failed: %d (%s)", rd.err, zc_strerror(rd.err));
	H_CHECK(rd.bad_off == H_NO_BAD, "read stream corrupt at %llu",
		(unsigned long long)rd.bad_off);
	H_CHECK(rd.off == RTOTAL, "reads got %llu bytes, want %llu",
		(unsigned long long)rd.off, (unsigned long long)RTOTAL);

	H_CHECK(h_close(eng, ws, 10000) == 0, "close reported an error");
	H_CHECK(h_close(eng, rd.s, 10000) == 0, "close reported an error");
	close(wfd);
	h_rx_join(&rx, 30000);
	h_rx_expect_intact(&rx, head + (uint64_t)NJOBS * JOB, "thread-handoff");
	h_expect_released(eng, 0, "end");
	H_OK(zc_engine_destroy(eng));
	close(wpeer);
	close(rpeer);
	close(rfd_local);
	h_jobs_free(&jobs);
	h_free(mem, NJOBS * JOB);
	h_info("PASS thread-handoff %s", mode);
	return 0;
}
