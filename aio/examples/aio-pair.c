// SPDX-License-Identifier: MIT
/*
 * aio-pair - a netperf-style sender/receiver pair written against plain
 * <aio.h> only, over loopback TCP.
 *
 * The sender keeps -w writes queued on its socket; the receiver (a forked
 * child) keeps -r reads queued on its own and checks every byte against a
 * pattern derived from the byte's offset in the stream. Blocking sockets:
 * a write must complete with its full length.
 *
 * The same source runs three ways: with glibc's AIO, built with
 * "-include zcaio-aio-names.h" against libzcaio-aio, and unchanged under
 * LD_PRELOAD=libzcaio-aio-preload.so. The line "received N bytes, every
 * byte checked" is the same in all three for the same -b.
 *
 *	aio-pair [-b BYTES] [-t SECONDS] [-s SIZE] [-w WRITES] [-r READS] [-n]
 *		 [-c SENDER_CPU,RECEIVER_CPU]
 *
 * -b: stop after this many bytes (default 64 MiB); -t: or after this many
 * seconds (a benchmark run); -s: bytes per request (default 64 KiB, a
 * multiple of 8); -n: benchmark the I/O path alone, like netperf: the
 * buffers are filled once and nothing is checked; -c: pin the sender and
 * the receiver process to these CPUs. Prints throughput, CPU seconds per
 * GiB (sender and receiver processes together, every thread) and the
 * requests made (writes and reads, both processes). Exit 0 = bytes intact.
 */
#include <aio.h>
#include <errno.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXQ 64

static uint64_t cfg_bytes = 64ULL << 20;
static double cfg_secs;
static size_t cfg_size = 64 << 10;
static int cfg_writes = 8;
static int cfg_reads = 2;
static int cfg_nocheck;
static int cfg_cpu[2] = { -1, -1 };
static uint64_t reads_done; /* the receiver's, reported to the sender */

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static uint64_t word_at(uint64_t off)
{
	uint64_t x = (off >> 3) * 0x9E3779B97F4A7C15ULL + 0x5eed;

	return x ^ (x >> 29);
}

static void fill(uint8_t *p, size_t len, uint64_t off)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t w = word_at(off + i);

		memcpy(p + i, &w, 8);
	}
}

static uint8_t byte_at(uint64_t off)
{
	uint64_t w = word_at(off & ~7ULL);

	return ((uint8_t *)&w)[off & 7];
}

/* Offset of the first wrong byte, or -1. */
static int64_t check(const uint8_t *p, size_t len, uint64_t off)
{
	size_t i = 0;

	for (; i < len && ((off + i) & 7); i++)
		if (p[i] != byte_at(off + i))
			return (int64_t)(off + i);
	for (; i + 8 <= len; i += 8) {
		uint64_t w = word_at(off + i);

		if (memcmp(p + i, &w, 8))
			break;
	}
	for (; i < len; i++)
		if (p[i] != byte_at(off + i))
			return (int64_t)(off + i);
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void wait_one(struct aiocb *cb)
{
	const struct aiocb *list[1] = { cb };

	while (aio_error(cb) == EINPROGRESS)
		if (aio_suspend(list, 1, NULL) < 0 && errno != EINTR)
			die("aio_suspend");
}

static void submit(struct aiocb *cb, int fd, void *buf, size_t len, int write)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_buf = buf;
	cb->aio_nbytes = len;
	cb->aio_sigevent.sigev_notify = SIGEV_NONE;
	if ((write ? aio_write(cb) : aio_read(cb)) < 0)
		die(write ? "aio_write" : "aio_read");
}

/* Child: keep cfg_reads reads queued, check every byte, report the count. */
static int receiver(int fd, int out)
{
	static struct aiocb cbs[MAXQ];
	uint8_t *bufs[MAXQ];
	uint64_t off = 0;
	int i, eof = 0;
	char line[128];

	for (i = 0; i < cfg_reads; i++) {
		bufs[i] = malloc(cfg_size);
		if (!bufs[i])
			die("malloc");
		submit(&cbs[i], fd, bufs[i], cfg_size, 0);
	}
	for (i = 0; !eof; i = (i + 1) % cfg_reads) {
		ssize_t n;
		int64_t bad;

		wait_one(&cbs[i]);
		if (aio_error(&cbs[i]))
			die("read");
		n = aio_return(&cbs[i]);
		reads_done++;
		if (n == 0) {
			eof = 1;
			break;
		}
		bad = cfg_nocheck ? -1 : check(bufs[i], (size_t)n, off);
		if (bad >= 0) {
			fprintf(stderr, "byte %lld is wrong\n", (long long)bad);
			return 1;
		}
		off += (uint64_t)n;
		submit(&cbs[i], fd, bufs[i], cfg_size, 0);
	}
	/* The reads still queued see the end of the stream too. */
	for (i = 0; i < cfg_reads; i++) {
		if (aio_error(&cbs[i]) == EINPROGRESS)
			wait_one(&cbs[i]);
		if (aio_return(&cbs[i]) > 0) {
			fprintf(stderr, "data after the end of the stream\n");
			return 1;
		}
	}
	snprintf(line, sizeof(line), "%llu %llu\n", (unsigned long long)off,
		 (unsigned long long)(reads_done + cfg_reads - 1));
	if (write(out, line, strlen(line)) < 0)
		return 1;
	return 0;
}

static uint64_t sender(int fd)
{
	static struct aiocb cbs[MAXQ];
	uint8_t *bufs[MAXQ];
	uint64_t off = 0, sent = 0;
	double end = cfg_secs > 0 ? now() + cfg_secs : 0;
	int i, queued = 0;

	for (i = 0; i < cfg_writes; i++) {
		bufs[i] = aligned_alloc(4096, cfg_size);
		if (!bufs[i])
			die("aligned_alloc");
		fill(bufs[i], cfg_size, 0);
	}
	for (i = 0; i < cfg_writes && off < cfg_bytes; i++) {
		if (!cfg_nocheck)
			fill(bufs[i], cfg_size, off);
		submit(&cbs[i], fd, bufs[i], cfg_size, 1);
		off += cfg_size;
		queued++;
	}
	for (i = 0; queued; i = (i + 1) % cfg_writes) {
		ssize_t n;

		wait_one(&cbs[i]);
		n = aio_return(&cbs[i]);
		if (n != (ssize_t)cfg_size) {
			fprintf(stderr, "write completed with %zd (%s)\n", n,
				strerror(aio_error(&cbs[i])));
			exit(1);
		}
		sent += (uint64_t)n;
		queued--;
		if (off >= cfg_bytes || (end && now() >= end))
			continue;
		if (!cfg_nocheck)
			fill(bufs[i], cfg_size, off);
		submit(&cbs[i], fd, bufs[i], cfg_size, 1);
		off += cfg_size;
		queued++;
	}
	return sent;
}

static void pair(int *sfd, int *rfd)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &alen))
		die("listen");
	*sfd = socket(AF_INET, SOCK_STREAM, 0);
	if (*sfd < 0 || connect(*sfd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	*rfd = accept(l, NULL, NULL);
	if (*rfd < 0)
		die("accept");
	close(l);
}

static double cpu_secs(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return self.ru_utime.tv_sec + self.ru_stime.tv_sec +
	       kids.ru_utime.tv_sec + kids.ru_stime.tv_sec +
	       (self.ru_utime.tv_usec + self.ru_stime.tv_usec +
		kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	int sfd, rfd, p[2], st, c;
	unsigned long long got = 0, reads;
	char *rest;
	uint64_t sent;
	double t0, t1, cpu0, cpu;
	char line[64] = "";
	pid_t pid;
	FILE *in;

	while ((c = getopt(argc, argv, "b:t:s:w:r:nc:")) != -1) {
		switch (c) {
		case 'b': cfg_bytes = strtoull(optarg, NULL, 0); break;
		case 't': cfg_secs = atof(optarg); cfg_bytes = UINT64_MAX; break;
		case 's': cfg_size = strtoul(optarg, NULL, 0); break;
		case 'w': cfg_writes = atoi(optarg); break;
		case 'r': cfg_reads = atoi(optarg); break;
		case 'n': cfg_nocheck = 1; break;
		case 'c':
			if (sscanf(optarg, "%d,%d", &cfg_cpu[0], &cfg_cpu[1]) != 2)
				cfg_cpu[0] = cfg_cpu[1] = -1;
			break;
		default:
			fprintf(stderr, "usage: %s [-b bytes] [-t secs] "
				"[-s size] [-w writes] [-r reads] [-n]\n",
				argv[0]);
			return 2;
		}
	}
	if (!cfg_size || cfg_size % 8 || cfg_writes < 1 || cfg_writes > MAXQ ||
	    cfg_reads < 1 || cfg_reads > MAXQ) {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	alarm(cfg_secs > 0 ? (unsigned int)cfg_secs + 60 : 60);
	pair(&sfd, &rfd);
	if (pipe(p))
		die("pipe");
	cpu0 = cpu_secs();
	t0 = now();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		pin(cfg_cpu[1]);
		close(sfd);
		close(p[0]);
		_exit(receiver(rfd, p[1]));
	}
	close(rfd);
	close(p[1]);
	pin(cfg_cpu[0]);
	sent = sender(sfd);
	shutdown(sfd, SHUT_WR);
	in = fdopen(p[0], "r");
	if (!in || !fgets(line, sizeof(line), in))
		line[0] = 0;
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	t1 = now();
	cpu = cpu_secs() - cpu0;
	close(sfd);
	got = strtoull(line, &rest, 10);
	reads = strtoull(rest, NULL, 10);
	if (!WIFEXITED(st) || WEXITSTATUS(st) || !line[0] || got != sent) {
		fprintf(stderr, "FAIL: sent %llu bytes, receiver %s\n",
			(unsigned long long)sent,
			line[0] ? line : "failed");
		return 1;
	}
	printf("received %llu bytes, %s\n", got,
	       cfg_nocheck ? "not checked (-n)" : "every byte checked");
	printf("%.2f Gbit/s, %.3f CPU s/GiB, %zu-byte requests, %d writes "
	       "and %d reads queued, %llu requests\n",
	       got * 8 / (t1 - t0) / 1e9, cpu / (got / 1073741824.0),
	       cfg_size, cfg_writes, cfg_reads,
	       (unsigned long long)(sent / cfg_size + reads));
	return 0;
}
