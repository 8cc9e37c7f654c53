// SPDX-License-Identifier: MIT
/*
 * emfile MODE - a server built on the library, with RLIMIT_NOFILE 32,
 * facing 100 clients at once on loopback.
 *
 * Each client (all in a child process with a normal limit) connects, sends
 * its 4-byte number, and must get back 64 KiB of the stream seeded by that
 * number, then end of stream. The server accepts until accept() fails
 * with EMFILE, reads each client's number with zc_read(), answers with
 * zc_write() (zero-copy on, or off in MODE off), closes with
 * zc_sock_close() and closes the descriptor in the close callback; while
 * accept() says EMFILE it stops accepting until a connection is gone. At
 * the first EMFILE it also tries to create a second engine, which needs
 * descriptors too: that must fail cleanly (-EMFILE/-ENFILE), and the
 * first engine keeps serving.
 *
 * Must hold: EMFILE really happened; all 100 clients got their bytes
 * intact (the server kept serving); every job called back once, none
 * failed; nothing pinned or owed at the end; all within 30 s.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NCLIENTS  100
#define REPLY	  (64 * H_KIB)
#define NOFILE	  32
#define SEED_BASE 5000

struct conn {
	int fd;
	struct zc_sock *s;
	uint32_t num;
	uint8_t *reply;
	struct h_jobs jobs; /* 0: the read, 1: the write */
	bool closed;
};

static struct {
	struct zc_engine *e;
	struct conn conn[NCLIENTS];
	int nconn;  /* accepted */
	int open;   /* descriptors of connections still open */
	int served; /* replies whose close callback ran */
	int failed;
	int emfile;
	int second_engine; /* zc_engine_create() result at the first EMFILE */
} g;

/* ---- clients (child process) ------------------------------------------ */

static int clients(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	static uint8_t buf[NCLIENTS][REPLY + 1];
	size_t got[NCLIENTS] = { 0 };
	int fd[NCLIENTS], done = 0, bad = 0;
	double t0 = h_now_ms();

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < NCLIENTS; i++) {
		uint32_t num = (uint32_t)i;

		fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		/* The backlog (128) holds those not accepted yet. */
		if (fd[i] < 0 ||
		    connect(fd[i], (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    send(fd[i], &num, sizeof(num), MSG_NOSIGNAL) != 4) {
			fprintf(stderr, "client %d: %s\n", i, strerror(errno));
			return 1;
		}
	}
	while (done < NCLIENTS) {
		struct pollfd p[NCLIENTS];
		int n = 0, map[NCLIENTS];

		if (h_now_ms() - t0 > 25000) {
			fprintf(stderr, "clients: %d of %d answered in 25 s\n",
				done, NCLIENTS);
			return 1;
		}
		for (int i = 0; i < NCLIENTS; i++) {
			if (fd[i] < 0)
				continue;
			p[n] = (struct pollfd){ .fd = fd[i], .events = POLLIN };
			map[n++] = i;
		}
		if (poll(p, (nfds_t)n, 100) < 0)
			continue;
		for (int k = 0; k < n; k++) {
			int i = map[k];
			ssize_t r;

			if (!p[k].revents)
				continue;
			r = recv(fd[i], buf[i] + got[i], REPLY + 1 - got[i],
				 MSG_DONTWAIT);
			if (r > 0) {
				got[i] += (size_t)r;
				if (got[i] <= REPLY)
					continue;
			} else if (r < 0 && errno == EAGAIN) {
				continue;
			}
			/* End of stream (or an error, or too much). */
			if (r != 0 || got[i] != REPLY ||
			    h_verify(buf[i], SEED_BASE + (uint64_t)i, 0,
				     REPLY) != H_NO_BAD) {
				fprintf(stderr, "client %d: %zu bytes, %s\n", i,
					got[i],
					r < 0 ? strerror(errno)
					      : "wrong bytes or length");
				bad++;
			}
			close(fd[i]);
			fd[i] = -1;
			done++;
		}
	}
	printf("clients: %d answered, %d wrong, in %.0f ms\n", done, bad,
	       h_now_ms() - t0);
	fflush(stdout);
	return bad ? 1 : 0;
}

/* ---- server ------------------------------------------------------------ */

static void on_closed(struct zc_sock *s, int error, void *arg)
{
	struct conn *c = arg;

	(void)s;
	if (error) {
		h_info("connection %u closed with %d (%s)", c->num, error,
		       zc_strerror(error));
		g.failed++;
	}
	/* The descriptor is closed after the callback returned. */
	c->closed = true;
	g.served++;
}

static void close_finished(void)
{
	for (int i = 0; i < g.nconn; i++) {
		if (g.conn[i].closed && g.conn[i].fd >= 0) {
			close(g.conn[i].fd);
			g.conn[i].fd = -1;
			g.open--;
		}
	}
}

static void on_written(struct h_job *j, struct zc_sock *s)
{
	struct conn *c = j->arg;

	if (j->r.error) {
		h_info("reply to %u: %d (%s)", c->num, j->r.error,
		       zc_strerror(j->r.error));
		g.failed++;
	}
	H_OK(zc_sock_close(s, on_closed, c));
}

static void on_number(struct h_job *j, struct zc_sock *s)
{
	struct conn *c = j->arg;

	/* 4 bytes sent in one send() arrive together on loopback. */
	if (j->r.res != 4) {
		h_info("connection %d: read %zd (error %d)", (int)(c - g.conn),
		       j->r.res, j->r.error);
		g.failed++;
		H_OK(zc_sock_close(s, on_closed, c));
		return;
	}
	memcpy(&c->num, (const void *)j->buf, 4);
	H_CHECK(c->num < NCLIENTS, "client number %u", c->num);
	h_fill(c->reply, SEED_BASE + c->num, 0, REPLY);
	c->jobs.job[1].on_done = on_written;
	c->jobs.job[1].arg = c;
	H_OK(h_write(&c->jobs, 1, s, c->reply, REPLY, NULL));
}

static void start_conn(int fd)
{
	struct conn *c = &g.conn[g.nconn++];
	struct h_job *j;

	c->fd = fd;
	c->reply = h_alloc(REPLY);
	h_jobs_init(&c->jobs, 2);
	H_OK(zc_sock_attach(g.e, fd, &c->s));
	j = &c->jobs.job[0];
	j->buf = c->reply; /* the number lands at the start */
	j->len = 4;
	j->on_done = on_number;
	j->arg = c;
	H_OK(zc_read(c->s, c->reply, 4, h_job_cb, j, &j->id));
	g.open++;
}

/* Accepts what it can; returns false while descriptors are exhausted. */
static bool accept_some(int l)
{
	while (g.nconn < NCLIENTS) {
		int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd >= 0) {
			start_conn(fd);
			continue;
		}
		if (errno == EAGAIN || errno == EINTR)
			return true;
		if (errno != EMFILE && errno != ENFILE)
			h_fail("accept: %s", strerror(errno));
		if (!g.emfile++) {
			struct zc_engine *e2 = NULL;

			g.second_engine = zc_engine_create(&e2, NULL);
			h_info("EMFILE with %d connections open; a second "
			       "engine now: %d (%s)",
			       g.open, g.second_engine,
			       zc_strerror(g.second_engine));
			if (!g.second_engine)
				H_OK(zc_engine_destroy(e2));
		}
		return false;
	}
	return true;
}

static int server(int l, pid_t child, const char *mode)
{
	struct rlimit rl = { NOFILE, NOFILE };
	int open_at_full = -1, status;
	double t0 = h_now_ms(), ms;

	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		h_skip("setrlimit(RLIMIT_NOFILE, 32): %s", strerror(errno));
	g.e = h_engine(NULL);
	h_engine_mode(g.e, mode);
	while (g.served < NCLIENTS) {
		struct pollfd p[2] = { { .fd = l, .events = POLLIN },
				       { .fd = zc_engine_fd(g.e),
					 .events = POLLIN } };

		H_CHECK(h_now_ms() - t0 < 30000,
			"served %d of %d clients in 30 s (%d accepted, %d "
			"open)",
			g.served, NCLIENTS, g.nconn, g.open);
		/* While descriptors are exhausted, wait for a close. */
		if (open_at_full >= 0 && g.open >= open_at_full)
			p[0].fd = -1;
		poll(p, 2, 5);
		if (p[0].fd >= 0 && p[0].revents)
			open_at_full = accept_some(l) ? -1 : g.open;
		H_OK(zc_engine_run(g.e, 0));
		close_finished();
		if (open_at_full >= 0 && g.open < open_at_full)
			open_at_full = -1;
	}
	ms = h_now_ms() - t0;
	h_run_for(g.e, 20);
	for (int i = 0; i < g.nconn; i++) {
		h_jobs_expect_once(&g.conn[i].jobs, "connection");
		h_free(g.conn[i].reply, REPLY);
		h_jobs_free(&g.conn[i].jobs);
	}
	h_expect_released(g.e, 0, "server");
	H_OK(zc_engine_destroy(g.e));
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		h_fail_later("the clients failed (status %#x)", status);
	h_info("server: %d clients served in %.0f ms with RLIMIT_NOFILE %d; "
	       "EMFILE %d times; second engine at EMFILE: %d (%s)",
	       g.served, ms, NOFILE, g.emfile, g.second_engine,
	       zc_strerror(g.second_engine));
	if (!g.emfile)
		h_fail_later("accept() never said EMFILE: nothing was tested");
	if (g.second_engine != -EMFILE && g.second_engine != -ENFILE &&
	    g.second_engine != 0)
		h_fail_later("a second engine at EMFILE: %d (%s), want "
			     "-EMFILE",
			     g.second_engine, zc_strerror(g.second_engine));
	if (g.failed)
		h_fail_later("%d jobs or closes failed", g.failed);
	h_done("emfile");
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	pid_t pid;
	int l;

	h_info("emfile: must hold: EMFILE handled, all %d clients served "
	       "intact, each job once, pinned 0 at the end",
	       NCLIENTS);
	h_watchdog(40);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, 128) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0)
		h_fail("listen: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		h_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(l);
		_exit(clients(ntohs(a.sin_port)));
	}
	return server(l, pid, argc > 1 ? argv[1] : "on");
}
