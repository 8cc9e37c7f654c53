// SPDX-License-Identifier: MIT
/*
 * bench.c - the common part of raw-uring and lib-send: options, loopback
 * receiver process, clocks, and the output line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zcaio.h>

#include "bench.h"

#define RX_BUF (1U << 20)

static const char *const mode_names[] = {
	[BENCH_SEND] = "send",	       [BENCH_COPY] = "copy", [BENCH_ZC] = "zc",
	[BENCH_ZC_FIXED] = "zc-fixed", [BENCH_AUTO] = "auto",
};

const char *bench_mode_name(enum bench_mode m)
{
	return mode_names[m];
}

static void usage(const char *prog, unsigned int allowed)
{
	unsigned int m;

	fprintf(stderr,
		"usage: %s -m MODE [-s MSG_BYTES] [-n BUFFERS] [-t SECONDS]\n"
		"       [-c SEND_CPU,RECV_CPU | -c none] [-b BACKEND "
		"(lib-send)]\n"
		"modes:",
		prog);
	for (m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++)
		if (allowed & (1U << m))
			fprintf(stderr, " %s", mode_names[m]);
	fprintf(stderr, "\n");
	exit(2);
}

void bench_parse(int argc, char **argv, struct bench_cfg *cfg, const char *prog,
		 unsigned int allowed)
{
	int opt, m = -1;
	unsigned int i;

	*cfg = (struct bench_cfg){ .msg = 1 << 16,
				   .nbufs = 8,
				   .secs = 3,
				   .cpu_send = -1,
				   .cpu_recv = -1 };
	/* Sender and receiver on separate cores, as in DESIGN.md's numbers. */
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		cfg->cpu_send = 0;
		cfg->cpu_recv = 1;
	}
	while ((opt = getopt(argc, argv, "m:s:n:t:c:b:h")) != -1) {
		switch (opt) {
		case 'm':
			for (i = 0;
			     i < sizeof(mode_names) / sizeof(*mode_names); i++)
				if (!strcmp(optarg, mode_names[i]))
					m = i;
			break;
		case 's': cfg->msg = strtoul(optarg, NULL, 0); break;
		case 'n': cfg->nbufs = strtoul(optarg, NULL, 0); break;
		case 't': cfg->secs = strtod(optarg, NULL); break;
		case 'b': cfg->backend = optarg; break;
		case 'c':
			if (!strcmp(optarg, "none"))
				cfg->cpu_send = cfg->cpu_recv = -1;
			else if (sscanf(optarg, "%d,%d", &cfg->cpu_send,
					&cfg->cpu_recv) != 2)
				usage(prog, allowed);
			break;
		default: usage(prog, allowed);
		}
	}
	if (m < 0 || !(allowed & (1U << m)) || cfg->msg < 1 ||
	    cfg->msg > (1U << 30) || cfg->nbufs < 1 || cfg->nbufs > 1024 ||
	    (uint64_t)cfg->msg * cfg->nbufs > (1ULL << 30) ||
	    !(cfg->secs > 0 && cfg->secs <= 3600))
		usage(prog, allowed);
	cfg->mode = m;
}

void *bench_alloc(const struct bench_cfg *cfg)
{
	size_t len = cfg->msg * cfg->nbufs;
	unsigned char *p = aligned_alloc(4096, (len + 4095) & ~4095UL);
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 131 + 7);
	return p;
}

void bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* best effort */
}

/* The receiver: accept one connection, drain it, report the count. */
static void __attribute__((noreturn))
receiver(int lfd, int report, int cpu, double secs)
{
	char *buf = malloc(RX_BUF);
	uint64_t total = 0;
	int fd;

	/* Bounded even if the sender vanishes without closing. */
	alarm((unsigned int)secs + 60);
	bench_pin(cpu);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0 || !buf)
		_exit(1);
	for (;;) {
		ssize_t n = recv(fd, buf, RX_BUF, 0);

		if (n > 0)
			total += n;
		else if (n == 0)
			_exit(write(report, &total, sizeof(total)) !=
			      sizeof(total));
		else if (errno != EINTR)
			_exit(1);
	}
}

int bench_connect(const struct bench_cfg *cfg, struct bench_conn *c)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int lfd, err, p[2];

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen))
		goto fail;
	if (pipe2(p, O_CLOEXEC))
		goto fail;
	fflush(NULL);
	c->rx = fork();
	if (c->rx < 0) {
		close(p[0]);
		close(p[1]);
		goto fail;
	}
	if (c->rx == 0)
		receiver(lfd, p[1], cfg->cpu_recv, cfg->secs);
	close(lfd);
	close(p[1]);
	c->report = p[0];
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a))) {
		err = -errno;
		kill(c->rx, SIGKILL);
		waitpid(c->rx, NULL, 0);
		close(c->report);
		return err;
	}
	bench_pin(cfg->cpu_send);
	return 0;
fail:
	err = -errno;
	close(lfd);
	return err;
}

int bench_finish(struct bench_conn *c, uint64_t bytes)
{
	uint64_t got = UINT64_MAX;
	int status, ok;

	shutdown(c->fd, SHUT_WR);
	ok = read(c->report, &got, sizeof(got)) == sizeof(got);
	if (waitpid(c->rx, &status, 0) < 0)
		return -errno;
	close(c->report);
	if (!ok || got != bytes || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "receiver got %llu bytes, sender sent %llu\n",
			(unsigned long long)got, (unsigned long long)bytes);
		return -EIO;
	}
	return 0;
}

/* -b NAME, as ZCAIO_BACKEND spells it. */
int bench_backend_of(const char *name)
{
	static const struct {
		const char *name;
		int backend;
	} names[] = {
		{ "auto", ZC_BACKEND_AUTO },
		{ "io_uring", ZC_BACKEND_URING },
		{ "uring", ZC_BACKEND_URING },
		{ "msg_zerocopy", ZC_BACKEND_MSG_ZEROCOPY },
		{ "msgzc", ZC_BACKEND_MSG_ZEROCOPY },
		{ "copy", ZC_BACKEND_COPY },
	};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			return names[i].backend;
	return -1;
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double rusage_cpu(double *usr)
{
	struct rusage ru;

	/*
	 * RUSAGE_SELF: every thread of this process, io_uring's io-wq
	 * workers included (they are our threads), but not the receiver,
	 * which is another process and is never waited for before this.
	 */
	getrusage(RUSAGE_SELF, &ru);
	if (usr)
		*usr = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

double bench_cpu(void)
{
	return rusage_cpu(NULL);
}

double bench_core_busy(int cpu)
{
	unsigned long long v[8] = { 0 };
	char name[16], line[256];
	FILE *f;
	double busy = -1;

	if (cpu < 0 || !(f = fopen("/proc/stat", "re")))
		return -1;
	snprintf(name, sizeof(name), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, strlen(name)) &&
		    sscanf(line + strlen(name),
			   "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6]) == 7) {
			/* user nice system idle iowait irq softirq */
			busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) /
			       sysconf(_SC_CLK_TCK);
			break;
		}
	fclose(f);
	return busy;
}

void bench_usage(const struct bench_cfg *cfg, struct bench_usage *u)
{
	u->core = bench_core_busy(cfg->cpu_send);
	u->cpu = rusage_cpu(&u->usr);
	u->wall = bench_now();
}

void bench_report(const char *impl, const struct bench_cfg *cfg, uint64_t bytes,
		  const struct bench_usage *t0, const struct bench_usage *t1,
		  const char *extra)
{
	double gib = bytes / (double)(1ULL << 30);
	double secs = t1->wall - t0->wall, cpu = t1->cpu - t0->cpu;
	double usr = t1->usr - t0->usr;
	double core = t0->core < 0 ? -1 : t1->core - t0->core;

	if (gib <= 0)
		gib = 1e-30;
	printf("impl=%s mode=%s msg=%zu bufs=%u bytes=%llu secs=%.3f "
	       "gbps=%.2f cpu=%.3f cpu_per_gib=%.4f usr_per_gib=%.4f core=%.2f "
	       "core_per_gib=%.4f%s%s\n",
	       impl, bench_mode_name(cfg->mode), cfg->msg, cfg->nbufs,
	       (unsigned long long)bytes, secs, bytes * 8 / secs / 1e9, cpu,
	       cpu / gib, usr / gib, core, core < 0 ? -1 : core / gib,
	       extra && *extra ? " " : "", extra ? extra : "");
	fflush(stdout);
}
