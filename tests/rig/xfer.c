// SPDX-License-Identifier: MIT
/*
 * rig-xfer - the two ends of one byte-verified transfer for the fault rigs,
 * run as two processes (each with `ip netns exec` in its own namespace, or
 * both on loopback).
 *
 *   rig-xfer recv [-a ADDR] [-p PORT | -o PORTFILE] [-n BYTES] [-R RCVBUF]
 *                 [-H HOLD_MS] [-X RESET_AFTER] [-I IDLE_MS] [-D DELAY_US]
 *                 [-A] [-s SEED] [-T SEC]
 *   rig-xfer send [-a ADDR] [-p PORT | -o PORTFILE] [-b BYTES] [-j JOB]
 *                 [-q INFLIGHT] [-m on|pool|off] [-d DEADLINE_MS]
 *                 [-B PIN_BUDGET] [-E intact|deadline|reset] [-C CPU_PCT]
 *                 [-c CQ_ENTRIES] [-S SEG_MAX] [-U] [-s SEED] [-T SEC]
 *
 * The receiver uses plain sockets, not the library, so it is an independent
 * judge: every byte must be the one its stream offset names (harness.h),
 * and whatever arrived must be an intact prefix of the stream.
 *
 * The sender drives the library (backend from ZCAIO_BACKEND) with INFLIGHT
 * jobs queued at once over a ring of buffers. The moment a job completes
 * it overwrites that buffer with garbage, as an application reusing it
 * would: a job completed before the kernel released its pages (a
 * retransmit under loss reads them again) shows up at the receiver as
 * garbage. It checks each job completed exactly once, the pinned bytes
 * never went over the budget, and nothing is pinned or owed at the end.
 * -E says how the transfer must end: intact (every job sent in full),
 * deadline (jobs fail -ETIMEDOUT, each at most the deadline + 1 s after
 * it was queued, the first no sooner than 0.9x the deadline), reset (jobs fail
 * -ECONNRESET/-EPIPE/-ECONNABORTED, all within 1 s of the first failure).
 * -C fails the run when the sender used more than CPU_PCT % of one core
 * (a busy loop while waiting). -c gives the engine 8 submission entries
 * and CQ_ENTRIES completion entries (io_uring), far fewer than the jobs.
 * -U breaks the contract on purpose (the zc__test_early_complete() hook: jobs
 * complete before their release), so a rig can show its receiver catches
 * that.
 *
 * Both print one line starting with "send:" / "recv:" with what they
 * measured; exit 0 pass, 1 fail, 77 skip.
 */
#include "harness.h"
#include "internal.h" /* zc__test_early_complete() */

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

enum expect { EXPECT_INTACT, EXPECT_DEADLINE, EXPECT_RESET };

static const char *cfg_addr = "198.18.0.2";
static int cfg_port;
static const char *cfg_portfile;
static uint64_t cfg_seed = 77;
static unsigned int cfg_timeout_s = 60;
/* sender */
static uint64_t cfg_bytes = 32 * H_MIB;
static size_t cfg_job = 1 * H_MIB;
static int cfg_inflight = 8;
static const char *cfg_mode = "on";
static unsigned int cfg_deadline_ms;
static uint64_t cfg_budget;
static enum expect cfg_expect = EXPECT_INTACT;
static int cfg_cpu_pct;
static unsigned int cfg_cq;
static uint64_t cfg_seg;
static bool cfg_unsafe;
/* receiver */
static uint64_t cfg_want;
static int cfg_rcvbuf;
static int cfg_hold_ms;
static uint64_t cfg_reset_after;
static int cfg_idle_ms;
static int cfg_delay_us;
static bool cfg_abnormal_ok;

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k':
	case 'K': v *= H_KIB; break;
	case 'm':
	case 'M': v *= H_MIB; break;
	case 'g':
	case 'G': v *= 1024 * H_MIB; break;
	case '\0': break;
	default: h_fail("bad size '%s'", s);
	}
	return v;
}

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static struct sockaddr_in peer_addr(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	if (inet_pton(AF_INET, cfg_addr, &a.sin_addr) != 1)
		h_fail("bad address '%s'", cfg_addr);
	a.sin_port = htons((uint16_t)cfg_port);
	return a;
}

/* ---- receiver ---------------------------------------------------------- */

static int listen_one(void)
{
	struct sockaddr_in a = peer_addr();
	socklen_t alen = sizeof(a);
	int one = 1, l;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		h_fail("socket: %s", strerror(errno));
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* On the listener, so the window scale follows it. */
	if (cfg_rcvbuf && setsockopt(l, SOL_SOCKET, SO_RCVBUF, &cfg_rcvbuf,
				     sizeof(cfg_rcvbuf)) < 0)
		h_fail("SO_RCVBUF: %s", strerror(errno));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0)
		h_fail("bind %s:%d: %s", cfg_addr, cfg_port, strerror(errno));
	if (listen(l, 4) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0)
		h_fail("listen: %s", strerror(errno));
	if (cfg_portfile) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", cfg_portfile);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", ntohs(a.sin_port)) < 0 ||
		    fclose(f) || rename(tmp, cfg_portfile))
			h_fail("port file %s: %s", cfg_portfile,
			       strerror(errno));
	}
	return l;
}

static int accept_one(int l)
{
	struct pollfd pfd = { .fd = l, .events = POLLIN };
	int fd;

	if (poll(&pfd, 1, 15000) <= 0)
		h_fail("recv: no connection within 15 s");
	fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		h_fail("accept: %s", strerror(errno));
	return fd;
}

static int run_recv(void)
{
	size_t chunk = 256 * H_KIB;
	uint8_t *buf = malloc(chunk);
	uint64_t total = 0, bad = H_NO_BAD;
	const char *end = "eof";
	double t0, last;
	int l, fd;

	if (!buf)
		h_fail("out of memory");
	l = listen_one();
	fd = accept_one(l);
	close(l);
	t0 = last = h_now_ms();
	if (cfg_hold_ms)
		h_sleep_ms(cfg_hold_ms);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		size_t want = chunk;
		ssize_t n;

		if (h_now_ms() - t0 > cfg_timeout_s * 1e3) {
			end = "timeout";
			break;
		}
		if (cfg_idle_ms && h_now_ms() - last > cfg_idle_ms) {
			end = "idle";
			break;
		}
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			h_fail("poll: %s", strerror(errno));
		if (cfg_reset_after && total + want > cfg_reset_after)
			want = cfg_reset_after - total;
		n = recv(fd, buf, want, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			end = errno == ECONNRESET ? "reset" : strerror(errno);
			break;
		}
		if (n == 0)
			break;
		if (bad == H_NO_BAD) {
			bad = h_verify(buf, cfg_seed, total, (size_t)n);
			if (bad != H_NO_BAD) {
				h_info("recv: first wrong byte at stream "
				       "offset %llu",
				       (unsigned long long)bad);
				h_explain(buf, cfg_seed, total, bad, (size_t)n);
			}
		}
		total += (uint64_t)n;
		last = h_now_ms();
		if (cfg_reset_after && total >= cfg_reset_after) {
			/* A stalled peer that gives up: a reset, not a FIN. */
			h_sleep_ms(100);
			h_close_reset(fd);
			fd = -1;
			end = "we reset";
			break;
		}
		if (cfg_delay_us)
			usleep((useconds_t)cfg_delay_us);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	printf("recv: %llu bytes in %.0f ms, %s, end: %s\n",
	       (unsigned long long)total, h_now_ms() - t0,
	       bad == H_NO_BAD ? "intact" : "CORRUPT", end);
	fflush(stdout);
	if (bad != H_NO_BAD)
		h_fail("recv: stream corrupt from offset %llu",
		       (unsigned long long)bad);
	if (strcmp(end, "eof") && strcmp(end, "we reset") && !cfg_abnormal_ok)
		h_fail("recv: stream ended by %s", end);
	if (cfg_want && total != cfg_want)
		h_fail("recv: got %llu bytes, want %llu",
		       (unsigned long long)total, (unsigned long long)cfg_want);
	return 0;
}

/* ---- sender ------------------------------------------------------------ */

static struct {
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_write_opts opts;
	uint8_t *mem;
	struct h_jobs jobs;
	double *queued_ms;
	int njobs;
	int queued;  /* jobs zc_write() accepted */
	int refused; /* zc_write() errors (after the socket broke) */
	int write_err;
	uint64_t max_pinned;
} g;

static void sample_pinned(void)
{
	struct zc_stats st;

	if (zc_engine_stats(g.e, &st) == 0 && st.bytes_pinned > g.max_pinned)
		g.max_pinned = st.bytes_pinned;
}

static void on_done(struct h_job *j, struct zc_sock *s);

static void queue_job(int idx)
{
	uint8_t *slot = g.mem + (size_t)(idx % cfg_inflight) * cfg_job;
	int ret;

	h_fill(slot, cfg_seed, (uint64_t)idx * cfg_job, cfg_job);
	g.jobs.job[idx].on_done = on_done;
	g.queued_ms[idx] = h_now_ms();
	ret = h_write(&g.jobs, idx, g.s, slot, cfg_job, &g.opts);
	if (ret < 0) {
		g.refused++;
		if (!g.write_err)
			g.write_err = ret;
		return;
	}
	g.queued++;
	sample_pinned();
}

static void on_done(struct h_job *j, struct zc_sock *s)
{
	int next = j->idx + cfg_inflight;

	(void)s;
	sample_pinned();
	/* The application takes its buffer back at once. */
	memset((void *)j->buf, H_GARBAGE, j->len);
	/* Once the stream broke, queue nothing more. */
	if (next < g.njobs && !g.write_err && !j->r.error)
		queue_job(next);
}

static int connect_peer(void)
{
	double t0 = h_now_ms();
	int one = 1;

	if (cfg_portfile) {
		while (!cfg_port) {
			FILE *f = fopen(cfg_portfile, "r");

			if (f) {
				if (fscanf(f, "%d", &cfg_port) != 1)
					cfg_port = 0;
				fclose(f);
			}
			if (!cfg_port && h_now_ms() - t0 > 10000)
				h_fail("send: no port in %s after 10 s",
				       cfg_portfile);
			if (!cfg_port)
				h_sleep_ms(10);
		}
	}
	/* The receiver may not listen yet, and a lost SYN costs 1 s. */
	for (;;) {
		struct sockaddr_in a = peer_addr();
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			h_fail("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			return fd;
		}
		if (h_now_ms() - t0 > 10000)
			h_fail("send: connect %s:%d: %s (10 s)", cfg_addr,
			       cfg_port, strerror(errno));
		close(fd);
		h_sleep_ms(20);
	}
}

static bool is_reset_error(int err)
{
	return err == -ECONNRESET || err == -EPIPE || err == -ECONNABORTED;
}

/* The checks of -E on every job's result; returns the number of jobs that
 * ended with an error. */
static int check_results(double *first_fail, double *last_fail)
{
	int failed = 0;

	*first_fail = *last_fail = 0;
	for (int i = 0; i < g.queued; i++) {
		const struct h_job *j = &g.jobs.job[i];
		double took = j->done_ms - g.queued_ms[i];

		if (!j->r.error) {
			H_CHECK(j->r.res == (ssize_t)cfg_job,
				"job %d: res %zd without an error, want %zu", i,
				j->r.res, cfg_job);
			continue;
		}
		/* A job cut short leaves a hole: later ones go unsent. */
		if (j->r.res > 0 && (size_t)j->r.res < j->len &&
		    i + 1 < g.queued && g.jobs.job[i + 1].r.res > 0)
			h_fail_later("job %d failed after %zd of %zu bytes, "
				     "yet "
				     "job %d went out after it",
				     i, j->r.res, j->len, i + 1);
		if (!failed++ || j->done_ms < *first_fail)
			*first_fail = j->done_ms;
		if (j->done_ms > *last_fail)
			*last_fail = j->done_ms;
		if (failed <= 3 || i == g.queued - 1)
			h_info("send: job %d: res %zd error %d (%s) after "
			       "%.0f ms",
			       i, j->r.res, j->r.error, zc_strerror(j->r.error),
			       took);
		switch (cfg_expect) {
		case EXPECT_INTACT:
			h_fail_later("job %d failed: %s", i,
				     zc_strerror(j->r.error));
			break;
		case EXPECT_DEADLINE:
			if (j->r.error != -ETIMEDOUT)
				h_fail_later("job %d: error %d (%s), want "
					     "-ETIMEDOUT",
					     i, j->r.error,
					     zc_strerror(j->r.error));
			else if (took > cfg_deadline_ms + 1000.0 ||
				 (failed == 1 && took < 0.9 * cfg_deadline_ms))
				/* Later jobs die with the first one. */
				h_fail_later("job %d timed out after %.0f ms, "
					     "deadline %u ms",
					     i, took, cfg_deadline_ms);
			break;
		case EXPECT_RESET:
			if (!is_reset_error(j->r.error))
				h_fail_later("job %d: error %d (%s), want a "
					     "reset error",
					     i, j->r.error,
					     zc_strerror(j->r.error));
			break;
		}
	}
	return failed;
}

static bool all_queued_done(void *arg)
{
	(void)arg;
	sample_pinned();
	return g.jobs.done >= g.queued;
}

static int run_send(void)
{
	struct zc_pool *pool = NULL;
	uint64_t pool_bytes = 0;
	struct zc_stats st;
	double t0, c0, ms, cpu, first_fail, last_fail;
	size_t ring;
	int failed, fd, err;

	g.njobs = (int)(cfg_bytes / cfg_job);
	H_CHECK(g.njobs > 0 && cfg_inflight > 0, "nothing to send");
	if (cfg_inflight > g.njobs)
		cfg_inflight = g.njobs;
	ring = (size_t)cfg_inflight * cfg_job;
	g.e = h_engine(&(struct zc_engine_params){ .sq_entries = cfg_cq ? 8 : 0,
						   .cq_entries = cfg_cq });
	h_engine_mode(g.e, cfg_mode);
	if (cfg_budget)
		H_OK(zc_engine_setopt(g.e, ZC_OPT_PIN_BUDGET, cfg_budget));
	if (cfg_seg)
		H_OK(zc_engine_setopt(g.e, ZC_OPT_SEG_MAX, cfg_seg));
	if (cfg_unsafe)
		zc__test_early_complete(g.e, true);
	g.opts = (struct zc_write_opts){ .tx_zcopy = ZC_TX_INHERIT };
	if (!strcmp(cfg_mode, "pool")) {
		H_OK(zc_pool_create(g.e, ring, &pool));
		g.mem = zc_pool_base(pool);
		pool_bytes = zc_pool_size(pool);
		g.opts.pool = pool;
	} else {
		g.mem = h_alloc(ring);
	}
	h_jobs_init(&g.jobs, g.njobs);
	g.queued_ms = calloc((size_t)g.njobs, sizeof(*g.queued_ms));
	H_CHECK(g.queued_ms, "out of memory");

	fd = connect_peer();
	H_OK(zc_sock_attach(g.e, fd, &g.s));
	if (cfg_deadline_ms)
		H_OK(zc_sock_setopt(g.s, ZC_OPT_DEADLINE_MS, cfg_deadline_ms));
	t0 = h_now_ms();
	c0 = cpu_ms();
	for (int i = 0; i < cfg_inflight; i++)
		queue_job(i);
	ms = h_run_until(g.e, all_queued_done, NULL,
			 (int)(cfg_timeout_s * 1000) - 5000);
	cpu = cpu_ms() - c0;
	H_CHECK(ms >= 0, "only %d of %d queued jobs completed", g.jobs.done,
		g.queued);
	ms = h_now_ms() - t0;
	/* Every job called back: each came after its pages were back, so
	 * nothing of a job may be pinned or owed now, before any close. */
	h_expect_released(g.e, pool_bytes, "send: after the last callback");
	/* A second callback for a job would show up now. */
	h_run_for(g.e, 20);
	H_OK(zc_sock_stats(g.s, &st));

	for (int i = 0; i < g.njobs; i++) {
		int want = i < g.queued ? 1 : 0;

		if (g.jobs.job[i].calls != want)
			h_fail("job %d called back %d times, want %d", i,
			       g.jobs.job[i].calls, want);
	}
	H_CHECK(!g.jobs.extra && !g.jobs.bad_id,
		"%d extra callbacks, %d results not matching their job",
		g.jobs.extra, g.jobs.bad_id);
	h_jobs_expect_order(
		&(struct h_jobs){ .n = g.queued, .job = g.jobs.job }, "send");
	failed = check_results(&first_fail, &last_fail);

	err = h_close(g.e, g.s, 10000);
	close(fd);
	h_expect_released(g.e, pool_bytes, "send: after close");
	printf("send: backend %s mode %s: %d jobs of %zu queued (%d refused: "
	       "%s), %d ok, %d failed; %llu bytes in %.0f ms (%.0f Mbit/s); "
	       "cpu %.0f ms (%.0f%%); most pinned %llu (budget %llu); "
	       "zc %llu copied %llu; close error %d; all released\n",
	       zc_engine_backend(g.e), cfg_mode, g.queued, cfg_job, g.refused,
	       g.write_err ? zc_strerror(g.write_err) : "-", g.queued - failed,
	       failed, (unsigned long long)st.bytes_written, ms,
	       st.bytes_written * 8 / 1e3 / (ms > 0 ? ms : 1), cpu,
	       100 * cpu / (ms > 0 ? ms : 1), (unsigned long long)g.max_pinned,
	       (unsigned long long)(cfg_budget ? cfg_budget : 256 * H_MIB),
	       (unsigned long long)(st.bytes_zc + st.bytes_zc_copied),
	       (unsigned long long)st.bytes_copied, err);
	fflush(stdout);

	/* The budget covers pools too. */
	if (cfg_budget && g.max_pinned > cfg_budget)
		h_fail_later("pinned %llu bytes, budget %llu",
			     (unsigned long long)g.max_pinned,
			     (unsigned long long)cfg_budget);
	if (cfg_cpu_pct && cpu > ms * cfg_cpu_pct / 100)
		h_fail_later("sender used %.0f ms of CPU in %.0f ms: busy "
			     "loop?",
			     cpu, ms);
	switch (cfg_expect) {
	case EXPECT_INTACT:
		if (g.queued != g.njobs)
			h_fail_later("%d jobs refused: %s", g.refused,
				     zc_strerror(g.write_err));
		break;
	case EXPECT_DEADLINE:
		if (!failed)
			h_fail_later("no job ran into the deadline");
		if (g.write_err && g.write_err != -EPIPE)
			h_fail_later("zc_write refused a job with %d (%s), "
				     "want -EPIPE after the abort",
				     g.write_err, zc_strerror(g.write_err));
		break;
	case EXPECT_RESET:
		if (!failed && !g.write_err)
			h_fail_later("the reset failed no job");
		if (g.write_err && !is_reset_error(g.write_err))
			h_fail_later("zc_write refused a job with %d (%s)",
				     g.write_err, zc_strerror(g.write_err));
		if (failed && last_fail - first_fail > 1000)
			h_fail_later("jobs failed over %.0f ms after the "
				     "reset, want within 1 s",
				     last_fail - first_fail);
		break;
	}
	if (pool)
		H_OK(zc_pool_destroy(pool));
	else
		h_free(g.mem, ring);
	H_OK(zc_engine_destroy(g.e));
	h_jobs_free(&g.jobs);
	free(g.queued_ms);
	h_done("send");
}

static void usage(void)
{
	fprintf(stderr, "usage: rig-xfer send|recv [options] (see xfer.c)\n");
	exit(1);
}

int main(int argc, char **argv)
{
	bool send;
	int c;

	if (argc < 2)
		usage();
	send = !strcmp(argv[1], "send");
	if (!send && strcmp(argv[1], "recv"))
		usage();
	optind = 2;
	while ((c = getopt(argc, argv,
			   "a:p:o:s:T:b:j:q:m:d:B:E:C:c:S:Un:R:H:X:I:D:A")) !=
	       -1) {
		switch (c) {
		case 'a': cfg_addr = optarg; break;
		case 'p': cfg_port = atoi(optarg); break;
		case 'o': cfg_portfile = optarg; break;
		case 's': cfg_seed = strtoull(optarg, NULL, 0); break;
		case 'T': cfg_timeout_s = (unsigned int)atoi(optarg); break;
		case 'b': cfg_bytes = parse_size(optarg); break;
		case 'j': cfg_job = parse_size(optarg); break;
		case 'q': cfg_inflight = atoi(optarg); break;
		case 'm': cfg_mode = optarg; break;
		case 'd': cfg_deadline_ms = (unsigned int)atoi(optarg); break;
		case 'B': cfg_budget = parse_size(optarg); break;
		case 'E':
			if (!strcmp(optarg, "intact"))
				cfg_expect = EXPECT_INTACT;
			else if (!strcmp(optarg, "deadline"))
				cfg_expect = EXPECT_DEADLINE;
			else if (!strcmp(optarg, "reset"))
				cfg_expect = EXPECT_RESET;
			else
				usage();
			break;
		case 'C': cfg_cpu_pct = atoi(optarg); break;
		case 'c': cfg_cq = (unsigned int)atoi(optarg); break;
		case 'S': cfg_seg = parse_size(optarg); break;
		case 'U': cfg_unsafe = true; break;
		case 'n': cfg_want = parse_size(optarg); break;
		case 'R': cfg_rcvbuf = (int)parse_size(optarg); break;
		case 'H': cfg_hold_ms = atoi(optarg); break;
		case 'X': cfg_reset_after = parse_size(optarg); break;
		case 'I': cfg_idle_ms = atoi(optarg); break;
		case 'D': cfg_delay_us = atoi(optarg); break;
		case 'A': cfg_abnormal_ok = true; break;
		default: usage();
		}
	}
	if (!cfg_port && !cfg_portfile && send)
		h_fail("send: -p PORT or -o PORTFILE");
	h_watchdog(cfg_timeout_s);
	/* A library that raised SIGPIPE would kill the sender: leave it at
	 * its default action on purpose. */
	signal(SIGPIPE, SIG_DFL);
	return send ? run_send() : run_recv();
}
