// SPDX-License-Identifier: MIT
/*
 * length-past-32-bits MODE - lengths that do not fit in 32 bits are sent
 * whole or refused, never cut.
 *
 * A write job of 4 GiB + 16 bytes on a socket whose segment limit is
 * 8 GiB: before, io_uring's 32-bit length sent 16 bytes and then broke
 * the stream. It must complete with res = 4 GiB + 16 and the receiver
 * must get every byte. The memory is one 64 MiB memfd mapped 65 times
 * side by side (no 4 GiB of RAM needed), so byte o of the job is byte
 * o mod 64 MiB of the pattern; the receiver checks all of them.
 * The same bytes again as one zc_writev() job of 16 bytes and a piece of
 * exactly 2^32 bytes. A read job of exactly 4 GiB (32 bits of zero) must
 * get the peer's bytes, not a false end of stream. A datagram of
 * 4 GiB + 16 bytes (zc_write or zc_writev) is refused with -EMSGSIZE, and
 * the socket still carries the next one.
 *
 * MODE: on (zero-copy), off (copy).
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define PERIOD	   (64 * H_MIB)
#define BIG	   ((4ull << 30) + 16)
#define SEED	   161
#define PEER_BYTES (256 * H_KIB)

static uint8_t
	*pattern; /* PERIOD bytes: the job's byte o is pattern[o % PERIOD] */

struct rx4g {
	int fd;
	uint64_t total, bad_off;
	int err;
};

/* Receives until end of stream, checking every byte against pattern. */
static void *rx_main(void *arg)
{
	struct rx4g *r = arg;
	size_t cap = 4 * H_MIB;
	uint8_t *buf = h_alloc(cap);

	r->bad_off = H_NO_BAD;
	for (;;) {
		ssize_t n = recv(r->fd, buf, cap, 0);
		size_t done = 0;

		if (n <= 0) {
			r->err = n < 0 ? errno : 0;
			break;
		}
		while (done < (size_t)n && r->bad_off == H_NO_BAD) {
			uint64_t o = r->total + done;
			size_t at = (size_t)(o % PERIOD);
			size_t k = (size_t)n - done;

			if (k > PERIOD - at)
				k = PERIOD - at;
			if (memcmp(buf + done, pattern + at, k)) {
				for (size_t i = 0; i < k; i++)
					if (buf[done + i] != pattern[at + i]) {
						r->bad_off = o + i;
						break;
					}
			}
			done += k;
		}
		r->total += (uint64_t)n;
	}
	h_free(buf, cap);
	return NULL;
}

/* BIG bytes of virtual memory backed by one PERIOD-byte memfd. */
static uint8_t *map_big(size_t *maplen)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (BIG + page - 1) & ~(page - 1);
	int fd = memfd_create("zcaio-4g", MFD_CLOEXEC);
	uint8_t *base;

	H_CHECK(fd >= 0 && ftruncate(fd, PERIOD) == 0, "memfd: %s",
		strerror(errno));
	pattern = mmap(NULL, PERIOD, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	H_CHECK(pattern != MAP_FAILED, "mmap memfd: %s", strerror(errno));
	h_fill(pattern, SEED, 0, PERIOD);
	base = mmap(NULL, len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	H_CHECK(base != MAP_FAILED, "reserve 4 GiB: %s", strerror(errno));
	for (size_t off = 0; off < len; off += PERIOD) {
		size_t n = len - off < PERIOD ? len - off : PERIOD;

		H_CHECK(mmap(base + off, n, PROT_READ, MAP_SHARED | MAP_FIXED,
			     fd, 0) != MAP_FAILED,
			"mmap at %zu: %s", off, strerror(errno));
	}
	close(fd);
	*maplen = len;
	return base;
}

/* As one piece (zc_write), or vectored: 16 bytes, then a piece of exactly
 * 2^32 bytes (32 bits of zero: once sent as nothing). */
static void big_write(struct zc_engine *e, uint8_t *big, bool vec)
{
	struct zc_iovec iov[2] = { { big, 16, NULL },
				   { big + 16, BIG - 16, NULL } };
	const char *what = vec ? "zc_writev of 16 + 2^32 bytes"
			       : "4 GiB + 16 byte write";
	struct rx4g r = { 0 };
	struct zc_sock *s;
	struct h_jobs jobs;
	pthread_t th;
	int sfd;
	double ms;

	h_tcp_pair(&sfd, &r.fd, 0, 0);
	H_CHECK(pthread_create(&th, NULL, rx_main, &r) == 0, "thread");
	H_OK(zc_sock_attach(e, sfd, &s));
	H_OK(zc_sock_setopt(s, ZC_OPT_SEG_MAX, 8ull << 30));
	h_jobs_init(&jobs, 1);
	H_OK(vec ? h_writev(&jobs, 0, s, iov, 2, NULL)
		 : h_write(&jobs, 0, s, big, BIG, NULL));
	ms = h_run_jobs(e, &jobs, 150000);
	H_CHECK(ms >= 0, "%s: the job did not complete", what);
	h_jobs_expect_once(&jobs, what);
	h_jobs_expect_full(&jobs, what);
	H_CHECK(h_close(e, s, 30000) == 0, "close reported an error");
	close(sfd);
	pthread_join(th, NULL);
	close(r.fd);
	H_CHECK(r.bad_off == H_NO_BAD, "receiver: wrong byte at offset %llu",
		(unsigned long long)r.bad_off);
	H_CHECK(!r.err && r.total == BIG,
		"receiver got %llu bytes (errno %d), want %llu",
		(unsigned long long)r.total, r.err, (unsigned long long)BIG);
	h_info("%s: whole and intact in %.0f ms", what, ms);
	h_jobs_free(&jobs);
}

static bool job_done(void *arg)
{
	return ((struct h_jobs *)arg)->done > 0;
}

/* A read of exactly 2^32 bytes: its low 32 bits are 0. */
static void big_read(struct zc_engine *e)
{
	uint8_t *buf = mmap(NULL, 1ull << 32, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	static uint8_t peer[PEER_BYTES];
	struct zc_sock *s;
	struct h_jobs jobs;
	struct zc_result *r;
	int fd, peer_fd;

	H_CHECK(buf != MAP_FAILED, "reserve 4 GiB: %s", strerror(errno));
	h_tcp_pair(&peer_fd, &fd, 0, 0);
	H_OK(zc_sock_attach(e, fd, &s));
	h_jobs_init(&jobs, 1);
	jobs.job[0].buf = buf;
	jobs.job[0].len = 1ull << 32;
	H_OK(zc_read(s, buf, 1ull << 32, h_job_cb, &jobs.job[0],
		     &jobs.job[0].id));
	h_fill(peer, SEED + 1, 0, sizeof(peer));
	H_CHECK(send(peer_fd, peer, sizeof(peer), 0) == (ssize_t)sizeof(peer),
		"peer send: %s", strerror(errno));
	H_CHECK(h_run_until(e, job_done, &jobs, 20000) >= 0, "the 4 GiB read "
							     "never completed");
	r = &jobs.job[0].r;
	H_CHECK(!r->error && r->res > 0 && r->res <= (ssize_t)PEER_BYTES,
		"4 GiB read: res %zd error %d (0 = a false end of stream)",
		r->res, r->error);
	H_CHECK(h_verify(buf, SEED + 1, 0, (size_t)r->res) == H_NO_BAD, "4 GiB "
									"read: "
									"wrong "
									"byte"
									"s");
	H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
	close(fd);
	close(peer_fd);
	munmap(buf, 1ull << 32);
	h_info("4 GiB read: %zd bytes, intact", r->res);
	h_jobs_free(&jobs);
}

static void big_datagram(struct zc_engine *e, uint8_t *big)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int tx = socket(AF_INET, SOCK_DGRAM, 0),
	    rx = socket(AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { .tv_sec = 10 };
	static uint8_t got[2048];
	struct zc_sock *s;
	struct h_jobs jobs;
	ssize_t n;
	int ret;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	H_CHECK(tx >= 0 && rx >= 0 && bind(rx, (void *)&a, sizeof(a)) == 0 &&
			getsockname(rx, (void *)&a, &alen) == 0 &&
			connect(tx, (void *)&a, sizeof(a)) == 0,
		"udp setup: %s", strerror(errno));
	setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	H_OK(zc_sock_attach(e, tx, &s));
	ret = zc_write(s, big, BIG, NULL, h_job_cb, NULL, NULL);
	H_CHECK(ret == -EMSGSIZE,
		"a 4 GiB + 16 byte datagram: zc_write = %d (%s), want "
		"-EMSGSIZE",
		ret, zc_strerror(ret));
	ret = zc_writev(s,
			(struct zc_iovec[]){ { big, 16, NULL },
					     { big + 16, BIG - 16, NULL } },
			2, NULL, h_job_cb, NULL, NULL);
	H_CHECK(ret == -EMSGSIZE,
		"a vectored datagram of 16 + 2^32 bytes: zc_writev = %d (%s), "
		"want -EMSGSIZE",
		ret, zc_strerror(ret));
	h_jobs_init(&jobs, 1);
	H_OK(h_write(&jobs, 0, s, big, 100, NULL));
	H_CHECK(h_run_jobs(e, &jobs, 10000) >= 0, "the datagram never went");
	n = recv(rx, got, sizeof(got), 0);
	H_CHECK(n == 100 && !memcmp(got, big, 100),
		"receiver got a datagram of %zd bytes, want the 100 sent after "
		"the refused one",
		n);
	H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
	close(tx);
	close(rx);
	h_jobs_free(&jobs);
	h_info("4 GiB + 16 byte datagram refused with -EMSGSIZE");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_engine *e;
	size_t maplen;
	uint8_t *big;

	h_watchdog(240);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	h_info("backend %s, mode %s", zc_engine_backend(e), mode);
	big = map_big(&maplen);
	big_write(e, big, false);
	big_write(e, big, true);
	big_read(e);
	big_datagram(e, big);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	munmap(big, maplen);
	munmap(pattern, PERIOD);
	h_info("PASS length-past-32-bits %s", mode);
	return 0;
}
