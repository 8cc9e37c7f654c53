// SPDX-License-Identifier: MIT
/*
 * coalesce-udp MODE - datagram jobs are never merged.
 *
 * 64 write jobs of different sizes (1 to 1400 bytes; every fourth one a
 * zc_writev() of a header, an empty piece and a body, the body in a
 * registered pool in MODE pool) are queued at once on a connected UDP
 * socket, where a stream socket would have them share sends. Must hold:
 * the peer receives 64 datagrams, datagram i being exactly job i's bytes
 * (its size and every byte), each job completes once, in order, with its
 * full length, and the library made one send per job.
 *
 * MODE: off, on, pool.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NJOBS 64
#define HDR 12
#define MAXLEN 1400
#define SEED 47

static size_t dgram_len(int i)
{
	return 1 + (size_t)((unsigned int)i * 2654435761u % MAXLEN);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	const struct zc_write_opts *optp = NULL;
	struct zc_pool *pool = NULL;
	struct h_jobs jobs;
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_stats st;
	uint8_t *mem, in[MAXLEN + 1];
	int cfd, rfd, rcvbuf = 4 * 1024 * 1024;

	h_watchdog(30);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setsockopt(rfd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (rfd < 0 || bind(rfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(rfd, (struct sockaddr *)&a, &alen) < 0)
		h_fail("udp bind: %s", strerror(errno));
	cfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0)
		h_fail("udp connect: %s", strerror(errno));

	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_mode_mem(e, mode, NJOBS * MAXLEN, &pool, &opts, &optp);
	h_jobs_init(&jobs, NJOBS);
	H_OK(zc_sock_attach(e, cfd, &s));
	for (int i = 0; i < NJOBS; i++) {
		uint8_t *buf = mem + (size_t)i * MAXLEN;
		size_t len = dgram_len(i);

		/* Datagram i holds the pattern of stream i from offset 0. */
		h_fill(buf, SEED + i, 0, len);
		if (i % 4 == 3 && len > HDR) {
			/* The header from plain memory, a copy of the bytes. */
			static uint8_t hdr[NJOBS][HDR];
			struct zc_iovec iov[3] = {
				{ .base = hdr[i], .len = HDR },
				{ .base = NULL, .len = 0 },
				{ .base = buf + HDR, .len = len - HDR,
				  .pool = pool },
			};

			memcpy(hdr[i], buf, HDR);
			H_OK(h_writev(&jobs, i, s, iov, 3, NULL));
		} else {
			H_OK(h_write(&jobs, i, s, buf, len, optp));
		}
	}
	H_CHECK(h_run_jobs(e, &jobs, 20000) >= 0,
		"only %d of %d jobs completed in 20 s", jobs.done, NJOBS);
	h_jobs_expect_once(&jobs, "coalesce-udp");
	h_jobs_expect_order(&jobs, "coalesce-udp");
	for (int i = 0; i < NJOBS; i++)
		H_CHECK(jobs.job[i].r.res == (ssize_t)dgram_len(i) &&
				!jobs.job[i].r.error,
			"job %d: res %zd error %d, want %zu", i,
			jobs.job[i].r.res, jobs.job[i].r.error, dgram_len(i));
	for (int i = 0; i < NJOBS; i++) {
		ssize_t n = recv(rfd, in, sizeof(in), MSG_DONTWAIT);
		uint64_t bad;

		H_CHECK(n >= 0, "datagram %d of %d: %s", i, NJOBS,
			strerror(errno));
		H_CHECK((size_t)n == dgram_len(i),
			"datagram %d has %zd bytes, job %d had %zu: datagrams "
			"were merged or split",
			i, n, i, dgram_len(i));
		bad = h_verify(in, SEED + i, 0, (size_t)n);
		H_CHECK(bad == H_NO_BAD, "datagram %d: wrong byte at %llu", i,
			(unsigned long long)bad);
	}
	H_CHECK(recv(rfd, in, sizeof(in), MSG_DONTWAIT) < 0,
		"more datagrams than jobs");
	H_OK(zc_sock_stats(s, &st));
	h_print_stats("socket", &st);
	H_CHECK(st.sends == NJOBS, "%llu sends for %d datagram jobs",
		(unsigned long long)st.sends, NJOBS);
	H_CHECK(h_close(e, s, 10000) == 0, "close callback reported an error");
	h_mode_mem_free(mem, NJOBS * MAXLEN, pool);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(cfd);
	close(rfd);
	h_jobs_free(&jobs);
	h_info("PASS coalesce-udp %s", mode);
	return 0;
}
