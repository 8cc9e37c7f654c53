// SPDX-License-Identifier: MIT
/*
 * report.c - what zcperf prints: iperf3's interval lines and summary (or
 * its -J document, same shape, plus a "zcperf" object), CPU use of both
 * ends, service demand and the kernel's zero-copy accounting.
 */
#include "zcperf.h"
#include "json.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>

#define ZP_MAX_IVL 3600 /* interval records kept for -J */

struct ivl {
	double start, end;
	uint64_t bytes[2 * ZP_MAX_STREAMS];
	uint64_t packets[2 * ZP_MAX_STREAMS];
};

static struct ivl *ivls;
static int nivl;
static char start_host[256];
static int start_port;
static time_t start_time;

double zp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void zp_cpu_sample(struct zp_test *t, bool end)
{
	struct rusage ru;
	struct rusage_pair *p = end ? &t->ru1 : &t->ru0;

	getrusage(RUSAGE_SELF, &ru);
	p->user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	p->sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (end)
		t->cpu_wall = zp_now() - t->t0;
}

/* iperf3's adaptive units: bytes in powers of 1024, bits in 1000. */
static void fmt_unit(char *buf, size_t n, double v, double base,
		     const char *const *names)
{
	int i = 0;

	while (i < 3 && v >= base) {
		v /= base;
		i++;
	}
	snprintf(buf, n, v < 9.995 ? "%4.2f %s" : v < 99.95 ? "%4.1f %s" :
		 "%4.0f %s", v, names[i]);
}

void zp_format_bytes(char *buf, size_t n, double bytes)
{
	static const char *const u[] = { "Bytes", "KBytes", "MBytes", "GBytes" };

	fmt_unit(buf, n, bytes, 1024, u);
}

void zp_format_rate(char *buf, size_t n, double bps)
{
	static const char *const u[] = { "bits/sec", "Kbits/sec", "Mbits/sec",
					 "Gbits/sec" };

	fmt_unit(buf, n, bps, 1000, u);
}

static void addr_str(const struct sockaddr_storage *ss, char *buf, size_t n,
		     int *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, buf, n);
		if (!strncmp(buf, "::ffff:", 7) && strchr(buf, '.'))
			memmove(buf, buf + 7, strlen(buf + 7) + 1);
		*port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, buf, n);
		*port = ntohs(a->sin_port);
	}
}

void zp_report_start(struct zp_test *t, const char *host, int port)
{
	free(ivls);
	ivls = NULL;
	nivl = 0;
	snprintf(start_host, sizeof(start_host), "%s", host ? host : "");
	start_port = port;
	start_time = time(NULL);
	if (!t->o->json && !t->is_server)
		fprintf(t->out, "Connecting to host %s, port %d\n", host, port);
}

void zp_report_connected(struct zp_test *t, struct zp_stream *s)
{
	char l[64], r[64];
	int lp, rp;

	if (t->o->json)
		return;
	addr_str(&s->la, l, sizeof(l), &lp);
	addr_str(&s->ra, r, sizeof(r), &rp);
	fprintf(t->out, "[%3d] local %s port %d connected to %s port %d\n",
		s->fd, l, lp, r, rp);
}

static const char *role_tag(struct zp_test *t, struct zp_stream *s)
{
	if (!t->p.bidir)
		return "";
	return s->sender ? "[TX-C]" : "[RX-C]";
}

void zp_report_interval(struct zp_test *t, double now)
{
	double a = t->last_report - t->t0, b = now - t->t0, d = now - t->last_report;
	uint64_t sum = 0, sump = 0;
	struct ivl *iv = NULL;
	char by[32], rt[32];

	if (d <= 0)
		return;
	if (t->o->json && nivl < ZP_MAX_IVL) {
		struct ivl *n = realloc(ivls, (size_t)(nivl + 1) * sizeof(*n));

		if (n) {
			ivls = n;
			iv = &ivls[nivl++];
			iv->start = a;
			iv->end = b;
		}
	}
	if (!t->o->json && t->nintervals++ == 0)
		fprintf(t->out, "[ ID] Interval           Transfer     Bitrate%s\n",
			t->p.udp ? "         Total Datagrams" :
			t->p.rr ? "         Transactions" : "");
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];

		if (iv) {
			iv->bytes[i] = s->ibytes;
			iv->packets[i] = s->ipackets;
		}
		if (!t->o->json) {
			zp_format_bytes(by, sizeof(by), (double)s->ibytes);
			zp_format_rate(rt, sizeof(rt), s->ibytes * 8 / d);
			fprintf(t->out, "[%3d]%s %6.2f-%-6.2f sec  %s  %s",
				s->fd, role_tag(t, s), a, b, by, rt);
			if (t->p.udp || t->p.rr)
				fprintf(t->out, "  %llu", (unsigned long long)s->ipackets);
			fprintf(t->out, "\n");
		}
		sum += s->ibytes;
		sump += s->ipackets;
		s->ibytes = 0;
		s->ipackets = 0;
	}
	if (!t->o->json && t->nst > 1) {
		zp_format_bytes(by, sizeof(by), (double)sum);
		zp_format_rate(rt, sizeof(rt), sum * 8 / d);
		fprintf(t->out, "[SUM] %6.2f-%-6.2f sec  %s  %s\n", a, b, by, rt);
		if (t->p.udp || t->p.rr)
			(void)sump;
	}
	if (!t->o->json)
		fflush(t->out);
	t->last_report = now;
}

/* The remote's line for a stream, by iperf3 stream id. */
static const struct zp_sres *remote_of(struct zp_test *t, int id)
{
	for (int i = 0; t->have_remote && i < t->remote.nstreams; i++)
		if (t->remote.s[i].id == id)
			return &t->remote.s[i];
	return NULL;
}

void zp_results_fill(struct zp_test *t, struct zp_results *r)
{
	double wall = t->cpu_wall > 0 ? t->cpu_wall : 1e-9;
	double u = t->ru1.user - t->ru0.user, sy = t->ru1.sys - t->ru0.sys;

	memset(r, 0, sizeof(*r));
	r->cpu_user = 100 * u / wall;
	r->cpu_sys = 100 * sy / wall;
	r->cpu_total = r->cpu_user + r->cpu_sys;
	r->cpu_user_s = u;
	r->cpu_sys_s = sy;
	r->sender_has_retransmits = -1;
	snprintf(r->backend, sizeof(r->backend), "%s",
		 t->eng ? zc_engine_backend(t->eng) : "");
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];
		struct zp_sres *o = &r->s[r->nstreams++];

		if (s->sender)
			r->sender_has_retransmits = 0;
		o->id = s->id;
		o->bytes = s->bytes;
		o->retransmits = s->sender ? 0 : -1;
		o->jitter = s->sender ? 0 : s->jitter;
		o->errors = s->sender ? 0 : s->cnt_error;
		o->packets = s->sender ? (int64_t)s->pcount : (int64_t)s->pcount;
		o->outoforder = s->outoforder;
		o->start_time = 0;
		o->end_time = s->t_last > 0 ? s->t_last : t->cpu_wall;
		if (s->zst_valid) {
			o->has_zc = true;
			o->bytes_zc = s->zst.bytes_zc;
			o->bytes_zc_copied = s->zst.bytes_zc_copied;
			o->bytes_copied = s->zst.bytes_copied;
		}
		if (t->p.verify && !s->sender) {
			o->has_verify = true;
			o->v_checked = s->v.checked;
			o->v_corrupt = s->v.corrupt;
			o->v_lost = s->v.lost;
			o->v_reordered = s->v.reordered;
		}
	}
}

struct dir_sum {
	uint64_t sent, recv;
	double sent_s, recv_s;
	int64_t lost, packets, ooo;
	double jitter;
	int n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double remote_cpu_s(struct zp_test *t)
{
	if (!t->have_remote)
		return 0;
	if (t->remote.has_cpu_s)
		return t->remote.cpu_user_s + t->remote.cpu_sys_s;
	return t->remote.cpu_total / 100 * t->cpu_wall;
}

static void json_sum(struct zp_jw *w, const char *key, double secs,
		     uint64_t bytes, bool sender, const struct dir_sum *d,
		     bool udp, bool recv_side)
{
	zp_jw_obj(w, key);
	zp_jw_num(w, "start", 0);
	zp_jw_num(w, "end", secs);
	zp_jw_num(w, "seconds", secs);
	zp_jw_u64(w, "bytes", bytes);
	zp_jw_num(w, "bits_per_second", secs > 0 ? bytes * 8 / secs : 0);
	if (udp) {
		zp_jw_num(w, "jitter_ms", recv_side ? d->jitter * 1000 / (d->n ? d->n : 1) : 0);
		zp_jw_int(w, "lost_packets", d->lost);
		zp_jw_int(w, "packets", d->packets);
		zp_jw_num(w, "lost_percent", d->packets > 0 ?
			  100.0 * d->lost / d->packets : 0);
	} else if (!recv_side) {
		zp_jw_int(w, "retransmits", 0);
	}
	zp_jw_bool(w, "sender", sender);
	zp_jw_end_obj(w);
}

/* Opens one stream's object of "end" with the fields every kind starts with. */
static void json_stream(struct zp_jw *w, const char *key, int fd, double secs,
			uint64_t bytes)
{
	zp_jw_obj(w, key);
	zp_jw_int(w, "socket", fd);
	zp_jw_num(w, "start", 0);
	zp_jw_num(w, "end", secs);
	zp_jw_num(w, "seconds", secs);
	zp_jw_u64(w, "bytes", bytes);
	zp_jw_num(w, "bits_per_second", bytes * 8 / secs);
}

static void text_line(struct zp_test *t, int fd, const char *tag, double secs,
		      uint64_t bytes, const char *who, const struct zp_sres *u,
		      bool udp_recv)
{
	char by[32], rt[32];

	zp_format_bytes(by, sizeof(by), (double)bytes);
	zp_format_rate(rt, sizeof(rt), secs > 0 ? bytes * 8 / secs : 0);
	if (fd >= 0)
		fprintf(t->out, "[%3d]%s %6.2f-%-6.2f sec  %s  %s", fd, tag, 0.0,
			secs, by, rt);
	else
		fprintf(t->out, "[SUM]%s %6.2f-%-6.2f sec  %s  %s", tag, 0.0,
			secs, by, rt);
	if (u && udp_recv)
		fprintf(t->out, "  %.3f ms  %lld/%lld (%.2g%%)", u->jitter * 1000,
			(long long)u->errors, (long long)u->packets,
			u->packets > 0 ? 100.0 * u->errors / u->packets : 0.0);
	fprintf(t->out, "  %s\n", who);
}

void zp_report_end(struct zp_test *t)
{
	struct zp_results loc;
	struct dir_sum fwd = { 0 }, rev = { 0 };
	double lcpu = (t->ru1.user - t->ru0.user) + (t->ru1.sys - t->ru0.sys);
	double rcpu = remote_cpu_s(t), dur = t->cpu_wall;
	uint64_t lzc = 0, lzcc = 0, lcp = 0, rzc = 0, rzcc = 0, rcp = 0;
	uint64_t vchk = 0, vcor = 0, vlost = 0, vreo = 0, total_rx = 0;
	bool have_verify = false;
	struct zp_jw w;
	char by[32];

	zp_results_fill(t, &loc);
	if (!t->o->json) {
		fprintf(t->out, "- - - - - - - - - - - - - - - - - - - - - - - - -\n");
		fprintf(t->out, "[ ID] Interval           Transfer     Bitrate%s\n",
			t->p.udp && !t->o->no_control ?
			"         Jitter    Lost/Total Datagrams" : "");
	}
	zp_jw_init(&w, false);
	zp_jw_obj(&w, NULL);
	zp_jw_obj(&w, "start");
	zp_jw_arr(&w, "connected");
	for (int i = 0; i < t->nst; i++) {
		char l[64], r[64];
		int lp, rp;

		addr_str(&t->st[i]->la, l, sizeof(l), &lp);
		addr_str(&t->st[i]->ra, r, sizeof(r), &rp);
		zp_jw_obj(&w, NULL);
		zp_jw_int(&w, "socket", t->st[i]->fd);
		zp_jw_str(&w, "local_host", l);
		zp_jw_int(&w, "local_port", lp);
		zp_jw_str(&w, "remote_host", r);
		zp_jw_int(&w, "remote_port", rp);
		zp_jw_end_obj(&w);
	}
	zp_jw_end_arr(&w);
	{
		char v[64];
		struct utsname un;
		char sys[400];

		snprintf(v, sizeof(v), "zcperf %s (iperf 3.12 protocol)", zc_version());
		zp_jw_str(&w, "version", v);
		uname(&un);
		snprintf(sys, sizeof(sys), "%s %s %s %s %s", un.sysname,
			 un.nodename, un.release, un.version, un.machine);
		zp_jw_str(&w, "system_info", sys);
	}
	zp_jw_obj(&w, "timestamp");
	{
		char tb[64];
		struct tm tm;

		gmtime_r(&start_time, &tm);
		strftime(tb, sizeof(tb), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		zp_jw_str(&w, "time", tb);
		zp_jw_int(&w, "timesecs", start_time);
	}
	zp_jw_end_obj(&w);
	if (!t->is_server) {
		zp_jw_obj(&w, "connecting_to");
		zp_jw_str(&w, "host", start_host);
		zp_jw_int(&w, "port", start_port);
		zp_jw_end_obj(&w);
	}
	zp_jw_str(&w, "cookie", t->cookie);
	zp_jw_obj(&w, "test_start");
	zp_jw_str(&w, "protocol", t->p.udp ? "UDP" : "TCP");
	zp_jw_int(&w, "num_streams", t->p.parallel);
	zp_jw_int(&w, "blksize", t->p.len);
	zp_jw_int(&w, "omit", 0);
	zp_jw_int(&w, "duration", t->p.time);
	zp_jw_u64(&w, "bytes", t->p.num);
	zp_jw_int(&w, "blocks", 0);
	zp_jw_int(&w, "reverse", t->p.reverse);
	zp_jw_int(&w, "tos", 0);
	zp_jw_u64(&w, "target_bitrate", t->p.bandwidth);
	zp_jw_int(&w, "bidir", t->p.bidir);
	zp_jw_end_obj(&w);
	zp_jw_end_obj(&w);
	/* intervals */
	zp_jw_arr(&w, "intervals");
	for (int k = 0; k < nivl; k++) {
		struct ivl *iv = &ivls[k];
		double d = iv->end - iv->start;
		uint64_t sb = 0;

		zp_jw_obj(&w, NULL);
		zp_jw_arr(&w, "streams");
		for (int i = 0; i < t->nst; i++) {
			zp_jw_obj(&w, NULL);
			zp_jw_int(&w, "socket", t->st[i]->fd);
			zp_jw_num(&w, "start", iv->start);
			zp_jw_num(&w, "end", iv->end);
			zp_jw_num(&w, "seconds", d);
			zp_jw_u64(&w, "bytes", iv->bytes[i]);
			zp_jw_num(&w, "bits_per_second", d > 0 ? iv->bytes[i] * 8 / d : 0);
			if (t->p.udp || t->p.rr)
				zp_jw_u64(&w, "packets", iv->packets[i]);
			zp_jw_bool(&w, "omitted", false);
			zp_jw_bool(&w, "sender", t->st[i]->sender);
			zp_jw_end_obj(&w);
			sb += iv->bytes[i];
		}
		zp_jw_end_arr(&w);
		zp_jw_obj(&w, "sum");
		zp_jw_num(&w, "start", iv->start);
		zp_jw_num(&w, "end", iv->end);
		zp_jw_num(&w, "seconds", d);
		zp_jw_u64(&w, "bytes", sb);
		zp_jw_num(&w, "bits_per_second", d > 0 ? sb * 8 / d : 0);
		zp_jw_bool(&w, "omitted", false);
		zp_jw_bool(&w, "sender", t->nst && t->st[0]->sender);
		zp_jw_end_obj(&w);
		zp_jw_end_obj(&w);
	}
	zp_jw_end_arr(&w);
	/* end */
	zp_jw_obj(&w, "end");
	zp_jw_arr(&w, "streams");
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];
		const struct zp_sres *rs = remote_of(t, s->id);
		const struct zp_sres *ls = &loc.s[i];
		uint64_t sent = s->sender ? s->bytes : rs ? rs->bytes : 0;
		uint64_t recv = s->sender ? (rs ? rs->bytes : 0) : s->bytes;
		double ssec = s->sender ? ls->end_time : rs ? rs->end_time : dur;
		double rsec = s->sender ? (rs ? rs->end_time : dur) : ls->end_time;
		const struct zp_sres *rx = s->sender ? rs : ls; /* receiver's view */
		/* the client's forward direction is "client sends" */
		bool client_sends = t->is_server ? !s->sender : s->sender;
		struct dir_sum *d = client_sends ? &fwd : &rev;

		if (ssec <= 0)
			ssec = dur;
		if (rsec <= 0)
			rsec = dur;
		d->sent += sent;
		d->recv += recv;
		d->sent_s = fmax(d->sent_s, ssec);
		d->recv_s = fmax(d->recv_s, rsec);
		total_rx += t->o->no_control ? sent : recv;
		if (rx) {
			d->lost += rx->errors > 0 ? rx->errors : 0;
			d->packets += rx->packets > 0 ? rx->packets : 0;
			d->jitter += rx->jitter;
			d->ooo += rx->outoforder;
			d->n++;
			if (rx->has_verify) {
				have_verify = true;
				vchk += rx->v_checked;
				vcor += rx->v_corrupt;
				vlost += rx->v_lost;
				vreo += rx->v_reordered;
			}
		}
		if (ls->has_zc) {
			lzc += ls->bytes_zc;
			lzcc += ls->bytes_zc_copied;
			lcp += ls->bytes_copied;
		}
		if (rs && rs->has_zc) {
			rzc += rs->bytes_zc;
			rzcc += rs->bytes_zc_copied;
			rcp += rs->bytes_copied;
		}
		zp_jw_obj(&w, NULL);
		if (t->p.udp) {
			json_stream(&w, "udp", s->fd, ssec, sent);
			zp_jw_num(&w, "jitter_ms", rx ? rx->jitter * 1000 : 0);
			zp_jw_int(&w, "lost_packets", rx ? rx->errors : 0);
			zp_jw_int(&w, "packets", rx ? rx->packets : 0);
			zp_jw_num(&w, "lost_percent", rx && rx->packets > 0 ?
				  100.0 * rx->errors / rx->packets : 0);
			zp_jw_int(&w, "out_of_order", rx ? rx->outoforder : 0);
			zp_jw_bool(&w, "sender", s->sender);
			zp_jw_end_obj(&w);
		} else {
			json_stream(&w, "sender", s->fd, ssec, sent);
			zp_jw_int(&w, "retransmits", 0);
			zp_jw_bool(&w, "sender", s->sender);
			zp_jw_end_obj(&w);
			json_stream(&w, "receiver", s->fd, rsec, recv);
			zp_jw_bool(&w, "sender", s->sender);
			zp_jw_end_obj(&w);
		}
		zp_jw_end_obj(&w);
		if (!t->o->json) {
			const char *tag = role_tag(t, s);

			text_line(t, s->fd, tag, ssec, sent, "sender", NULL, false);
			if (!t->o->no_control)
				text_line(t, s->fd, tag, rsec, recv, "receiver",
					  rx, t->p.udp);
		}
	}
	zp_jw_end_arr(&w);
	{
		/* client's forward direction first, as iperf3 does */
		struct dir_sum *a = &fwd, *b = &rev;
		bool fwd_sender = !t->is_server;

		if (!t->p.bidir && t->p.reverse) {
			a = &rev;
			b = NULL;
			fwd_sender = t->is_server;
		} else if (!t->p.bidir) {
			b = NULL;
		}
		if (t->p.udp)
			json_sum(&w, "sum", a->recv_s, a->recv, fwd_sender, a, true, true);
		json_sum(&w, "sum_sent", a->sent_s, a->sent, fwd_sender, a, t->p.udp, false);
		json_sum(&w, "sum_received", a->recv_s, a->recv, fwd_sender, a, t->p.udp, true);
		if (b) {
			json_sum(&w, "sum_sent_bidir_reverse", b->sent_s, b->sent,
				 !fwd_sender, b, t->p.udp, false);
			json_sum(&w, "sum_received_bidir_reverse", b->recv_s,
				 b->recv, !fwd_sender, b, t->p.udp, true);
		}
		if (!t->o->json && t->nst > 1) {
			text_line(t, -1, "", a->sent_s, a->sent, "sender", NULL, false);
			if (!t->o->no_control)
				text_line(t, -1, "", a->recv_s, a->recv,
					  "receiver", NULL, false);
			if (b) {
				text_line(t, -1, "", b->sent_s, b->sent, "sender", NULL, false);
				text_line(t, -1, "", b->recv_s, b->recv, "receiver", NULL, false);
			}
		}
	}
	zp_jw_obj(&w, "cpu_utilization_percent");
	zp_jw_num(&w, "host_total", loc.cpu_total);
	zp_jw_num(&w, "host_user", loc.cpu_user);
	zp_jw_num(&w, "host_system", loc.cpu_sys);
	zp_jw_num(&w, "remote_total", t->remote.cpu_total);
	zp_jw_num(&w, "remote_user", t->remote.cpu_user);
	zp_jw_num(&w, "remote_system", t->remote.cpu_sys);
	zp_jw_end_obj(&w);
	/* zcperf's own */
	zp_jw_obj(&w, "zcperf");
	zp_jw_str(&w, "backend", loc.backend);
	zp_jw_str(&w, "zc", t->zc == ZC_TX_OFF ? "off" : t->zc == ZC_TX_ON ?
		  "on" : "auto");
	zp_jw_bool(&w, "fixed", t->fixed > 0);
	zp_jw_int(&w, "inflight", t->inflight);
	zp_jw_int(&w, "read_depth", t->read_depth);
	zp_jw_str(&w, "remote_backend", t->remote.backend);
	zp_jw_bool(&w, "no_control", t->o->no_control);
	zp_jw_obj(&w, "local");
	zp_jw_num(&w, "cpu_user_s", loc.cpu_user_s);
	zp_jw_num(&w, "cpu_sys_s", loc.cpu_sys_s);
	zp_jw_num(&w, "service_demand_us_per_kib",
		  total_rx ? lcpu * 1e6 / (total_rx / 1024.0) : 0);
	zp_jw_u64(&w, "bytes_zc", lzc);
	zp_jw_u64(&w, "bytes_zc_copied", lzcc);
	zp_jw_u64(&w, "bytes_copied", lcp);
	zp_jw_end_obj(&w);
	zp_jw_obj(&w, "remote");
	zp_jw_bool(&w, "zcperf", t->remote.has_cpu_s);
	zp_jw_num(&w, "cpu_s", rcpu);
	zp_jw_num(&w, "service_demand_us_per_kib",
		  total_rx ? rcpu * 1e6 / (total_rx / 1024.0) : 0);
	zp_jw_u64(&w, "bytes_zc", rzc);
	zp_jw_u64(&w, "bytes_zc_copied", rzcc);
	zp_jw_u64(&w, "bytes_copied", rcp);
	zp_jw_end_obj(&w);
	if (have_verify) {
		zp_jw_obj(&w, "verify");
		zp_jw_u64(&w, "checked", vchk);
		zp_jw_u64(&w, "corrupt", vcor);
		zp_jw_u64(&w, "lost", vlost);
		zp_jw_u64(&w, "reordered", vreo);
		zp_jw_end_obj(&w);
	}
	if (t->p.rr && !t->is_server) {
		size_t n = 0;
		double *all;

		for (int i = 0; i < t->nst; i++)
			n += t->st[i]->nlat;
		all = n ? malloc(n * sizeof(*all)) : NULL;
		zp_jw_obj(&w, "rr");
		zp_jw_u64(&w, "transactions", n);
		zp_jw_num(&w, "transactions_per_sec", dur > 0 ? n / dur : 0);
		if (all) {
			size_t k = 0;

			for (int i = 0; i < t->nst; i++)
				for (size_t j = 0; j < t->st[i]->nlat; j++)
					all[k++] = t->st[i]->lat[j];
			qsort(all, n, sizeof(*all), cmp_double);
			zp_jw_num(&w, "p50_us", all[n / 2] * 1e6);
			zp_jw_num(&w, "p90_us", all[n * 9 / 10] * 1e6);
			zp_jw_num(&w, "p99_us", all[n * 99 / 100] * 1e6);
			zp_jw_num(&w, "max_us", all[n - 1] * 1e6);
			if (!t->o->json)
				fprintf(t->out, "RR: %zu transactions, %.0f/s, latency p50 %.1f us, p90 %.1f us, p99 %.1f us\n",
					n, n / dur, all[n / 2] * 1e6,
					all[n * 9 / 10] * 1e6, all[n * 99 / 100] * 1e6);
			free(all);
		}
		zp_jw_end_obj(&w);
	}
	zp_jw_end_obj(&w);
	if (t->fail)
		zp_jw_str(&w, "error", t->fail);
	zp_jw_end_obj(&w);
	zp_jw_end_obj(&w);
	if (t->o->json) {
		if (w.buf)
			fprintf(t->out, "%s\n", w.buf);
	} else {
		bool snd = t->is_server ? t->p.reverse : !t->p.reverse;

		if (t->o->no_control) {
			fprintf(t->out, "CPU Utilization: local/sender %.1f%% (%.1f%%u/%.1f%%s), no remote\n",
				loc.cpu_total, loc.cpu_user, loc.cpu_sys);
			fprintf(t->out, "No control channel (--no-control): the receiver's side is not known\n");
			fprintf(t->out, "Service demand: local %.3f us/KiB sent\n",
				total_rx ? lcpu * 1e6 / (total_rx / 1024.0) : 0);
		} else {
			fprintf(t->out, "CPU Utilization: local/%s %.1f%% (%.1f%%u/%.1f%%s), remote/%s %.1f%% (%.1f%%u/%.1f%%s)\n",
				snd ? "sender" : "receiver", loc.cpu_total,
				loc.cpu_user, loc.cpu_sys,
				snd ? "receiver" : "sender", t->remote.cpu_total,
				t->remote.cpu_user, t->remote.cpu_sys);
			fprintf(t->out, "Service demand: local %.3f us/KiB, remote %.3f us/KiB\n",
				total_rx ? lcpu * 1e6 / (total_rx / 1024.0) : 0,
				total_rx ? rcpu * 1e6 / (total_rx / 1024.0) : 0);
		}
		zp_format_bytes(by, sizeof(by), (double)lzc);
		fprintf(t->out, "Zero-copy (local, %s): %s sent zero-copy, ", loc.backend, by);
		zp_format_bytes(by, sizeof(by), (double)lzcc);
		fprintf(t->out, "%s copied by the kernel, ", by);
		zp_format_bytes(by, sizeof(by), (double)lcp);
		fprintf(t->out, "%s copied by zcperf's send path\n", by);
		if (have_verify)
			fprintf(t->out, "Verify: %llu bytes checked, %llu corrupt, %llu lost, %llu reordered\n",
				(unsigned long long)vchk, (unsigned long long)vcor,
				(unsigned long long)vlost, (unsigned long long)vreo);
		if (t->fail)
			fprintf(t->out, "zcperf: error - %s\n", t->fail);
		if (!t->is_server)
			fprintf(t->out, "\niperf Done.\n");
	}
	fflush(t->out);
	zp_jw_free(&w);
	free(ivls);
	ivls = NULL;
	nivl = 0;
}

void zp_report_error(struct zp_test *t, const char *msg)
{
	if (t->o->json) {
		struct zp_jw w;

		zp_jw_init(&w, false);
		zp_jw_obj(&w, NULL);
		zp_jw_obj(&w, "start");
		zp_jw_end_obj(&w);
		zp_jw_arr(&w, "intervals");
		zp_jw_end_arr(&w);
		zp_jw_obj(&w, "end");
		zp_jw_end_obj(&w);
		zp_jw_str(&w, "error", msg);
		zp_jw_end_obj(&w);
		if (w.buf)
			fprintf(t->out, "%s\n", w.buf);
		zp_jw_free(&w);
	} else {
		fprintf(stderr, "zcperf: error - %s\n", msg);
	}
	fflush(t->out);
}
