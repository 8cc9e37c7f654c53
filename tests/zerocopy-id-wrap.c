// SPDX-License-Identifier: MIT
/*
 * zerocopy-id-wrap MODE - MSG_ZEROCOPY notification ids that wrap past
 * 2^32 mid-stream release every job exactly once, and never early.
 *
 * The kernel counts a socket's zero-copy sends in 32 bits from 0; the
 * library widens them to 64 (ztrack.c). A socket reaches the wrap only
 * after 4.3 billion sends (measured here: 10 us per send of a dropped
 * 1-byte datagram on a loaded machine, 12 hours), so this test (built
 * with test hooks) sees the kernel's ids plus a bias: the wrap comes
 * after a few hundred real sends, with the kernel's real ranges.
 *
 * tcp: 64 jobs of 64 KiB in 4 KiB segments (1024 sends, the wrap after
 *      700) behind a slow receiver, four buffers reused from the
 *      callbacks and overwritten with garbage the moment a job completes:
 *      ranges come coalesced, some straddling the wrap. Every job once,
 *      in order, whole; the stream intact (an early release shows as
 *      garbage).
 * udp-reorder: in a private network namespace (root or unshare -Urn),
 *      one UDP socket alternates (connect()) between its own address,
 *      reached through lo behind a slow tbf queue, and one behind a veth
 *      whose far end
 *      drops it at once: every fast id is released before the slow one
 *      sent just before it, across the wrap too. 256 jobs of 8 KiB, the
 *      wrap after 128; each buffer overwritten when its job completes.
 *      Every job once, whole; the slow datagrams arrive intact.
 * Both: nothing owed or pinned at the end, more zero-copy sends than the
 * bias left before the wrap. Another backend: skip (no such ids there).
 */
#include "harness.h"
#include "internal.h" /* zc__test_zc_id_bias */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NJOBS	    64
#define SLOTS	    4
#define JOB	    (64 * H_KIB)
#define SEG	    (4 * H_KIB)
#define SEED	    171
#define BEFORE_WRAP 700u
#define UDP_JOBS    256
#define DGRAM	    (8 * H_KIB)
#define UDP_PORT    7124
/* Odd: job UDP_WRAP - 1, the last before the wrap, is a slow one, so the
 * fast one after it, the first after the wrap, is released before it. */
#define UDP_WRAP 127u

static struct {
	uint8_t *mem;
	struct h_jobs jobs;
	int err;
} c;

static void queue_job(struct zc_sock *s, int idx)
{
	uint8_t *slot = c.mem + (size_t)(idx % SLOTS) * JOB;
	int ret;

	h_fill(slot, SEED, (uint64_t)idx * JOB, JOB);
	ret = h_write(&c.jobs, idx, s, slot, JOB, NULL);
	if (ret < 0 && !c.err)
		c.err = ret;
}

static void on_done(struct h_job *j, struct zc_sock *s)
{
	memset((void *)j->buf, H_GARBAGE, j->len);
	if (j->idx + SLOTS < NJOBS)
		queue_job(s, j->idx + SLOTS);
}

static void expect_wrapped(struct zc_sock *s, uint64_t before)
{
	struct zc_stats st;

	H_OK(zc_sock_stats(s, &st));
	h_print_stats("socket", &st);
	H_CHECK(st.sends_zc > before,
		"%llu zero-copy sends: the ids never wrapped",
		(unsigned long long)st.sends_zc);
}

static void tcp_wrap(struct zc_engine *e)
{
	struct h_rx rx = { .seed = SEED,
			   .chunk = 16 * H_KIB,
			   .delay_us = 200,
			   .timeout_ms = 60000 };
	struct zc_sock *s;
	int sfd, rfd;

	c.mem = h_alloc(SLOTS * JOB);
	h_jobs_init(&c.jobs, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		c.jobs.job[i].on_done = on_done;
	h_tcp_pair(&sfd, &rfd, 32 * 1024, 0);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	H_OK(zc_sock_setopt(s, ZC_OPT_SEG_MAX, SEG));
	for (int i = 0; i < SLOTS; i++)
		queue_job(s, i);
	H_CHECK(h_run_jobs(e, &c.jobs, 30000) >= 0,
		"only %d of %d jobs completed across the id wrap", c.jobs.done,
		NJOBS);
	H_CHECK(!c.err, "zc_write: %d (%s)", c.err, zc_strerror(c.err));
	h_jobs_expect_once(&c.jobs, "zerocopy-id-wrap");
	h_jobs_expect_order(&c.jobs, "zerocopy-id-wrap");
	h_jobs_expect_full(&c.jobs, "zerocopy-id-wrap");
	expect_wrapped(s, BEFORE_WRAP);
	H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
	close(sfd);
	h_rx_join(&rx, 60000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, "zerocopy-id-wrap");
	close(rfd);
	h_free(c.mem, SLOTS * JOB);
}

static void on_dgram_done(struct h_job *j, struct zc_sock *s)
{
	memset((void *)j->buf, H_GARBAGE, j->len);
}

/* The slow datagrams, read as they come, into a receive buffer that holds
 * them all (a starved reader must not lose one: that would look like a
 * job released early). */
static struct {
	int fd;
	uint8_t *buf[UDP_JOBS / 2];
	ssize_t len[UDP_JOBS / 2];
} urx;

static void *udp_rx_main(void *arg)
{
	(void)arg;
	for (int k = 0; k < UDP_JOBS / 2; k++) {
		urx.len[k] = recv(urx.fd, urx.buf[k], DGRAM + 64, 0);
		if (urx.len[k] < 0)
			break; /* 10 s of nothing: the check reports it */
	}
	return NULL;
}

/* Every datagram queued so far was taken by the kernel. */
static bool sent_all(void *arg)
{
	struct zc_stats st;

	return zc_sock_stats(arg, &st) == 0 &&
	       st.bytes_written == st.jobs_queued * DGRAM;
}

static void udp_setup(int *tx, struct sockaddr_in *slow,
		      struct sockaddr_in *fast)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 10 };
	int big = 8 << 20;

	h_cmd("tc qdisc add dev lo root tbf rate 4mbit burst 10k limit 4m");
	/* The fast path: a veth whose far end drops what is not its own
	 * (no address there, no forwarding), with a fixed neighbour so no
	 * datagram waits for ARP. */
	h_cmd("ip link add zcv0 type veth peer name zcv1 && "
	      "ip addr add 198.18.1.1/24 dev zcv0 && ip link set zcv0 up && "
	      "ip link set zcv1 up && ip neigh replace 198.18.1.2 lladdr "
	      "02:00:00:00:00:02 dev zcv0 nud permanent");
	/* Our own address is reached through lo (and its tbf); it is also
	 * a source both destinations accept (127.0.0.1 may not leave lo). */
	*slow = (struct sockaddr_in){ .sin_family = AF_INET,
				      .sin_port = htons(UDP_PORT) };
	*fast = *slow;
	inet_pton(AF_INET, "198.18.1.1", &slow->sin_addr);
	inet_pton(AF_INET, "198.18.1.1", &src.sin_addr);
	inet_pton(AF_INET, "198.18.1.2", &fast->sin_addr);
	*tx = socket(AF_INET, SOCK_DGRAM, 0);
	urx.fd = socket(AF_INET, SOCK_DGRAM, 0);
	H_CHECK(*tx >= 0 && urx.fd >= 0 &&
			bind(*tx, (struct sockaddr *)&src, sizeof(src)) == 0 &&
			(setsockopt(urx.fd, SOL_SOCKET, SO_RCVBUFFORCE, &big,
				    sizeof(big)) == 0 ||
			 setsockopt(urx.fd, SOL_SOCKET, SO_RCVBUF, &big,
				    sizeof(big)) == 0) &&
			setsockopt(urx.fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				   sizeof(tv)) == 0 &&
			bind(urx.fd, (struct sockaddr *)slow, sizeof(*slow)) ==
				0 &&
			connect(*tx, (struct sockaddr *)slow, sizeof(*slow)) ==
				0,
		"udp sockets: %s", strerror(errno));
}

static void udp_wrap(struct zc_engine *e)
{
	uint8_t *mem = h_alloc((size_t)UDP_JOBS * DGRAM);
	struct sockaddr_in slow, fast;
	struct zc_sock *s;
	pthread_t th;
	int tx;

	udp_setup(&tx, &slow, &fast);
	for (int k = 0; k < UDP_JOBS / 2; k++) {
		urx.buf[k] = h_alloc(DGRAM + 64);
		urx.len[k] = -1;
	}
	H_CHECK(pthread_create(&th, NULL, udp_rx_main, NULL) == 0, "thread");
	H_OK(zc_sock_attach(e, tx, &s));
	h_jobs_init(&c.jobs, UDP_JOBS);
	for (int i = 0; i < UDP_JOBS; i++) {
		struct sockaddr_in *to = i % 2 ? &fast : &slow;
		uint8_t *buf = mem + (size_t)i * DGRAM;

		c.jobs.job[i].on_done = on_dgram_done;
		h_fill(buf, SEED + (uint64_t)i, 0, DGRAM);
		/* The socket may point elsewhere only once the kernel took
		 * the last datagram (a full send buffer makes it wait). */
		H_CHECK(connect(tx, (struct sockaddr *)to, sizeof(*to)) == 0,
			"connect: %s", strerror(errno));
		H_OK(h_write(&c.jobs, i, s, buf, DGRAM, NULL));
		H_CHECK(h_run_until(e, sent_all, s, 20000) >= 0,
			"datagram %d never went out", i);
	}
	H_CHECK(h_run_jobs(e, &c.jobs, 30000) >= 0,
		"only %d of %d jobs completed across the id wrap", c.jobs.done,
		UDP_JOBS);
	h_jobs_expect_once(&c.jobs, "zerocopy-id-wrap udp");
	h_jobs_expect_full(&c.jobs, "zerocopy-id-wrap udp");
	expect_wrapped(s, UDP_WRAP);
	pthread_join(th, NULL);
	for (int i = 0; i < UDP_JOBS; i += 2) {
		uint8_t *got = urx.buf[i / 2];
		ssize_t n = urx.len[i / 2];
		uint64_t bad;

		H_CHECK(n == DGRAM, "slow datagram %d: %zd bytes", i, n);
		bad = h_verify(got, SEED + (uint64_t)i, 0, DGRAM);
		if (bad != H_NO_BAD) {
			h_explain(got, SEED + (uint64_t)i, 0, bad, DGRAM);
			h_fail("slow datagram %d wrong at byte %llu: its job "
			       "completed before its release",
			       i, (unsigned long long)bad);
		}
		h_free(got, DGRAM + 64);
	}
	H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
	close(tx);
	close(urx.fd);
	h_free(mem, (size_t)UDP_JOBS * DGRAM);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "tcp";
	bool udp = !strcmp(mode, "udp-reorder");
	struct zc_engine *e;

	if (!udp && strcmp(mode, "tcp"))
		h_fail("MODE: tcp or udp-reorder");
	h_watchdog(90);
	if (udp)
		h_private_netns(argv);
	zc__test_zc_id_bias = (uint32_t)(0u - (udp ? UDP_WRAP : BEFORE_WRAP));
	e = h_engine(NULL);
	if (strcmp(zc_engine_backend(e), "msg_zerocopy"))
		h_skip("backend %s: MSG_ZEROCOPY ids are msg_zerocopy's",
		       zc_engine_backend(e));
	h_engine_mode(e, "on");
	if (udp)
		udp_wrap(e);
	else
		tcp_wrap(e);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	h_jobs_free(&c.jobs);
	h_info("PASS zerocopy-id-wrap %s", mode);
	return 0;
}
