// SPDX-License-Identifier: MIT
/*
 * session.c - what client and server do alike once the parameters are
 * agreed: pick the local data-path settings, start the streams, drive
 * the engine and the interval reports, wind the streams down.
 */
#include "session.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void zp_test_init(struct zp_test *t, const struct zp_opts *o, bool server)
{
	memset(t, 0, sizeof(*t));
	t->o = o;
	t->is_server = server;
	t->ctl = -1;
	t->out = stdout;
}

/* The local end's data path: our own options win, then (on a server)
 * what a zcperf client asked for, then defaults. */
void zp_test_choose(struct zp_test *t)
{
	const struct zp_opts *o = t->o;
	const struct zp_params *p = &t->p;
	size_t len = p->len ? p->len : 1;

	t->zc = o->zc >= 0 ? o->zc : p->zc;
	t->backend = o->backend >= 0 ? o->backend : p->backend;
	t->fixed = o->fixed >= 0 ? o->fixed : p->fixed;
	/*
	 * --zc auto sends from a registered pool unless told --no-fixed:
	 * where the kernel really sends zero-copy (so auto stays on it), it
	 * costs less than a copy only from registered buffers; from plain
	 * memory the per-send page pinning made it slower than copying
	 * (docs/PERFORMANCE.md, "zcperf sweep on the ifb path"). Where the
	 * kernel copies anyway, auto copies, from the pool as from the heap.
	 */
	if (t->zc < 0 && !getenv("ZCAIO_TX_ZCOPY"))
		t->zc = ZC_TX_AUTO; /* the library's default: the same mode */
	if (t->fixed < 0 && t->zc == ZC_TX_AUTO) {
		t->fixed = 1;
		t->fixed_implied = true;
	}
	t->inflight = o->inflight ? o->inflight : p->inflight;
	if (!t->inflight) {
		/* enough bytes queued to cover a zero-copy release's
		 * round trip (DESIGN.md section 4: 4 KiB x 8 stalled), and
		 * not more than 16 MiB over all the streams of a side */
		size_t n = (4u << 20) / len;
		size_t all = (16u << 20) / len / (p->parallel > 0 ? p->parallel : 1);

		if (all < n)
			n = all;
		t->inflight = n < 4 ? 4 : n > 64 ? 64 : (int)n;
		if (p->udp)
			t->inflight = 16;
	}
	t->read_depth = o->read_depth ? o->read_depth : p->udp ? 64 : 2;
}

int zp_test_start_streams(struct zp_test *t, char *err, size_t errlen)
{
	int ret = zp_engine_setup(t);

	if (ret < 0) {
		snprintf(err, errlen, "engine (backend %d): %s", t->backend,
			 zc_strerror(ret));
		return ret;
	}
	t->phase = ZP_PH_RUNNING;
	t->t0 = zp_now();
	t->last_report = t->t0;
	zp_cpu_sample(t, false);
	zp_report_begin(t);
	ret = zp_streams_start(t);
	if (ret < 0) {
		snprintf(err, errlen, "starting streams: %s%s", zc_strerror(ret),
			 ret == -E2BIG ? " (buffers over the memory budget)" : "");
		return ret;
	}
	return 0;
}

/* Interval reports and paced sends; returns how long the caller may
 * sleep (ms, at most @max_ms). The caller runs the engine. */
int zp_test_tick(struct zp_test *t, int max_ms)
{
	int wait_ms = max_ms;
	double now = zp_now();

	if (t->phase != ZP_PH_RUNNING)
		return wait_ms;
	zp_report_tick(t, now);
	{
		double until = fmin(t->next_report,
				    t->t0 + (t->p.time ? t->p.time : 1e9));
		int ms = (int)ceil((until - now) * 1000);

		if (ms < wait_ms)
			wait_ms = ms < 0 ? 0 : ms;
	}
	if (zp_rate_limited(t)) {
		zp_streams_pump(t);
		if (t->eng)
			zc_engine_run(t->eng, 0);
		if (wait_ms > 1)
			wait_ms = 1;
	}
	return wait_ms;
}

/* One turn of the engine and the timers; waits at most @max_ms.
 * Returns true when @extra_fd (if >= 0) is readable.
 *
 * While an engine runs we sleep inside zc_engine_run() (one system call
 * that submits, waits and reaps), and look at @extra_fd with a poll() of
 * no timeout at most every ZP_ENGINE_SLICE_MS, when it is due. Polling
 * zc_engine_fd() together with @extra_fd instead was measured worse on a
 * busy stream: asking for the fd makes the library register an eventfd,
 * which the kernel signals on every completion and the library reads on
 * every zc_engine_run() (one more read() per 64 KiB message; see
 * docs/PERFORMANCE.md, "zcperf: waiting on the engine fd").
 */
bool zp_test_turn(struct zp_test *t, int extra_fd, int max_ms)
{
	struct pollfd pf = { .fd = extra_fd, .events = POLLIN };
	int wait_ms = zp_test_tick(t, max_ms);
	double now;

	if (!t->eng)
		return poll(&pf, extra_fd >= 0, wait_ms) > 0;
	now = zp_now();
	if (extra_fd >= 0 && now >= t->next_fd_check) {
		t->next_fd_check = now + ZP_ENGINE_SLICE_MS / 1000.0;
		if (poll(&pf, 1, 0) > 0)
			return true;
	}
	zc_engine_run(t->eng, wait_ms < ZP_ENGINE_SLICE_MS ? wait_ms :
		      ZP_ENGINE_SLICE_MS);
	return false;
}

/* Final partial interval, then CPU and the stop time. */
void zp_test_stop_clock(struct zp_test *t)
{
	double now = zp_now();
	uint64_t moved = 0;

	if (t->t_end)
		return;
	for (int i = 0; i < t->nst; i++)
		moved += t->st[i]->ibytes;
	/* a short last interval is kept when it moved bytes, as iperf3
	 * 3.12 does (a -n 300K test had no interval at all; BZ2) */
	if (t->o->interval > 0 &&
	    (now - t->last_report > t->o->interval * 0.1 || moved))
		zp_report_interval(t, now);
	t->t_end = now;
	zp_cpu_sample(t, true);
}

static uint64_t stream_bytes(struct zp_test *t, bool senders)
{
	uint64_t n = 0;

	for (int i = 0; i < t->nst; i++)
		if (t->st[i]->sender == senders)
			n += t->st[i]->bytes;
	return n;
}

/*
 * The end of the sending: waits until the senders' jobs completed
 * (released), for at most @max_s, and as long as they make progress:
 * a peer that stopped reading (an iperf3 --bidir client does once it sent
 * TEST_END) would otherwise hold us until the deadline. What does not
 * complete within @stall_s of the last completion is aborted: the reset
 * makes the kernel give the pages back, the jobs complete short. Then the
 * senders shut down their side: a zcperf receiver sees the end of the
 * stream and counts every byte. Receivers keep reading meanwhile.
 */
void zp_test_drain_senders(struct zp_test *t, double max_s, double stall_s)
{
	double now = zp_now(), until = now + max_s, stall = now + stall_s;
	uint64_t last = stream_bytes(t, true);

	zp_streams_cancel_queued(t);
	while (!zp_streams_idle(t) && now < until && now < stall && !zp_sig) {
		uint64_t b;

		zp_test_turn(t, -1, 5);
		now = zp_now();
		b = stream_bytes(t, true);
		if (b != last) {
			last = b;
			stall = now + stall_s;
		}
	}
	if (!zp_streams_idle(t))
		zp_streams_abort(t, true);
	zp_streams_close(t, true);
}

/*
 * Receivers: until each TCP stream saw its end, at most @max_s; unless
 * @to_eof (the peer shuts its streams down when it is done: every zcperf
 * does, and an iperf3 server closes them on TEST_END), also until nothing
 * arrived for 50 ms (an iperf3 client keeps its streams open). UDP has no
 * end: the last datagrams are waited for 50 ms.
 */
void zp_test_drain_receivers(struct zp_test *t, double max_s, bool to_eof)
{
	double until = zp_now() + max_s, quiet = zp_now() + 0.05;
	uint64_t last = stream_bytes(t, false);

	if (t->p.udp)
		to_eof = false;
	while (zp_now() < until && !zp_sig) {
		uint64_t b;

		if (!t->p.udp && zp_streams_all_eof(t))
			break;
		if (!to_eof && zp_now() >= quiet)
			break;
		zp_test_turn(t, -1, 5);
		b = stream_bytes(t, false);
		if (b != last) {
			last = b;
			quiet = zp_now() + 0.05;
		}
	}
}

/* -V: how the receive side read (bytes per read job: the receive size
 * follows the socket, not the sender's -l). */
static void verbose_reads(struct zp_test *t)
{
	uint64_t bytes = 0, reads = 0;

	for (int i = 0; i < t->nst; i++) {
		const struct zp_stream *s = t->st[i];

		if (!s->sender && s->zst_valid) {
			bytes += s->zst.bytes_read;
			reads += s->zst.jobs_done;
		}
	}
	if (reads && !t->o->json)
		fprintf(t->out, "zcperf: received %llu bytes in %llu reads "
			"(%.0f bytes a read)\n", (unsigned long long)bytes,
			(unsigned long long)reads, (double)bytes / reads);
}

/* Graceful close of every stream (their counters are read in the
 * close callback); aborts what does not finish within @max_s. */
void zp_test_close_streams(struct zp_test *t, double max_s)
{
	double until = zp_now() + max_s;

	if (!t->eng)
		return;
	zp_streams_close(t, false);
	while (!zp_streams_closed(t) && zp_now() < until) {
		zc_engine_run(t->eng, 10);
	}
	if (!zp_streams_closed(t)) {
		zp_streams_abort(t, false);
		until = zp_now() + 2;
		while (!zp_streams_closed(t) && zp_now() < until)
			zc_engine_run(t->eng, 10);
	}
	if (t->o->verbose)
		verbose_reads(t);
}

void zp_test_free(struct zp_test *t)
{
	if (t->eng)
		zp_engine_teardown(t);
	else
		zp_streams_free(t);
	zp_rx_reset(&t->rx);
	if (t->ctl >= 0)
		close(t->ctl);
	t->ctl = -1;
}

int zp_ctl_wait(struct zp_test *t, enum zp_rx_mode mode, double timeout_s,
		const char **err)
{
	double until = zp_now() + timeout_s;

	zp_rx_start(&t->rx, mode);
	for (;;) {
		int ret = zp_ctl_read(t->ctl, &t->rx, err);

		if (ret != ZP_RX_MORE)
			return ret;
		if (zp_sig) {
			*err = "interrupted";
			return -EINTR;
		}
		if (zp_now() >= until) {
			*err = "timed out waiting for the peer";
			return -ETIMEDOUT;
		}
		zp_test_turn(t, t->ctl, 50);
	}
}
