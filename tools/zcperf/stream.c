// SPDX-License-Identifier: MIT
/*
 * stream.c - the data path: each stream is a socket driven by one
 * libzcaio engine. A sending stream keeps `inflight` write jobs queued
 * (zero-copy releases wait for the peer's ACK, so one job at a time would
 * stall); a receiving stream keeps `read_depth` read jobs queued.
 */
#include "zcperf.h"

#include <errno.h>
#include <math.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define ZP_BUF_BUDGET (512ull << 20) /* buffers one test may allocate */
#define ZP_GSO_MAX 65000u
#define ZP_RX_TCP (128u << 10)

static void tx_cb(struct zc_sock *s, const struct zc_result *r, void *arg);
static void rx_cb(struct zc_sock *s, const struct zc_result *r, void *arg);
static int queue_write(struct zp_slot *sl, size_t len);

int zp_engine_setup(struct zp_test *t)
{
	struct zc_engine_params ep = { 0 };
	int ret;

	ep.backend = t->backend >= 0 ? t->backend : ZC_BACKEND_AUTO;
	ret = zc_engine_create(&t->eng, &ep);
	if (ret < 0)
		return ret;
	if (t->zc >= 0) {
		ret = zc_engine_setopt(t->eng, ZC_OPT_TX_ZCOPY, (uint64_t)t->zc);
		if (ret < 0)
			return ret;
	}
	/* A server facing strangers: a write that a client does not take
	 * (zero window) fails after the control timeout, the connection is
	 * reset, and the kernel gives our pages back. */
	if (t->is_server) {
		ret = zc_engine_setopt(t->eng, ZC_OPT_DEADLINE_MS,
				       (uint64_t)t->o->ctl_timeout_ms);
		if (ret < 0)
			return ret;
	}
	/* A pool is pinned once; let it be as large as the budget allows. */
	zc_engine_setopt(t->eng, ZC_OPT_PIN_BUDGET, ZP_BUF_BUDGET + (64 << 20));
	return 0;
}

void zp_engine_teardown(struct zp_test *t)
{
	if (!t->eng)
		return;
	zc_engine_destroy(t->eng); /* aborts what is left, waits for releases */
	t->eng = NULL;
	t->pool = NULL;
	zp_streams_free(t);
}

int zp_stream_add(struct zp_test *t, int fd, bool sender)
{
	struct zp_stream *s;
	socklen_t sl;

	if (t->nst >= 2 * ZP_MAX_STREAMS)
		return -ENOSPC;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->t = t;
	s->fd = fd;
	s->sender = sender;
	s->udp = t->p.udp;
	/* iperf3 numbers streams 1, 3, 4, 5, ... and both ends must agree */
	s->id = t->nst == 0 ? 1 : t->nst + 2;
	sl = sizeof(s->la);
	getsockname(fd, (struct sockaddr *)&s->la, &sl);
	sl = sizeof(s->ra);
	getpeername(fd, (struct sockaddr *)&s->ra, &sl);
	t->st[t->nst++] = s;
	return 0;
}

/* Memory for one stream's buffers: from the pool with --fixed, else the
 * heap. Buffers are 64-byte aligned. */
static uint8_t *buf_get(struct zp_test *t, size_t len)
{
	void *p;

	len = (len + 63) & ~(size_t)63;
	if (t->pool) {
		if (t->pool_used + len > zc_pool_size(t->pool))
			return NULL;
		p = (uint8_t *)zc_pool_base(t->pool) + t->pool_used;
		t->pool_used += len;
		return p;
	}
	if (posix_memalign(&p, 4096, len))
		return NULL;
	return p;
}

static unsigned int gso_count(struct zp_test *t)
{
	unsigned int k;

	if (!t->p.udp || !t->o->gso)
		return 1;
	k = ZP_GSO_MAX / t->p.len;
	if (k > 64)
		k = 64;
	return k ? k : 1;
}

/* Every slot needs its own bytes when the payload changes per job (UDP
 * headers, --verify offsets); otherwise all jobs send one shared buffer,
 * as iperf3 does. */
static bool per_slot_payload(struct zp_test *t)
{
	return t->p.udp || t->p.verify;
}

static size_t slot_bytes(struct zp_test *t)
{
	return (size_t)t->p.len * gso_count(t);
}

/*
 * Receive size: a datagram's largest, or for TCP 128 KiB (what iperf3
 * reads at its default length), never less than -l. It does not follow
 * the sender's write size: with -l 4K each read would take one 4 KiB
 * message (61,577 kernel entries for 59,481 messages were seen), where
 * the socket has far more waiting. A request/response test reads one
 * request.
 */
static size_t rx_len(struct zp_test *t)
{
	if (t->p.udp)
		return 65536;
	if (t->p.rr)
		return t->p.len;
	return t->p.len > ZP_RX_TCP ? t->p.len : ZP_RX_TCP;
}

static int setup_buffers(struct zp_test *t)
{
	size_t need = 0, tx = slot_bytes(t), rx = rx_len(t);
	bool shared_needed = false;
	int ret;

	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];

		if (s->sender && !t->p.rr) {
			s->nslots = t->inflight;
			if (per_slot_payload(t))
				need += (size_t)s->nslots * ((tx + 63) & ~63ul);
			else
				shared_needed = true;
		} else {
			s->nrbufs = t->p.rr ? 1 : t->read_depth;
		}
		if (t->p.rr)
			s->nslots = 1;
	}
	if (t->p.rr)
		need += (size_t)t->nst * ((tx + 63) & ~63ul);
	if (shared_needed)
		need += (tx + 63) & ~63ul;
	if (need + (size_t)t->nst * t->read_depth * rx > ZP_BUF_BUDGET)
		return -E2BIG;
	if (t->fixed > 0 && need) {
		ret = zc_pool_create(t->eng, need, &t->pool);
		if (ret < 0 && !t->fixed_implied)
			return ret;
		if (ret < 0)
			t->fixed = 0; /* implied by auto: plain memory will do */
		else
			t->pooled = true;
	}
	if (shared_needed) {
		t->shared_buf = buf_get(t, tx);
		if (!t->shared_buf)
			return -ENOMEM;
		if (getrandom(t->shared_buf, tx, 0) != (ssize_t)tx)
			memset(t->shared_buf, 0xa5, tx);
	}
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];

		if (s->nslots) {
			s->slots = calloc(s->nslots, sizeof(*s->slots));
			if (!s->slots)
				return -ENOMEM;
			for (int j = 0; j < s->nslots; j++) {
				s->slots[j].st = s;
				s->slots[j].buf = per_slot_payload(t) || t->p.rr ?
					buf_get(t, tx) : t->shared_buf;
				if (!s->slots[j].buf)
					return -ENOMEM;
				if (t->p.rr)
					memset(s->slots[j].buf, 'r', tx);
			}
		}
		if (s->nrbufs) {
			s->rbufs = calloc(s->nrbufs, sizeof(*s->rbufs));
			if (!s->rbufs)
				return -ENOMEM;
			for (int j = 0; j < s->nrbufs; j++) {
				void *p;

				if (posix_memalign(&p, 4096, rx))
					return -ENOMEM;
				s->rbufs[j].buf = p;
				s->rbufs[j].st = s;
			}
		}
	}
	return 0;
}

static int queue_read(struct zp_stream *s, int j)
{
	struct zp_rslot *rs = &s->rbufs[j];
	size_t len = s->t->p.rr ? s->t->p.len - s->rr_got : rx_len(s->t);
	int ret = zc_read(s->zs, rs->buf, len, rx_cb, rs, NULL);

	if (ret == 0)
		s->rbusy++;
	return ret;
}

int zp_streams_start(struct zp_test *t)
{
	int ret = setup_buffers(t);

	if (ret < 0)
		return ret;
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];

		if (s->udp && s->sender && gso_count(t) > 1) {
			int seg = (int)t->p.len;

			if (setsockopt(s->fd, IPPROTO_UDP, UDP_SEGMENT, &seg,
				       sizeof(seg)) < 0)
				return -errno;
		}
		ret = zc_sock_attach(t->eng, s->fd, &s->zs);
		if (ret < 0)
			return ret;
		for (int j = 0; j < s->nrbufs; j++) {
			if (t->p.rr && !t->is_server)
				break; /* the client reads after each request */
			ret = queue_read(s, j);
			if (ret < 0)
				return ret;
		}
	}
	if (t->p.rr && !t->is_server) {
		for (int i = 0; i < t->nst; i++) {
			t->st[i]->rr_sent_at = zp_now();
			ret = queue_write(&t->st[i]->slots[0], t->p.len);
			if (ret < 0)
				return ret;
		}
	}
	zp_streams_pump(t);
	return 0;
}

static uint64_t total_queued(struct zp_test *t)
{
	uint64_t n = 0;

	for (int i = 0; i < t->nst; i++)
		if (t->st[i]->sender)
			n += t->st[i]->queued;
	return n;
}

bool zp_test_done_sending(struct zp_test *t, double now)
{
	if (t->p.num)
		return total_queued(t) >= t->p.num;
	return now >= t->t0 + t->p.time;
}

static bool rate_allows(struct zp_stream *s, double now)
{
	double elapsed;

	if (!s->t->p.bandwidth)
		return true;
	elapsed = now - s->t->t0;
	return (double)s->queued * 8 <
	       (double)s->t->p.bandwidth * elapsed + 8.0 * slot_bytes(s->t);
}

bool zp_rate_limited(struct zp_test *t)
{
	return t->p.bandwidth != 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, (uint32_t)v);
}

static size_t udp_hdr_len(struct zp_test *t)
{
	return t->p.udp64 ? 16 : 12;
}

/* Writes one datagram: iperf3's header (send time, packet number), then
 * with --verify the payload offset and the pattern. */
static void fill_datagram(struct zp_stream *s, uint8_t *b, size_t len,
			  const struct timespec *ts)
{
	struct zp_test *t = s->t;
	size_t h = udp_hdr_len(t);

	put_be32(b, (uint32_t)ts->tv_sec);
	put_be32(b + 4, (uint32_t)(ts->tv_nsec / 1000));
	s->pcount++;
	if (t->p.udp64)
		put_be64(b + 8, s->pcount);
	else
		put_be32(b + 8, (uint32_t)s->pcount);
	if (t->p.verify && len >= h + 8) {
		put_be64(b + h, s->tx_off);
		zp_pattern_fill(b + h + 8, len - h - 8, s->tx_off, t->p.seed);
		s->tx_off += len - h - 8;
	}
}

static int queue_write(struct zp_slot *sl, size_t len)
{
	struct zp_stream *s = sl->st;
	struct zp_test *t = s->t;
	struct zc_write_opts wo = { .tx_zcopy = ZC_TX_INHERIT, .pool = t->pool };
	int ret;

	if (s->udp) {
		size_t k = len / t->p.len;
		struct timespec ts;

		/* one send time for a GSO batch: its datagrams leave together */
		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < k; i++)
			fill_datagram(s, sl->buf + i * t->p.len, t->p.len, &ts);
	} else if (t->p.verify) {
		zp_pattern_fill(sl->buf, len, s->tx_off, t->p.seed);
		s->tx_off += len;
	}
	ret = zc_write(s->zs, sl->buf, len, &wo, tx_cb, sl, &sl->job);
	if (ret < 0)
		return ret;
	sl->busy = true;
	s->busy++;
	s->queued += len;
	return 0;
}

static void stream_pump(struct zp_stream *s, double now)
{
	struct zp_test *t = s->t;

	if (!s->sender || s->closing || s->error || t->phase != ZP_PH_RUNNING ||
	    t->p.rr)
		return;
	for (int j = 0; j < s->nslots && s->busy < s->nslots; j++) {
		struct zp_slot *sl = &s->slots[j];
		size_t len = slot_bytes(t);

		if (sl->busy)
			continue;
		if (zp_test_done_sending(t, now) || !rate_allows(s, now))
			return;
		if (t->p.num && !s->udp) {
			uint64_t left = t->p.num - total_queued(t);

			if (left < len)
				len = left;
		}
		if (queue_write(sl, len) < 0) {
			s->error = -EPIPE;
			return;
		}
	}
}

void zp_streams_pump(struct zp_test *t)
{
	double now = zp_now();

	for (int i = 0; i < t->nst; i++)
		stream_pump(t->st[i], now);
}

/* A stream's first and last byte, in seconds of the test; bytes that
 * arrive (or are released) after the clock stopped are counted at its
 * stop: the test's time is not stretched by its drain. */
static void note_time(struct zp_stream *s)
{
	double now = zp_now() - s->t->t0;

	if (s->t->t_end && now > s->t->t_end - s->t->t0)
		now = s->t->t_end - s->t->t0;

	if (!s->t_first)
		s->t_first = now > 0 ? now : 1e-9;
	s->t_last = now;
}

static void tx_cb(struct zc_sock *zs, const struct zc_result *r, void *arg)
{
	struct zp_slot *sl = arg;
	struct zp_stream *s = sl->st;
	struct zp_test *t = s->t;

	sl->busy = false;
	s->busy--;
	if (r->res > 0) {
		s->bytes += (uint64_t)r->res;
		s->ibytes += (uint64_t)r->res;
		if (s->udp) {
			uint64_t k = (uint64_t)r->res / t->p.len;

			s->packets += k;
			s->ipackets += k;
		}
		note_time(s);
	}
	if (r->error && r->error != -ECANCELED && !s->error)
		s->error = r->error;
	if (t->p.rr && !r->error) {
		/* request (client) or response (server) sent: read next */
		s->rr_got = 0;
		if (!s->closing && queue_read(s, 0) < 0)
			s->error = -EPIPE;
		return;
	}
	stream_pump(s, zp_now());
}

/* iperf3's receiver statistics: loss from gaps in the packet numbers,
 * jitter as RFC 1889's smoothed transit-time difference. */
static void udp_account(struct zp_stream *s, const uint8_t *b, size_t n)
{
	struct zp_test *t = s->t;
	size_t h = udp_hdr_len(t);
	uint64_t pc;
	struct timespec ts;
	double sent, transit;

	if (n < h)
		return;
	if (t->p.udp64)
		pc = (uint64_t)b[8] << 56 | (uint64_t)b[9] << 48 |
		     (uint64_t)b[10] << 40 | (uint64_t)b[11] << 32 |
		     (uint64_t)b[12] << 24 | (uint64_t)b[13] << 16 |
		     (uint64_t)b[14] << 8 | b[15];
	else
		pc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 |
		     (uint32_t)b[10] << 8 | b[11];
	if (pc >= s->pcount + 1) {
		if (pc > s->pcount + 1)
			s->cnt_error += (int64_t)(pc - 1 - s->pcount);
		s->pcount = pc;
	} else {
		s->outoforder++;
		if (s->cnt_error > 0)
			s->cnt_error--;
	}
	sent = ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]) +
	       ((uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7]) / 1e6;
	clock_gettime(CLOCK_REALTIME, &ts);
	transit = (double)ts.tv_sec + ts.tv_nsec / 1e9 - sent;
	if (s->have_transit) {
		double d = fabs(transit - s->prev_transit);

		s->jitter += (d - s->jitter) / 16.0;
	}
	s->prev_transit = transit;
	s->have_transit = true;
	if (t->p.verify && n >= h + 8) {
		uint64_t off = 0;

		for (int i = 0; i < 8; i++)
			off = off << 8 | b[h + i];
		zp_verify_datagram(&s->v, b + h + 8, n - h - 8, off, t->p.seed);
	}
}

static void rr_reply(struct zp_stream *s)
{
	struct zp_test *t = s->t;
	double now = zp_now();

	if (!t->is_server) {
		zp_hist_add(&t->rr_lat, now - s->rr_sent_at);
		s->packets++;
		s->ipackets++;
		if (t->phase != ZP_PH_RUNNING || zp_test_done_sending(t, now) ||
		    s->closing)
			return;
		s->rr_sent_at = now;
	}
	if (queue_write(&s->slots[0], t->p.len) < 0)
		s->error = -EPIPE;
}

static void rx_cb(struct zc_sock *zs, const struct zc_result *r, void *arg)
{
	struct zp_rslot *rs = arg;
	struct zp_stream *s = rs->st;
	struct zp_test *t = s->t;
	int idx = (int)(rs - s->rbufs);

	s->rbusy--;
	if (r->error || r->res < 0) {
		if (r->error != -ECANCELED && !s->error && !s->closing)
			s->error = r->error ? r->error : (int)r->res;
		return;
	}
	if (r->res == 0 && !s->udp) {
		s->eof = true;
		return;
	}
	if (t->phase >= ZP_PH_RUNNING && t->phase <= ZP_PH_RESULTS) {
		s->bytes += (uint64_t)r->res;
		s->ibytes += (uint64_t)r->res;
		note_time(s);
		if (s->udp) {
			udp_account(s, rs->buf, (size_t)r->res);
			s->packets++;
			s->ipackets++;
		} else if (t->p.verify && !t->p.rr) {
			zp_verify_stream(&s->v, rs->buf, (size_t)r->res, t->p.seed);
		}
	}
	if (t->p.rr) {
		s->rr_got += (uint32_t)r->res;
		if (s->rr_got >= t->p.len) {
			rr_reply(s);
			return;
		}
	}
	if (!s->closing && queue_read(s, idx) < 0 && !s->error)
		s->error = -EPIPE;
}

bool zp_streams_idle(struct zp_test *t)
{
	for (int i = 0; i < t->nst; i++)
		if (t->st[i]->sender && t->st[i]->busy && !t->p.rr)
			return false;
	return true;
}

bool zp_streams_all_eof(struct zp_test *t)
{
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];

		if (!s->sender && !s->udp && !s->eof && !s->error && !t->p.rr)
			return false;
	}
	return true;
}

static void close_cb(struct zc_sock *zs, int error, void *arg)
{
	struct zp_stream *s = arg;

	if (zc_sock_stats(zs, &s->zst) == 0)
		s->zst_valid = true;
	s->closed = true;
	s->zs = NULL;
}

void zp_streams_close(struct zp_test *t, bool senders_only)
{
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];

		if (senders_only && (!s->sender || t->p.rr))
			continue;
		if (s->zs && !s->closing) {
			s->closing = true;
			if (zc_sock_close(s->zs, close_cb, s) < 0)
				s->closed = true;
		}
	}
}

/*
 * The time is up: the write jobs the kernel has not started on are
 * cancelled (they complete -ECANCELED, none of their bytes sent, none
 * counted), so the test ends at its time however many streams queue
 * jobs; a started one completes short once released. A test of -n bytes
 * sends every byte it queued.
 */
void zp_streams_cancel_queued(struct zp_test *t)
{
	if (t->p.num || t->p.rr)
		return;
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];

		for (int j = 0; s->sender && s->zs && j < s->nslots; j++)
			if (s->slots[j].busy)
				zc_cancel(s->zs, s->slots[j].job);
	}
}

/* Resets the connections (their jobs complete short, once released). */
void zp_streams_abort(struct zp_test *t, bool senders_only)
{
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];

		if (senders_only && (!s->sender || t->p.rr))
			continue;
		if (s->zs && !s->closed)
			zc_sock_abort(s->zs);
	}
}

bool zp_streams_closed(struct zp_test *t)
{
	for (int i = 0; i < t->nst; i++)
		if (t->st[i]->zs && !t->st[i]->closed)
			return false;
	return true;
}

void zp_streams_free(struct zp_test *t)
{
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];

		if (!t->pooled && s->slots && per_slot_payload(t)) {
			for (int j = 0; j < s->nslots; j++)
				free(s->slots[j].buf);
		} else if (!t->pooled && s->slots && t->p.rr) {
			free(s->slots[0].buf);
		}
		free(s->slots);
		for (int j = 0; s->rbufs && j < s->nrbufs; j++)
			free(s->rbufs[j].buf);
		free(s->rbufs);
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		t->st[i] = NULL;
	}
	t->nst = 0;
	if (!t->pooled)
		free(t->shared_buf);
	t->shared_buf = NULL;
}
