// SPDX-License-Identifier: MIT
/*
 * client.c - zcperf -c: drives one test against an iperf3 or zcperf
 * server, following the server's state bytes.
 */
#include "session.h"

#include <errno.h>
#include <stdarg.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#define SETUP_TIMEOUT 30.0
/* a send that saw no release for this long: the peer stopped reading */
#define DRAIN_STALL 0.5

static int __attribute__((format(printf, 2, 3)))
fail(struct zp_test *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->failbuf, sizeof(t->failbuf), fmt, ap);
	va_end(ap);
	t->fail = t->failbuf;
	return -1;
}

static int udp_hello(int fd, char *err, size_t errlen)
{
	uint32_t hello = ZP_UDP_HELLO, reply = 0;
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	if (send(fd, &hello, 4, 0) != 4) {
		snprintf(err, errlen, "UDP hello: %s", strerror(errno));
		return -1;
	}
	if (poll(&pf, 1, 5000) <= 0 || recv(fd, &reply, 4, 0) != 4 ||
	    (reply != ZP_UDP_REPLY && reply != ZP_UDP_REPLY_LEGACY)) {
		snprintf(err, errlen, "no UDP reply from the server");
		return -1;
	}
	return 0;
}

static int create_streams(struct zp_test *t)
{
	const struct zp_opts *o = t->o;
	int n = t->p.bidir ? 2 * t->p.parallel : t->p.parallel, ret;
	char err[200];

	for (int i = 0; i < n; i++) {
		bool sender = t->p.bidir ? i < t->p.parallel : !t->p.reverse;
		int fd = zp_connect(o->host, o->port, o->family,
				    t->p.udp ? SOCK_DGRAM : SOCK_STREAM,
				    o->cport ? o->cport + i : 0, 10000,
				    err, sizeof(err));

		if (fd < 0)
			return fail(t, "%s", err);
		if ((ret = zp_tune_socket(fd, &t->p, t->p.udp)) < 0) {
			close(fd);
			if (t->p.congestion[0] && ret == -ENOENT)
				return fail(t, "-C %s: no such congestion control "
					    "here (see /proc/sys/net/ipv4/"
					    "tcp_available_congestion_control)",
					    t->p.congestion);
			return fail(t, "socket options: %s", strerror(-ret));
		}
		if (o->no_control) {
			/* a sink: nothing to greet */
		} else if (t->p.udp ? udp_hello(fd, err, sizeof(err)) :
			   zp_write_all(fd, t->cookie, ZP_COOKIE_SIZE, 10000)) {
			close(fd);
			return fail(t, "%s", t->p.udp ? err : "sending the cookie");
		}
		if (zp_stream_add(t, fd, sender) < 0) {
			close(fd);
			return fail(t, "%s", "too many streams");
		}
		zp_report_connected(t, t->st[t->nst - 1]);
	}
	return 0;
}

static uint64_t bytes_moved(struct zp_test *t)
{
	uint64_t n = 0;

	for (int i = 0; i < t->nst; i++)
		n += t->st[i]->sender ? t->st[i]->queued : t->st[i]->bytes;
	return n;
}

static bool client_done(struct zp_test *t)
{
	int err = 0;

	if (zp_sig)
		return true;
	for (int i = 0; i < t->nst; i++)
		if (t->st[i]->error)
			err = t->st[i]->error;
	if (err) {
		snprintf(t->failbuf, sizeof(t->failbuf), "data stream: %s",
			 zc_strerror(err));
		t->fail = t->failbuf;
		return true;
	}
	if (t->p.num)
		return bytes_moved(t) >= t->p.num;
	return zp_now() >= t->t0 + t->p.time;
}

/* The running phase: until the end condition, or a message from the
 * server (which can only be a termination or an error here). */
static int run_test(struct zp_test *t)
{
	for (;;) {
		if (zp_test_turn(t, t->ctl, 100))
			return 1; /* the server speaks first: read it */
		if (client_done(t))
			return 0;
	}
}

static int server_error(struct zp_test *t)
{
	uint32_t v[2] = { 0, 0 };
	char m[120];
	struct pollfd pf = { .fd = t->ctl, .events = POLLIN };

	if (poll(&pf, 1, 2000) > 0)
		recv(t->ctl, v, sizeof(v), MSG_WAITALL);
	snprintf(m, sizeof(m), "the server reported error %d (errno %d)%s",
		 (int)ntohl(v[0]), (int)ntohl(v[1]),
		 ntohl(v[0]) == ZP_IE_UNIMP ? ": an option is not supported" : "");
	return fail(t, "%s", m);
}

static int exchange_results(struct zp_test *t)
{
	struct zp_results r;
	const char *err = NULL;
	char *js;
	size_t len;
	int ret;

	zp_results_fill(t, &r);
	if (zp_results_encode(&r, NULL, false, &js, &len) < 0)
		return fail(t, "%s", "out of memory");
	ret = zp_send_json(t->ctl, js, len);
	free(js);
	if (ret < 0)
		return fail(t, "sending results: %s", strerror(-ret));
	ret = zp_ctl_wait(t, ZP_RX_RESULTS, SETUP_TIMEOUT, &err);
	if (ret != ZP_RX_DONE)
		return fail(t, "receiving results: %s", err);
	ret = zp_results_decode(&t->remote, t->rx.body, t->rx.len, &err);
	if (ret == 0 && t->p.get_server_output) {
		char *so;
		bool so_json;

		if (zp_results_server_output(t->rx.body, t->rx.len, &so,
					     &so_json) == 0)
			zp_report_server_output(so, so_json);
	}
	zp_rx_reset(&t->rx);
	if (ret < 0)
		return fail(t, "server results: %s", err);
	t->have_remote = true;
	return 0;
}

/* -n/-k: an iperf3 server stops reading when it hears TEST_END, so the
 * bytes must be with it first: until the peer acknowledged every byte of
 * each TCP stream (SIOCOUTQ 0), at most @max_s (BZ9: short -n tests
 * against iperf3 reported 0 bytes received). */
static void wait_acked(struct zp_test *t, double max_s)
{
	double until = zp_now() + max_s;

	while (zp_now() < until && !zp_sig) {
		int left = 0, n;

		for (int i = 0; i < t->nst; i++)
			if (t->st[i]->sender && !t->st[i]->udp &&
			    ioctl(t->st[i]->fd, SIOCOUTQ, &n) == 0)
				left += n;
		if (!left)
			return;
		zp_test_turn(t, -1, 1);
	}
}

/*
 * The time is up (or -n bytes queued). A test of -t seconds ends now: the
 * clock stops, the server hears TEST_END at once (an iperf3 server sends
 * until it does: our receivers read on meanwhile), then our senders let
 * their started jobs be released (unstarted ones are cancelled) and shut
 * down, so a zcperf server counts every byte to the end of each stream.
 * A test of -n bytes first hands every byte to the kernel.
 */
static int end_test(struct zp_test *t)
{
	int ret;

	t->phase = ZP_PH_ENDING;
	if (t->p.num) {
		zp_test_drain_senders(t, 5, DRAIN_STALL);
		wait_acked(t, 2);
	}
	zp_test_stop_clock(t);
	ret = zp_send_state(t->ctl, ZP_TEST_END);
	if (ret < 0)
		return fail(t, "sending TEST_END: %s", strerror(-ret));
	zp_test_drain_senders(t, 5, DRAIN_STALL);
	for (int i = 0; i < t->nst; i++)
		if (t->st[i]->sender)
			t->st[i]->eof = true;
	return 0;
}

static int handle_state(struct zp_test *t, int8_t st)
{
	char err[200];
	char *js;
	size_t len;
	int ret;

	switch (st) {
	case ZP_PARAM_EXCHANGE:
		if (zp_params_encode(&t->p, &js, &len) < 0)
			return fail(t, "%s", "out of memory");
		ret = zp_send_json(t->ctl, js, len);
		free(js);
		return ret < 0 ? fail(t, "sending parameters: %s", strerror(-ret)) : 0;
	case ZP_ZCPERF_CONFIRM:
		t->peer_confirmed = true;
		return 0;
	case ZP_CREATE_STREAMS:
		if ((t->p.verify || t->p.rr) && !t->peer_confirmed) {
			zp_send_state(t->ctl, ZP_CLIENT_TERMINATE);
			return fail(t, "%s needs a zcperf server: the one at %s "
				    "port %d did not confirm it (an iperf3 server "
				    "would %s)", t->p.rr ? "--rr" : "--verify",
				    t->o->host, t->o->port, t->p.rr ?
				    "not echo the requests" :
				    "check no byte");
		}
		return create_streams(t);
	case ZP_TEST_START:
		return 0;
	case ZP_TEST_RUNNING:
		if (zp_test_start_streams(t, err, sizeof(err)) < 0)
			return fail(t, "%s", err);
		ret = run_test(t);
		if (ret == 1)
			return 0;
		if (zp_sig)
			return -1;
		return end_test(t);
	case ZP_EXCHANGE_RESULTS:
		t->phase = ZP_PH_RESULTS;
		zp_test_drain_receivers(t, 2, true);
		zp_test_stop_clock(t);
		zp_test_close_streams(t, 5);
		return exchange_results(t);
	case ZP_DISPLAY_RESULTS:
		t->phase = ZP_PH_DONE;
		zp_report_end(t);
		zp_send_state(t->ctl, ZP_IPERF_DONE);
		return 1;
	case ZP_IPERF_DONE:
		return 1;
	case ZP_SERVER_TERMINATE:
		return fail(t, "%s", "interrupt - the server has terminated");
	case ZP_ACCESS_DENIED:
		return fail(t, "%s", "the server is busy running a test. try again later");
	case ZP_SERVER_ERROR:
		return server_error(t);
	default:
		snprintf(err, sizeof(err), "unexpected state %d from the server", st);
		return fail(t, "%s", err);
	}
}

/*
 * --no-control: UDP datagrams to a sink that runs no zcperf (the ifb
 * device of DESIGN.md section 4 drops them before any socket sees them).
 * No control channel, no results exchange: the report is the sender's.
 */
static void run_sink(struct zp_test *t)
{
	char err[200];

	if (create_streams(t) < 0)
		return;
	if (zp_test_start_streams(t, err, sizeof(err)) < 0) {
		fail(t, "%s", err);
		return;
	}
	while (!client_done(t))
		zp_test_turn(t, -1, 100);
	t->phase = ZP_PH_ENDING;
	zp_test_drain_senders(t, 5, DRAIN_STALL);
	zp_test_stop_clock(t);
	zp_test_close_streams(t, 5);
	if (zp_sig)
		fail(t, "%s", "interrupt - the client has terminated");
	t->phase = ZP_PH_DONE;
	zp_report_end(t);
}

/*
 * The test ended early (Ctrl-C, the server's termination, a failed
 * stream): as iperf3 does, the summary of what was measured so far, with
 * the error (inside the JSON document with -J); before the streams ran,
 * the error alone. On a signal the server hears CLIENT_TERMINATE.
 */
static void end_early(struct zp_test *t)
{
	if (zp_sig) {
		fail(t, "%s", "interrupt - the client has terminated");
		if (t->ctl >= 0)
			zp_send_state(t->ctl, ZP_CLIENT_TERMINATE);
	}
	if (t->phase < ZP_PH_RUNNING || t->phase == ZP_PH_DONE) {
		zp_report_error(t, t->fail);
		return;
	}
	zp_test_stop_clock(t);
	zp_streams_abort(t, false);
	zp_test_close_streams(t, 1);
	zp_report_end(t);
}

int zp_run_client(const struct zp_opts *o)
{
	struct zp_test t;
	char err[200];
	const char *e = NULL;
	int one = 1, ret;

	zp_test_init(&t, o, false);
	t.p = o->p;
	if (t.p.verify && !t.p.seed) {
		if (getrandom(&t.p.seed, sizeof(t.p.seed), 0) < 0)
			t.p.seed = (uint64_t)zp_now();
		t.p.seed &= (1ull << 53) - 1; /* exact in a JSON number */
	}
	zp_test_choose(&t);
	t.p.zc = o->zc;
	t.p.backend = o->backend;
	t.p.fixed = o->fixed;
	t.p.inflight = o->inflight;
	zp_make_cookie(t.cookie);
	zp_report_start(&t, o->host, o->port);
	if (o->no_control) {
		run_sink(&t);
		if (t.fail && t.phase != ZP_PH_DONE)
			end_early(&t);
		zp_test_free(&t);
		return t.fail ? 1 : 0;
	}
	t.ctl = zp_connect(o->host, o->port, o->family, SOCK_STREAM, 0, 10000,
			   err, sizeof(err));
	if (t.ctl < 0) {
		zp_report_error(&t, err);
		return 1;
	}
	setsockopt(t.ctl, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (zp_write_all(t.ctl, t.cookie, ZP_COOKIE_SIZE, 10000) < 0) {
		zp_report_error(&t, "unable to send the cookie to the server");
		zp_test_free(&t);
		return 1;
	}
	for (;;) {
		ret = zp_ctl_wait(&t, ZP_RX_STATE, t.phase == ZP_PH_RUNNING ?
				  ZP_MAX_TIME : SETUP_TIMEOUT + t.p.time, &e);
		if (ret != ZP_RX_DONE) {
			snprintf(t.failbuf, sizeof(t.failbuf), "control connection: %s", e);
			t.fail = t.failbuf;
			break;
		}
		ret = handle_state(&t, t.rx.state);
		if (ret != 0)
			break;
	}
	if (t.fail || zp_sig)
		end_early(&t);
	zp_test_free(&t);
	return t.fail ? 1 : 0;
}
