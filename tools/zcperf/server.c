// SPDX-License-Identifier: MIT
/*
 * server.c - zcperf -s: serves one test at a time to iperf3 or zcperf
 * clients, and faces strangers: connections waiting for their cookie are
 * capped (extra ones are closed at once), every phase of the control
 * channel has a deadline, every message is checked before anything is
 * allocated for it, and a busy server answers ACCESS_DENIED.
 */
#include "session.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* a client with -P 128 --bidir opens 256 data connections at once */
#define LISTEN_BACKLOG (2 * ZP_MAX_STREAMS + 64)

struct pend {
	int fd;
	uint64_t seq;		/* accept order */
	double deadline;
	uint8_t cookie[ZP_COOKIE_SIZE];
	size_t have;
};

struct srv {
	const struct zp_opts *o;
	int lfd, ufd;
	struct pend *pend;
	int npend;
	struct zp_test t;
	bool active;
	double deadline;
	int expect;
	int tests;
	uint64_t accepted;	/* connections accepted so far */
	bool exiting;
	struct sockaddr_storage peer;
};

static double ctl_timeout(struct srv *s)
{
	return s->o->ctl_timeout_ms / 1000.0;
}

static int listen_on(const struct zp_opts *o, int type)
{
	int fam = o->family == AF_INET ? AF_INET : AF_INET6;
	int fd = socket(fam, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1, zero = 0;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(o->port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(o->port) };

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
			   o->family == AF_INET6 ? &one : &zero, sizeof(int));
	if ((fam == AF_INET6 ? bind(fd, (void *)&a6, sizeof(a6)) :
	     bind(fd, (void *)&a4, sizeof(a4))) < 0 ||
	    (type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG) < 0)) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static void __attribute__((format(printf, 2, 3)))
say(struct srv *s, const char *fmt, ...)
{
	va_list ap;

	if (s->o->json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void banner(struct srv *s)
{
	if (s->o->json)
		return;
	printf("-----------------------------------------------------------\n");
	printf("Server listening on %d (test #%d)\n", s->o->port, s->tests + 1);
	printf("-----------------------------------------------------------\n");
	fflush(stdout);
}

static void end_test(struct srv *s, const char *why)
{
	struct zp_test *t = &s->t;

	if (why && !t->fail) {
		snprintf(t->failbuf, sizeof(t->failbuf), "%s", why);
		t->fail = t->failbuf;
	}
	if (t->phase >= ZP_PH_RUNNING) {
		zp_test_stop_clock(t);
		if (t->fail)
			zp_test_close_streams(t, 2);
		zp_report_end(t);
		if (t->fail && s->o->verbose && t->eng) {
			struct zc_stats es;

			/* what the kernel still holds of our send buffers
			 * (a registered pool stays pinned until the end) */
			if (zc_engine_stats(t->eng, &es) == 0)
				say(s, "zcperf: test ended early (%s); %llu bytes "
				    "of sends still pinned\n", t->fail,
				    (unsigned long long)(es.bytes_pinned -
				    (t->pool ? zc_pool_size(t->pool) : 0)));
		}
	} else if (t->fail && s->o->verbose) {
		say(s, "zcperf: test refused: %s\n", t->fail);
	}
	zp_test_free(t); /* the engine waits for every release */
	if (s->ufd >= 0)
		close(s->ufd);
	s->ufd = -1;
	s->active = false;
	s->tests++;
	if (!s->o->one_off && !s->exiting)
		banner(s);
}

static void send_server_error(struct srv *s, int ierr, int err)
{
	int8_t st = ZP_SERVER_ERROR;
	uint32_t v[2] = { htonl((uint32_t)ierr), htonl((uint32_t)err) };

	if (zp_write_all(s->t.ctl, &st, 1, 1000) == 0)
		zp_write_all(s->t.ctl, v, sizeof(v), 1000);
}

static void expect_msg(struct srv *s, enum zp_rx_mode mode, double secs)
{
	zp_rx_start(&s->t.rx, mode);
	s->deadline = zp_now() + secs;
}

static void start_test(struct srv *s, int fd, const uint8_t *cookie)
{
	struct zp_test *t = &s->t;
	char a[64];
	socklen_t sl = sizeof(s->peer);
	int one = 1;

	zp_test_init(t, s->o, true);
	t->ctl = fd;
	s->active = true;
	memcpy(t->cookie, cookie, ZP_COOKIE_SIZE);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	getpeername(fd, (struct sockaddr *)&s->peer, &sl);
	if (s->peer.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&s->peer)->sin6_addr,
			  a, sizeof(a));
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&s->peer)->sin_addr,
			  a, sizeof(a));
	}
	if (!strncmp(a, "::ffff:", 7) && strchr(a, '.'))
		memmove(a, a + 7, strlen(a + 7) + 1);
	say(s, "Accepted connection from %s\n", a);
	zp_report_start(t, a, 0);
	if (zp_send_state(fd, ZP_PARAM_EXCHANGE) < 0) {
		end_test(s, "client went away");
		return;
	}
	t->phase = ZP_PH_SETUP;
	expect_msg(s, ZP_RX_JSON, ctl_timeout(s));
}

static void begin_running(struct srv *s)
{
	struct zp_test *t = &s->t;
	char err[200];

	if (zp_send_state(t->ctl, ZP_TEST_START) < 0 ||
	    zp_send_state(t->ctl, ZP_TEST_RUNNING) < 0) {
		end_test(s, "client went away");
		return;
	}
	if (zp_test_start_streams(t, err, sizeof(err)) < 0) {
		end_test(s, err);
		return;
	}
	expect_msg(s, ZP_RX_STATE, (t->p.time ? t->p.time : ZP_MAX_TIME) +
		   ctl_timeout(s) + 5);
}

static int by_order(const void *a, const void *b)
{
	const struct zp_stream *x = *(struct zp_stream *const *)a;
	const struct zp_stream *y = *(struct zp_stream *const *)b;

	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * Every data connection is in: which stream does what goes by the order
 * the client connected them (its sending streams first with --bidir, as
 * iperf3's server counts them), not by the order their cookies were read:
 * a cookie that came late once made the two ends of a --bidir stream both
 * send (neither read, the test stalled at its in-flight window). The ids
 * follow the same order (iperf3 numbers streams 1, 3, 4, 5, ...).
 */
static void streams_complete(struct srv *s)
{
	struct zp_test *t = &s->t;
	const struct zp_params *p = &t->p;

	qsort(t->st, (size_t)t->nst, sizeof(t->st[0]), by_order);
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *st = t->st[i];

		st->sender = p->bidir ? i >= p->parallel : p->reverse;
		st->id = i == 0 ? 1 : i + 2;
		zp_report_connected(t, st);
	}
	begin_running(s);
}

static void add_stream(struct srv *s, int fd, uint64_t order)
{
	struct zp_test *t = &s->t;

	if (zp_tune_socket(fd, &t->p, t->p.udp) < 0 ||
	    zp_stream_add(t, fd, false) < 0) {
		close(fd);
		end_test(s, "cannot set up a data stream");
		return;
	}
	t->st[t->nst - 1]->order = order;
	if (t->nst == s->expect)
		streams_complete(s);
}

static void udp_accept(struct srv *s)
{
	struct sockaddr_storage peer;
	socklen_t sl = sizeof(peer);
	uint32_t v = 0, reply = ZP_UDP_REPLY;
	ssize_t n = recvfrom(s->ufd, &v, sizeof(v), MSG_DONTWAIT,
			     (struct sockaddr *)&peer, &sl);
	int fd;

	if (n != 4 || (v != ZP_UDP_HELLO && v != 123456789u))
		return; /* not a hello: drop it */
	if (connect(s->ufd, (struct sockaddr *)&peer, sl) < 0) {
		end_test(s, "UDP connect failed");
		return;
	}
	fd = s->ufd;
	s->ufd = -1;
	/* The next stream's listener exists before the reply leaves: the
	 * client sends its next hello as soon as it has the reply, and a
	 * hello with no unconnected socket on the port is lost (a --bidir or
	 * -P UDP client then waited 5 s and failed, 1 run in 4). */
	if (s->t.nst + 1 < s->expect) {
		s->ufd = listen_on(s->o, SOCK_DGRAM);
		if (s->ufd < 0) {
			close(fd);
			end_test(s, "UDP listener failed");
			return;
		}
	}
	if (send(fd, &reply, 4, 0) != 4) {
		close(fd);
		end_test(s, "UDP reply failed");
		return;
	}
	/* the client sends each hello after the previous reply: in order */
	add_stream(s, fd, (uint64_t)s->t.nst);
}

static void got_params(struct srv *s)
{
	struct zp_test *t = &s->t;
	const char *err = NULL;
	int ierr = 0;

	if (zp_params_decode(&t->p, t->rx.body, t->rx.len, &ierr, &err) < 0) {
		send_server_error(s, ierr, 0);
		end_test(s, err);
		return;
	}
	zp_rx_reset(&t->rx);
	zp_test_choose(t);
	s->expect = t->p.bidir ? 2 * t->p.parallel : t->p.parallel;
	if (t->p.udp) {
		s->ufd = listen_on(s->o, SOCK_DGRAM);
		if (s->ufd < 0) {
			send_server_error(s, ZP_IE_UNIMP, -s->ufd);
			end_test(s, "cannot open the UDP port");
			return;
		}
	}
	if ((t->p.zcperf && (t->p.verify || t->p.rr) &&
	     zp_send_state(t->ctl, ZP_ZCPERF_CONFIRM) < 0) ||
	    zp_send_state(t->ctl, ZP_CREATE_STREAMS) < 0) {
		end_test(s, "client went away");
		return;
	}
	t->phase = ZP_PH_STREAMS;
	s->deadline = zp_now() + ctl_timeout(s);
	zp_rx_start(&t->rx, ZP_RX_STATE); /* nothing is due; EOF = gone */
}

static void ctl_event(struct srv *s);

/* A sending stream failed while the test runs: the client stopped
 * reading (the write deadline passed: the library reset the connection
 * once the kernel gave our pages back), or it went away. What the client
 * said first is heard first: a client stopped by Ctrl-C sends
 * CLIENT_TERMINATE, then resets its streams. */
static void check_streams(struct srv *s)
{
	struct zp_test *t = &s->t;
	struct pollfd pf = { .fd = t->ctl, .events = POLLIN };
	char m[160];

	if (!s->active || t->phase != ZP_PH_RUNNING)
		return;
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *st = t->st[i];

		if (st->sender && st->error) {
			if (poll(&pf, 1, 0) > 0) {
				ctl_event(s);
				if (!s->active || t->phase != ZP_PH_RUNNING)
					return;
			}
			snprintf(m, sizeof(m), "data stream %d: %s%s", st->id,
				 zc_strerror(st->error),
				 st->error == -ETIMEDOUT ?
				 " (the client stopped reading)" : "");
			end_test(s, m);
			return;
		}
	}
}

static void got_test_end(struct srv *s)
{
	struct zp_test *t = &s->t;

	t->phase = ZP_PH_ENDING;
	/* The test's time ends here, as the client's did; what was sent
	 * before and is still on its way is counted, not timed (a loaded
	 * receiver once added 0.8 s to a 1 s test). An iperf3 --bidir client
	 * stops reading when it sends TEST_END: what it left unread is
	 * dropped at once (as iperf3's server does, closing its sockets),
	 * not waited for. A zcperf client reads on until it sees the end of
	 * each stream. */
	zp_test_stop_clock(t);
	zp_test_drain_senders(t, 2, t->p.bidir && !t->p.zcperf ? 0 : 0.5);
	zp_test_drain_receivers(t, 2, t->p.zcperf);
	zp_test_close_streams(t, ctl_timeout(s));
	if (zp_send_state(t->ctl, ZP_EXCHANGE_RESULTS) < 0) {
		end_test(s, "client went away");
		return;
	}
	t->phase = ZP_PH_RESULTS;
	expect_msg(s, ZP_RX_RESULTS, ctl_timeout(s));
}

static void got_results(struct srv *s)
{
	struct zp_test *t = &s->t;
	struct zp_results r;
	const char *err = NULL, *own;
	bool own_json = false;
	char *js;
	size_t len;

	if (zp_results_decode(&t->remote, t->rx.body, t->rx.len, &err) < 0) {
		end_test(s, err);
		return;
	}
	t->have_remote = true;
	zp_rx_reset(&t->rx);
	/* --get-server-output: our report goes with the results */
	if (t->p.get_server_output)
		zp_report_end(t);
	own = zp_report_own(&own_json);
	zp_results_fill(t, &r);
	if (zp_results_encode(&r, own, own_json, &js, &len) < 0) {
		end_test(s, "out of memory");
		return;
	}
	if (zp_send_json(t->ctl, js, len) < 0 ||
	    zp_send_state(t->ctl, ZP_DISPLAY_RESULTS) < 0) {
		free(js);
		end_test(s, "client went away");
		return;
	}
	free(js);
	t->phase = ZP_PH_DONE;
	expect_msg(s, ZP_RX_STATE, ctl_timeout(s));
}

static void ctl_event(struct srv *s)
{
	struct zp_test *t = &s->t;
	const char *err = NULL;
	int ret = zp_ctl_read(t->ctl, &t->rx, &err);
	char m[160];

	if (ret == ZP_RX_MORE)
		return;
	if (ret < 0) {
		if (t->phase == ZP_PH_DONE) {
			end_test(s, NULL); /* client left after the results */
			return;
		}
		snprintf(m, sizeof(m), "control channel: %s", err);
		end_test(s, m);
		return;
	}
	switch (t->phase) {
	case ZP_PH_SETUP:
		got_params(s);
		return;
	case ZP_PH_RESULTS:
		got_results(s);
		return;
	default:
		break;
	}
	if (t->phase == ZP_PH_RUNNING && t->rx.state == ZP_TEST_END) {
		got_test_end(s);
	} else if (t->phase == ZP_PH_DONE && t->rx.state == ZP_IPERF_DONE) {
		end_test(s, NULL);
	} else if (t->rx.state == ZP_CLIENT_TERMINATE) {
		end_test(s, "the client terminated the test");
	} else {
		snprintf(m, sizeof(m), "unexpected state %d from the client",
			 t->rx.state);
		end_test(s, m);
	}
}

static void drop_pend(struct srv *s, int i, bool deny)
{
	if (deny) {
		int8_t st = ZP_ACCESS_DENIED;

		send(s->pend[i].fd, &st, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	close(s->pend[i].fd);
	s->pend[i] = s->pend[--s->npend];
}

/* A connection sent its whole cookie: a new test, a data stream of the
 * running one, or a stranger to turn away. */
static void cookie_done(struct srv *s, int i)
{
	struct pend *p = &s->pend[i];
	int fd = p->fd;

	if (!s->active) {
		if (!zp_cookie_valid(p->cookie)) {
			drop_pend(s, i, false);
			return;
		}
		uint8_t ck[ZP_COOKIE_SIZE];

		memcpy(ck, p->cookie, sizeof(ck));
		s->pend[i] = s->pend[--s->npend];
		start_test(s, fd, ck);
		return;
	}
	if (s->t.phase == ZP_PH_STREAMS && !s->t.p.udp &&
	    !memcmp(p->cookie, s->t.cookie, ZP_COOKIE_SIZE) &&
	    s->t.nst < s->expect) {
		uint64_t seq = p->seq;

		s->pend[i] = s->pend[--s->npend];
		add_stream(s, fd, seq);
		return;
	}
	drop_pend(s, i, true);
}

static void pend_event(struct srv *s, int i)
{
	struct pend *p = &s->pend[i];
	ssize_t n = recv(p->fd, p->cookie + p->have, ZP_COOKIE_SIZE - p->have,
			 MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		drop_pend(s, i, false);
		return;
	}
	if (n > 0)
		p->have += (size_t)n;
	if (p->have == ZP_COOKIE_SIZE)
		cookie_done(s, i);
}

/* Room for connections waiting for their cookie: --max-conns, plus the
 * data connections the running test still expects (they are not
 * strangers: a -P 128 client must not find the room full). */
static int pend_cap(struct srv *s)
{
	int cap = s->o->max_conns;

	if (s->active && s->t.phase == ZP_PH_STREAMS && s->expect > s->t.nst)
		cap += s->expect - s->t.nst;
	return cap;
}

/* The room is full: the connection that sent the least of its cookie,
 * the oldest of those, makes room. A real client sends its cookie as
 * soon as it connects, so connections that never send one cannot lock
 * it out (they only push each other out); a flood has to outpace a
 * round trip to push a real client out. */
static void evict_one(struct srv *s)
{
	int v = 0;

	for (int i = 1; i < s->npend; i++) {
		const struct pend *a = &s->pend[i], *b = &s->pend[v];

		if (a->have < b->have ||
		    (a->have == b->have && a->deadline < b->deadline))
			v = i;
	}
	drop_pend(s, v, false);
}

static void accept_event(struct srv *s)
{
	for (int k = 0; k < 64; k++) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return;
		while (s->npend >= pend_cap(s) && s->npend > 0)
			evict_one(s);
		s->pend[s->npend].fd = fd;
		s->pend[s->npend].seq = ++s->accepted;
		s->pend[s->npend].have = 0;
		s->pend[s->npend].deadline = zp_now() + ctl_timeout(s);
		s->npend++;
		/* the cookie is usually there already */
		pend_event(s, s->npend - 1);
	}
}

/*
 * A running test in which no stream moved a byte for the control timeout
 * (or for a few sends at the asked rate, when that is longer) and no
 * write waits for its deadline: a client
 * that opened its streams and sends (or reads) nothing would otherwise
 * hold the server, which serves one test at a time, for the test's whole
 * duration (up to ZP_MAX_TIME).
 */
static bool data_idle(struct srv *s, double now)
{
	const struct zp_test *t = &s->t;
	double last = 0, limit = ctl_timeout(s);

	if (t->phase != ZP_PH_RUNNING)
		return false;
	if (t->p.bandwidth) {
		double gap = 4.0 * 8 * t->p.len / (double)t->p.bandwidth;

		if (gap > limit)
			limit = gap;
	}
	for (int i = 0; i < t->nst; i++) {
		const struct zp_stream *st = t->st[i];

		/* writes in flight have their own deadline (a zero window
		 * fails them with -ETIMEDOUT: check_streams() says why) */
		if (st->sender && st->busy)
			return false;
		if (st->t_last > last)
			last = st->t_last;
	}
	return now - (t->t0 + last) > limit;
}

static void check_deadlines(struct srv *s)
{
	double now = zp_now();

	if (s->active && data_idle(s, now))
		end_test(s, "no data moved within the control timeout");

	for (int i = 0; i < s->npend; i++)
		if (s->pend[i].deadline <= now)
			drop_pend(s, i--, false);
	if (s->active && s->deadline <= now) {
		switch (s->t.phase) {
		case ZP_PH_DONE:
			end_test(s, NULL);
			break;
		case ZP_PH_STREAMS:
			end_test(s, "the client did not open its streams in time");
			break;
		default:
			end_test(s, "control channel timed out");
		}
	}
}

/*
 * A signal: the running test ends at once with its summary so far, and
 * the client hears SERVER_TERMINATE (as from iperf3 3.12). Ctrl-C during
 * a test then serves on (a second one, before the test has ended, kills);
 * Ctrl-C on an idle server, SIGTERM and SIGHUP make it exit, as iperf3
 * does on each. Returns true to exit.
 */
static bool interrupted(struct srv *s)
{
	int sig = zp_sig;
	bool had_test = s->active;

	s->exiting = sig != SIGINT || !had_test;
	if (s->active) {
		zp_send_state(s->t.ctl, ZP_SERVER_TERMINATE);
		end_test(s, "interrupt - the server has terminated");
	}
	if (!s->exiting) {
		zp_signals_arm();
		return false;
	}
	if (s->o->json)
		zp_report_error(&s->t, "interrupt - the server has terminated");
	else
		fprintf(stderr, "zcperf: interrupt - the server has terminated\n");
	return true;
}

int zp_run_server(const struct zp_opts *o)
{
	struct srv s = { .o = o, .ufd = -1 };
	struct pollfd *pf;
	double next_poll = 0;
	int npf, ret = 0;

	s.lfd = listen_on(o, SOCK_STREAM);
	if (s.lfd < 0) {
		fprintf(stderr, "zcperf: cannot listen on port %d: %s\n", o->port,
			strerror(-s.lfd));
		return 1;
	}
	s.pend = calloc((size_t)o->max_conns + 2 * ZP_MAX_STREAMS,
			sizeof(*s.pend));
	pf = calloc((size_t)o->max_conns + 2 * ZP_MAX_STREAMS + 4, sizeof(*pf));
	if (!s.pend || !pf)
		return 1;
	zp_test_init(&s.t, o, true);
	banner(&s);
	while (!(o->one_off && s.tests > 0)) {
		int wait_ms = 1000, ctl_i = -1, u_i = -1, pend_end;
		double now = zp_now();

		if (zp_sig && interrupted(&s)) {
			ret = 1;
			break;
		}
		/* A running test: the engine's completions come first; the
		 * other fds and the deadlines are looked at every slice. */
		if (s.active && s.t.eng && now < next_poll) {
			wait_ms = zp_test_tick(&s.t, ZP_ENGINE_SLICE_MS);
			zc_engine_run(s.t.eng, wait_ms);
			check_streams(&s);
			continue;
		}
		next_poll = now + ZP_ENGINE_SLICE_MS / 1000.0;

		npf = 0;
		pf[npf].fd = s.lfd;
		pf[npf++].events = POLLIN;
		for (int i = 0; i < s.npend; i++) {
			pf[npf].fd = s.pend[i].fd;
			pf[npf++].events = POLLIN;
			if (s.pend[i].deadline - now < wait_ms / 1000.0)
				wait_ms = (int)ceil((s.pend[i].deadline - now) * 1000);
		}
		pend_end = npf;
		if (s.active) {
			wait_ms = zp_test_tick(&s.t, wait_ms);
			ctl_i = npf;
			pf[npf].fd = s.t.ctl;
			pf[npf++].events = POLLIN;
			if (s.ufd >= 0) {
				u_i = npf;
				pf[npf].fd = s.ufd;
				pf[npf++].events = POLLIN;
			}
			if (s.deadline - now < wait_ms / 1000.0)
				wait_ms = (int)ceil((s.deadline - now) * 1000);
		}
		if (wait_ms < 0)
			wait_ms = 0;
		if (s.active && s.t.eng) {
			/* sleep in the engine (see zp_test_turn()) */
			int n = poll(pf, (nfds_t)npf, 0);

			if (n == 0)
				zc_engine_run(s.t.eng, wait_ms < ZP_ENGINE_SLICE_MS ?
					      wait_ms : ZP_ENGINE_SLICE_MS);
			check_streams(&s);
		} else if (poll(pf, (nfds_t)npf, wait_ms) < 0 && errno != EINTR) {
			break;
		}
		if (s.active && ctl_i >= 0 && pf[ctl_i].revents)
			ctl_event(&s);
		if (s.active && u_i >= 0 && s.ufd >= 0 && (pf[u_i].revents & POLLIN))
			udp_accept(&s);
		/* pending connections: indexes shift when one is dropped, so
		 * go by descriptor */
		for (int k = 1; k < pend_end; k++) {
			if (!pf[k].revents)
				continue;
			for (int i = 0; i < s.npend; i++) {
				if (s.pend[i].fd == pf[k].fd) {
					pend_event(&s, i);
					break;
				}
			}
		}
		if (pf[0].revents & POLLIN)
			accept_event(&s);
		check_deadlines(&s);
	}
	if (s.active)
		end_test(&s, "server shutting down");
	for (int i = 0; i < s.npend; i++)
		close(s.pend[i].fd);
	free(s.pend);
	free(pf);
	close(s.lfd);
	return ret;
}
