// SPDX-License-Identifier: MIT
/*
 * pingpong - request/response over loopback TCP, what netperf's TCP_RR
 * does: a client sends SIZE bytes, the server echoes SIZE bytes back, one
 * transaction at a time. Both ends run the same implementation:
 *   -m block  blocking send()/recv() loops of our own (netperf's way);
 *   -m lib    libzcaio: zc_write() + zc_read() queued, zc_engine_run()
 *             until both completed (client); a read completing queues the
 *             echo and the next read from its callback (server).
 * The server is a separate process (forked before any engine exists).
 * -c CLIENT_CPU,SERVER_CPU pins them (0,0 = one core, 0,1 = two).
 *
 * Prints one line: transactions/s, CPU µs per transaction (getrusage of
 * both processes, user + system, over the measured interval) and kernel
 * entries per transaction (system calls of both processes, counted with
 * the raw_syscalls:sys_enter and syscalls:sys_enter_io_uring_enter
 * tracepoints through perf_event_open; "-" when they cannot be opened:
 * not measured is never 0). Counting makes each system call a little
 * dearer, so it is off unless -k is given: rate and CPU come from runs
 * without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zcaio.h>

#include "bench.h"

#define SIZE_MAX_RR 65536

enum impl { IMPL_BLOCK, IMPL_LIB };

static struct {
	enum impl impl;
	const char *backend; /* lib: engine backend name, NULL = default */
	size_t size;
	double secs;
	int cpu_cli, cpu_srv;
	bool count;
} cfg = { .size = 1, .secs = 3, .cpu_cli = -1, .cpu_srv = -1 };

/* What a side measured over its interval. */
struct side {
	double cpu;	 /* s, user + system */
	long long sys;	 /* system calls, -1 = not measured */
	long long uring; /* of which io_uring_enter, -1 = not measured */
	long long trans;
};

/* ---- counting kernel entries ------------------------------------------ */

static long tracepoint_id(const char *name)
{
	char path[256];
	long id = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/id", name);
	f = fopen(path, "re");
	if (!f) {
		snprintf(path, sizeof(path),
			 "/sys/kernel/debug/tracing/events/%s/id", name);
		f = fopen(path, "re");
	}
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &id) != 1)
		id = -1;
	fclose(f);
	return id;
}

static int counter_open(const char *name)
{
	struct perf_event_attr a = { 0 };
	long id = tracepoint_id(name);

	if (id < 0)
		return -1;
	a.type = PERF_TYPE_TRACEPOINT;
	a.size = sizeof(a);
	a.config = (unsigned long long)id;
	a.disabled = 1;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

struct counters {
	int sys, uring;
};

static void counters_start(struct counters *c)
{
	c->sys = c->uring = -1;
	if (!cfg.count)
		return;
	c->sys = counter_open("raw_syscalls/sys_enter");
	c->uring = counter_open("syscalls/sys_enter_io_uring_enter");
	if (c->sys >= 0)
		ioctl(c->sys, PERF_EVENT_IOC_ENABLE, 0);
	if (c->uring >= 0)
		ioctl(c->uring, PERF_EVENT_IOC_ENABLE, 0);
}

static long long counter_stop(int fd)
{
	long long v;

	if (fd < 0)
		return -1;
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		v = -1;
	close(fd);
	return v;
}

static void counters_stop(struct counters *c, struct side *m)
{
	m->sys = counter_stop(c->sys);
	m->uring = counter_stop(c->uring);
}

/* ---- blocking send/recv --------------------------------------------- */

static int recv_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n == 0)
			return got ? -EPIPE : 0;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 1;
}

static int send_all(int fd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			off += (size_t)n;
	}
	return 0;
}

static int block_server(int fd, struct side *m)
{
	static char buf[SIZE_MAX_RR];
	int ret;

	while ((ret = recv_all(fd, buf, cfg.size)) > 0) {
		ret = send_all(fd, buf, cfg.size);
		if (ret < 0)
			return ret;
		m->trans++;
	}
	return ret;
}

static int block_client(int fd, double end, struct side *m)
{
	static char req[SIZE_MAX_RR], resp[SIZE_MAX_RR];
	int ret;

	while (bench_now() < end) {
		ret = send_all(fd, req, cfg.size);
		if (ret < 0)
			return ret;
		ret = recv_all(fd, resp, cfg.size);
		if (ret <= 0)
			return ret ? ret : -EPIPE;
		m->trans++;
	}
	return 0;
}

/* ---- libzcaio ------------------------------------------------------- */

struct lib {
	struct zc_engine *e;
	struct zc_sock *s;
	char req[SIZE_MAX_RR], resp[SIZE_MAX_RR];
	size_t got;	     /* bytes of the current response or request */
	unsigned int writes; /* write jobs not yet completed */
	bool eof, closed;
	int error;
	long long trans;
};

static int lib_open(struct lib *l, int fd)
{
	struct zc_engine_params p = { 0 };
	int ret;

	if (cfg.backend)
		p.backend = bench_backend_of(cfg.backend);
	ret = zc_engine_create(&l->e, &p);
	if (ret == 0)
		ret = zc_sock_attach(l->e, fd, &l->s);
	return ret;
}

static void on_close(struct zc_sock *s, int error, void *ud)
{
	((struct lib *)ud)->closed = true;
}

static void lib_close(struct lib *l)
{
	double limit = bench_now() + 10;

	if (zc_sock_close(l->s, on_close, l) == 0)
		while (!l->closed && bench_now() < limit)
			zc_engine_run(l->e, 100);
	zc_engine_destroy(l->e);
}

static void on_write(struct zc_sock *s, const struct zc_result *r, void *ud)
{
	struct lib *l = ud;

	l->writes--;
	if (r->error && !l->error)
		l->error = r->error;
}

static void srv_on_read(struct zc_sock *s, const struct zc_result *r, void *ud);

static int srv_read(struct lib *l)
{
	return zc_read(l->s, l->req + l->got, cfg.size - l->got, srv_on_read, l,
		       NULL);
}

static void srv_on_read(struct zc_sock *s, const struct zc_result *r, void *ud)
{
	struct lib *l = ud;
	int ret = 0;

	if (r->error || r->res <= 0) {
		l->eof = true;
		if (r->error && r->error != -ECANCELED)
			l->error = r->error;
		return;
	}
	l->got += (size_t)r->res;
	if (l->got == cfg.size) {
		l->got = 0;
		l->trans++;
		ret = zc_write(s, l->req, cfg.size, NULL, on_write, l, NULL);
		if (ret == 0)
			l->writes++;
	}
	if (ret == 0)
		ret = srv_read(l);
	if (ret < 0) {
		l->error = ret;
		l->eof = true;
	}
}

static int lib_server(int fd, struct side *m)
{
	static struct lib l;
	int ret = lib_open(&l, fd);

	if (ret == 0)
		ret = srv_read(&l);
	while (ret >= 0 && !l.eof)
		ret = zc_engine_run(l.e, -1);
	m->trans = l.trans;
	lib_close(&l);
	return ret < 0 ? ret : l.error;
}

static void cli_on_read(struct zc_sock *s, const struct zc_result *r, void *ud)
{
	struct lib *l = ud;

	if (r->error || r->res <= 0) {
		l->error = r->error ? r->error : -EPIPE;
		return;
	}
	l->got += (size_t)r->res;
	if (l->got < cfg.size &&
	    (l->error = zc_read(s, l->resp + l->got, cfg.size - l->got,
				cli_on_read, l, NULL)))
		return;
}

static int lib_client(int fd, double end, struct side *m)
{
	static struct lib l;
	int ret = lib_open(&l, fd);

	while (ret >= 0 && !l.error && bench_now() < end) {
		l.got = 0;
		ret = zc_write(l.s, l.req, cfg.size, NULL, on_write, &l, NULL);
		if (ret < 0)
			break;
		l.writes++;
		ret = zc_read(l.s, l.resp, cfg.size, cli_on_read, &l, NULL);
		while (ret >= 0 && !l.error && (l.got < cfg.size || l.writes))
			ret = zc_engine_run(l.e, -1);
		l.trans++;
	}
	m->trans = l.trans;
	ret = ret < 0 ? ret : l.error;
	lib_close(&l);
	return ret;
}

/* ---- the two processes ---------------------------------------------- */

static void __attribute__((noreturn)) server(int lfd, int report)
{
	struct side m = { 0 };
	struct counters c;
	double c0;
	int fd, one = 1, ret;

	alarm((unsigned int)cfg.secs + 60); /* bounded if the client dies */
	bench_pin(cfg.cpu_srv);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(1);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* The interval: from here to end of stream, idle waits cost no CPU. */
	counters_start(&c);
	c0 = bench_cpu();
	ret = cfg.impl == IMPL_BLOCK ? block_server(fd, &m)
				     : lib_server(fd, &m);
	m.cpu = bench_cpu() - c0;
	counters_stop(&c, &m);
	close(fd);
	if (ret < 0)
		fprintf(stderr, "pingpong server: %s\n", strerror(-ret));
	_exit(write(report, &m, sizeof(m)) != sizeof(m) || ret < 0);
}

static void usage(void)
{
	fprintf(stderr, "usage: pingpong -m block|lib [-b "
			"io_uring|msg_zerocopy|copy]\n"
			"       [-s BYTES] [-t SECONDS] [-c "
			"CLIENT_CPU,SERVER_CPU] [-k]\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	int opt;
	bool mode = false;

	while ((opt = getopt(argc, argv, "m:b:s:t:c:k")) != -1) {
		switch (opt) {
		case 'm':
			mode = true;
			if (!strcmp(optarg, "block"))
				cfg.impl = IMPL_BLOCK;
			else if (!strcmp(optarg, "lib"))
				cfg.impl = IMPL_LIB;
			else
				usage();
			break;
		case 'b':
			if (bench_backend_of(optarg) < 0)
				usage();
			cfg.backend = optarg;
			break;
		case 's': cfg.size = strtoul(optarg, NULL, 0); break;
		case 't': cfg.secs = strtod(optarg, NULL); break;
		case 'c':
			if (sscanf(optarg, "%d,%d", &cfg.cpu_cli,
				   &cfg.cpu_srv) != 2)
				usage();
			break;
		case 'k': cfg.count = true; break;
		default: usage();
		}
	}
	if (!mode || cfg.size < 1 || cfg.size > SIZE_MAX_RR ||
	    !(cfg.secs > 0 && cfg.secs <= 3600))
		usage();
}

static void print_per(const char *key, long long a, long long b,
		      long long trans)
{
	if (a < 0 || b < 0 || trans <= 0)
		printf(" %s=-", key);
	else
		printf(" %s=%.3f", key, (double)(a + b) / (double)trans);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct side cli = { 0 }, srv = { 0 };
	struct counters c;
	double t0, c0, secs;
	int lfd, fd, p[2], one = 1, status, ret;
	pid_t pid;

	parse(argc, argv);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(lfd, 1) || getsockname(lfd, (struct sockaddr *)&a, &alen) ||
	    pipe2(p, O_CLOEXEC)) {
		perror("pingpong: listen");
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (pid == 0)
		server(lfd, p[1]);
	close(lfd);
	close(p[1]);
	bench_pin(cfg.cpu_cli);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("pingpong: connect");
		kill(pid, SIGKILL);
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	counters_start(&c);
	c0 = bench_cpu();
	t0 = bench_now();
	ret = cfg.impl == IMPL_BLOCK ? block_client(fd, t0 + cfg.secs, &cli)
				     : lib_client(fd, t0 + cfg.secs, &cli);
	secs = bench_now() - t0;
	cli.cpu = bench_cpu() - c0;
	counters_stop(&c, &cli);
	shutdown(fd, SHUT_WR);
	if (read(p[0], &srv, sizeof(srv)) != sizeof(srv))
		ret = ret ? ret : -EIO;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ret = ret ? ret : -EIO;
	close(fd);
	if (ret < 0 || srv.trans != cli.trans) {
		fprintf(stderr, "pingpong: %s (client %lld, server %lld)\n",
			strerror(ret < 0 ? -ret : EIO), cli.trans, srv.trans);
		return 1;
	}
	printf("impl=%s backend=%s size=%zu cpus=%d,%d trans=%lld secs=%.3f "
	       "tps=%.0f cpu_us=%.3f cli_cpu_us=%.3f srv_cpu_us=%.3f",
	       cfg.impl == IMPL_BLOCK ? "block" : "lib",
	       cfg.impl == IMPL_BLOCK ? "-"
	       : cfg.backend	      ? cfg.backend
				      : "default",
	       cfg.size, cfg.cpu_cli, cfg.cpu_srv, cli.trans, secs,
	       cli.trans / secs, (cli.cpu + srv.cpu) * 1e6 / cli.trans,
	       cli.cpu * 1e6 / cli.trans, srv.cpu * 1e6 / cli.trans);
	print_per("sys", cli.sys, srv.sys, cli.trans);
	print_per("uring_enter", cli.uring, srv.uring, cli.trans);
	printf("\n");
	return 0;
}
