// SPDX-License-Identifier: MIT
/*
 * reads N - N read jobs kept queued on one socket.
 *
 * The reads are queued before any data exists (none may complete then). A
 * plain writer thread sends odd sizes (1, 7, 4093, 65537, ...) with
 * pauses, then closes. Each read is requeued from its callback. Must hold:
 * reads complete in the order queued, each with 1..len bytes, the bytes
 * intact in stream order; at end of stream every queued read completes with
 * 0; bytes_read counts every byte.
 */
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXN 8
#define ROUNDS 6
#define SEED 61

static const size_t wsizes[] = { 1, 7, 4093, 65537, 3, 131071, 511,
				 H_MIB + 13, 2, 65536, 12289 };
static const size_t rsizes[] = { 65536, 777, 4096, 13, 262144, 1, 9000, 5 };

struct slot {
	uint8_t *buf;
	size_t len;
	uint64_t ticket; /* order in which its current read was queued */
};

static struct {
	struct slot slot[MAXN];
	int n;
	uint64_t next_ticket;  /* next read to queue */
	uint64_t want_ticket;  /* next read that must complete */
	uint64_t off;	       /* stream bytes received so far */
	int eofs;
	int calls;
	int queue_err;
	struct zc_sock *s;
} g;

static void read_cb(struct zc_sock *s, const struct zc_result *r, void *arg);

static void queue_read(struct slot *sl)
{
	int ret;

	sl->ticket = g.next_ticket++;
	ret = zc_read(g.s, sl->buf, sl->len, read_cb, sl, NULL);
	if (ret < 0 && !g.queue_err)
		g.queue_err = ret;
}

static void read_cb(struct zc_sock *s, const struct zc_result *r, void *arg)
{
	struct slot *sl = arg;
	uint64_t bad;

	g.calls++;
	H_CHECK(r->op == ZC_OP_READ && r->buf == sl->buf && r->len == sl->len,
		"result op %d buf %p len %zu does not match its read (%p %zu)",
		r->op, r->buf, r->len, (void *)sl->buf, sl->len);
	H_CHECK(sl->ticket == g.want_ticket,
		"read queued as number %llu completed when number %llu was due",
		(unsigned long long)sl->ticket,
		(unsigned long long)g.want_ticket);
	g.want_ticket++;
	H_CHECK(!r->error && r->res >= 0 && (size_t)r->res <= sl->len,
		"read: res %zd error %d (%s)", r->res, r->error,
		zc_strerror(r->error));
	if (r->res == 0) {
		g.eofs++;
		return;
	}
	H_CHECK(g.eofs == 0, "a read returned %zd bytes after end of stream",
		r->res);
	bad = h_verify(sl->buf, SEED, g.off, (size_t)r->res);
	if (bad != H_NO_BAD) {
		h_explain(sl->buf, SEED, g.off, bad, (size_t)r->res);
		h_fail("read data wrong at stream offset %llu",
		       (unsigned long long)bad);
	}
	g.off += (uint64_t)r->res;
	/* The library never touches the buffer again: poison it, reuse it. */
	memset(sl->buf, H_GARBAGE, sl->len);
	queue_read(sl);
}

struct writer {
	int fd;
	uint64_t total;
	pthread_t tid;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint8_t *buf = malloc(H_MIB + 13);
	uint64_t off = 0;

	if (!buf)
		h_fail("out of memory");
	h_sleep_ms(100);
	for (int round = 0; round < ROUNDS; round++) {
		for (size_t i = 0; i < sizeof(wsizes) / sizeof(wsizes[0]); i++) {
			size_t len = wsizes[i], done = 0;

			h_fill(buf, SEED, off, len);
			while (done < len) {
				ssize_t n = send(w->fd, buf + done, len - done,
						 MSG_NOSIGNAL);
				if (n < 0 && errno == EINTR)
					continue;
				if (n < 0)
					h_fail("writer: send: %s",
					       strerror(errno));
				done += (size_t)n;
			}
			off += len;
			if (i % 3 == 0)
				h_sleep_ms(1);
		}
	}
	w->total = off;
	free(buf);
	shutdown(w->fd, SHUT_WR);
	return NULL;
}

static bool all_eof(void *arg)
{
	return g.eofs == g.n;
}

int main(int argc, char **argv)
{
	struct writer w;
	struct zc_engine *e;
	struct zc_stats st;
	int sfd, rfd;

	h_watchdog(60);
	g.n = argc > 1 ? atoi(argv[1]) : 2;
	if (g.n < 1 || g.n > MAXN)
		h_fail("usage: reads N (1..%d)", MAXN);
	e = h_engine(NULL);
	h_tcp_pair(&sfd, &rfd, 0, 0);
	H_OK(zc_sock_attach(e, rfd, &g.s));
	for (int i = 0; i < g.n; i++) {
		g.slot[i].len = rsizes[i];
		g.slot[i].buf = h_alloc(rsizes[i]);
		memset(g.slot[i].buf, H_GARBAGE, rsizes[i]);
		queue_read(&g.slot[i]);
	}
	if (g.queue_err)
		h_fail("zc_read: %d (%s)", g.queue_err,
		       zc_strerror(g.queue_err));
	h_run_for(e, 50);
	H_CHECK(g.calls == 0, "%d reads completed before any data was sent",
		g.calls);
	w.fd = sfd;
	if (pthread_create(&w.tid, NULL, writer_main, &w))
		h_fail("writer thread");
	double ms = h_run_until(e, all_eof, NULL, 40000);
	if (g.queue_err)
		h_fail("zc_read from a callback: %d (%s)", g.queue_err,
		       zc_strerror(g.queue_err));
	H_CHECK(ms >= 0, "%d of %d reads saw end of stream after %llu bytes",
		g.eofs, g.n, (unsigned long long)g.off);
	pthread_join(w.tid, NULL);
	h_run_for(e, 20);
	H_CHECK(g.eofs == g.n, "%d end-of-stream completions for %d reads",
		g.eofs, g.n);
	H_CHECK(g.off == w.total, "read %llu bytes, the writer sent %llu",
		(unsigned long long)g.off, (unsigned long long)w.total);
	H_CHECK(zc_engine_pending(e) == 0, "%d jobs pending at the end",
		zc_engine_pending(e));
	H_OK(zc_sock_stats(g.s, &st));
	h_print_stats("socket", &st);
	H_CHECK(st.bytes_read == w.total, "bytes_read %llu, want %llu",
		(unsigned long long)st.bytes_read,
		(unsigned long long)w.total);
	h_info("%d reads queued: %d completions, %llu bytes in %.0f ms", g.n,
	       g.calls, (unsigned long long)g.off, ms);
	h_close(e, g.s, 5000);
	H_OK(zc_engine_destroy(e));
	close(sfd);
	close(rfd);
	for (int i = 0; i < g.n; i++)
		h_free(g.slot[i].buf, g.slot[i].len);
	h_info("PASS reads %d", g.n);
	return 0;
}
