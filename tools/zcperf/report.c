// SPDX-License-Identifier: MIT
/*
 * report.c - what zcperf prints: iperf3's interval lines and summary (or
 * its -J document, same keys, plus zcperf's own under end.zcperf; or
 * --json-stream events), the sender's TCP_INFO (retransmits, window,
 * RTT), -O omitted seconds, CPU use of both ends, service demand and the
 * kernel's zero-copy accounting.
 *
 * A number is printed only when it was measured: a field nobody could
 * measure (a receiver's retransmits, an iperf3 peer's RTT) is absent from
 * the JSON and blank in the text, never 0.
 */
#include "zcperf.h"
#include "hist.h"
#include "output.h"
#include "tcpinfo.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>

/* -J keeps every interval like iperf3, up to this many stream records
 * (about 1 KiB each); past it intervals are counted, not kept
 * (--json-stream keeps nothing). */
#define ZP_MAX_IVL_RECORDS 65536

/* What the report keeps of one stream. */
struct srep {
	bool tcp;		/* a TCP sender whose TCP_INFO we read */
	uint32_t retr_base;	/* total_retrans when the totals started */
	uint32_t retr_ivl;	/* ... at the last interval */
	struct zp_tcpi last;
	int64_t max_cwnd, max_wnd, min_rtt, max_rtt;
	double rtt_sum;
	int64_t rtt_n;
	/* counters at the end of -O (the totals start there) */
	uint64_t pcount0;
	int64_t err0, ooo0;
	/* UDP receive counters at the last interval */
	uint64_t pcount_ivl;
	int64_t err_ivl;
};

static struct {
	struct srep s[2 * ZP_MAX_STREAMS];
	cJSON *start;		/* the "start" object, built at test start */
	cJSON *intervals;	/* -J: every interval */
	long ivl_records, ivl_dropped;
	char host[256];
	int port;
	time_t t_start;
	double omit_end;	/* monotonic; 0 once the totals run */
	bool began, ended;
	char *own;		/* this side's report (--get-server-output) */
	bool own_json;
} rep;

double zp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- TCP_INFO of the senders ---- */

static void tcp_sample(struct zp_test *t, int i)
{
	struct zp_stream *s = t->st[i];
	struct srep *r = &rep.s[i];
	struct zp_tcpi ti;

	if (t->p.udp || !s->sender || !zp_tcpi_read(s->fd, &ti))
		return;
	if (!r->tcp) {
		r->tcp = true;
		r->retr_base = r->retr_ivl = ti.total_retrans;
		r->max_cwnd = r->max_wnd = r->min_rtt = r->max_rtt = -1;
	}
	r->last = ti;
	if (ti.snd_cwnd > r->max_cwnd)
		r->max_cwnd = ti.snd_cwnd;
	if (ti.snd_wnd > r->max_wnd)
		r->max_wnd = ti.snd_wnd;
	if (ti.rtt > r->max_rtt)
		r->max_rtt = ti.rtt;
	if (r->min_rtt < 0 || ti.rtt < r->min_rtt)
		r->min_rtt = ti.rtt;
	r->rtt_sum += (double)ti.rtt;
	r->rtt_n++;
}

/* Retransmits of a local sender since the totals started, or -1. */
static int64_t tcp_retrans(int i)
{
	return rep.s[i].tcp ? (int64_t)(rep.s[i].last.total_retrans -
					 rep.s[i].retr_base) : -1;
}

static bool any_tcp_sender(struct zp_test *t)
{
	for (int i = 0; i < t->nst; i++)
		if (rep.s[i].tcp)
			return true;
	return false;
}

void zp_cpu_sample(struct zp_test *t, bool end)
{
	struct rusage ru;
	struct rusage_pair *p = end ? &t->ru1 : &t->ru0;

	getrusage(RUSAGE_SELF, &ru);
	p->user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	p->sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (!end)
		return;
	t->cpu_wall = zp_now() - t->t0;
	/* the clock stops: the senders' counters are read with the CPU */
	for (int i = 0; i < t->nst; i++)
		tcp_sample(t, i);
}

/* ---- units ---- */

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

/* ---- JSON helpers ---- */

static void jnum(cJSON *o, const char *key, double v)
{
	cJSON_AddNumberToObject(o, key, v);
}

/* A count that may be unmeasured: absent when negative. */
static void jcount(cJSON *o, const char *key, int64_t v)
{
	if (v >= 0)
		zp_json_int(o, key, v);
}

static cJSON *jtimes(cJSON *o, double start, double end, uint64_t bytes)
{
	double secs = end - start;

	jnum(o, "start", start);
	jnum(o, "end", end);
	jnum(o, "seconds", secs);
	zp_json_int(o, "bytes", (int64_t)bytes);
	jnum(o, "bits_per_second", secs > 0 ? bytes * 8 / secs : 0);
	return o;
}

/* --json-stream: one line per event, as iperf3 3.17 writes them. */
static void json_event(struct zp_test *t, const char *event, cJSON *data)
{
	cJSON *e = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(e, "event", event);
	cJSON_AddItemReferenceToObject(e, "data", data);
	s = cJSON_PrintUnformatted(e);
	if (s)
		fprintf(t->out, "%s\n", s);
	fflush(t->out);
	free(s);
	cJSON_Delete(e);
}

/* ---- the start ---- */

void zp_report_start(struct zp_test *t, const char *host, int port)
{
	cJSON_Delete(rep.start);
	cJSON_Delete(rep.intervals);
	free(rep.own);
	memset(&rep, 0, sizeof(rep));
	snprintf(rep.host, sizeof(rep.host), "%s", host ? host : "");
	rep.port = port;
	rep.t_start = time(NULL);
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

static int sockopt_int(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (fd < 0 || getsockopt(fd, level, name, &v, &len) < 0)
		return -1;
	return v;
}

static cJSON *build_start(struct zp_test *t)
{
	cJSON *st = cJSON_CreateObject(), *arr, *o;
	int fd0 = t->nst ? t->st[0]->fd : -1;
	struct utsname un;
	char buf[400];
	struct tm tm;

	arr = cJSON_AddArrayToObject(st, "connected");
	for (int i = 0; i < t->nst; i++) {
		char l[64], r[64];
		int lp, rp;

		addr_str(&t->st[i]->la, l, sizeof(l), &lp);
		addr_str(&t->st[i]->ra, r, sizeof(r), &rp);
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		jnum(o, "socket", t->st[i]->fd);
		cJSON_AddStringToObject(o, "local_host", l);
		jnum(o, "local_port", lp);
		cJSON_AddStringToObject(o, "remote_host", r);
		jnum(o, "remote_port", rp);
	}
	snprintf(buf, sizeof(buf), "zcperf %s (iperf 3.12 protocol)", zc_version());
	cJSON_AddStringToObject(st, "version", buf);
	uname(&un);
	snprintf(buf, sizeof(buf), "%s %s %s %s %s", un.sysname, un.nodename,
		 un.release, un.version, un.machine);
	cJSON_AddStringToObject(st, "system_info", buf);
	o = cJSON_AddObjectToObject(st, "timestamp");
	gmtime_r(&rep.t_start, &tm);
	strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	cJSON_AddStringToObject(o, "time", buf);
	zp_json_int(o, "timesecs", (int64_t)rep.t_start);
	if (!t->is_server) {
		o = cJSON_AddObjectToObject(st, "connecting_to");
		cJSON_AddStringToObject(o, "host", rep.host);
		jnum(o, "port", rep.port);
	} else if (t->nst) {
		int port;

		o = cJSON_AddObjectToObject(st, "accepted_connection");
		addr_str(&t->st[0]->ra, buf, sizeof(buf), &port);
		cJSON_AddStringToObject(o, "host", buf);
		jnum(o, "port", port);
	}
	cJSON_AddStringToObject(st, "cookie", t->cookie);
	if (!t->p.udp)
		jcount(st, "tcp_mss_default",
		       sockopt_int(fd0, IPPROTO_TCP, TCP_MAXSEG));
	zp_json_int(st, "target_bitrate", (int64_t)t->p.bandwidth);
	jnum(st, "sock_bufsize", t->p.window);
	jcount(st, "sndbuf_actual", sockopt_int(fd0, SOL_SOCKET, SO_SNDBUF));
	jcount(st, "rcvbuf_actual", sockopt_int(fd0, SOL_SOCKET, SO_RCVBUF));
	o = cJSON_AddObjectToObject(st, "test_start");
	cJSON_AddStringToObject(o, "protocol", t->p.udp ? "UDP" : "TCP");
	jnum(o, "num_streams", t->p.parallel);
	jnum(o, "blksize", t->p.len);
	jnum(o, "omit", t->p.omit);
	jnum(o, "duration", t->p.time);
	zp_json_int(o, "bytes", (int64_t)t->p.num);
	zp_json_int(o, "blocks", t->is_server ? 0 : (int64_t)t->o->blocks);
	jnum(o, "reverse", t->p.reverse);
	jnum(o, "tos", 0);
	zp_json_int(o, "target_bitrate", (int64_t)t->p.bandwidth);
	jnum(o, "bidir", t->p.bidir);
	return st;
}

/* The streams run: the clock starts (t->t0 is set). */
void zp_report_begin(struct zp_test *t)
{
	rep.began = true;
	rep.omit_end = t->p.omit > 0 ? t->t0 + t->p.omit : 0;
	t->next_report = t->o->interval > 0 ? t->t0 + t->o->interval : INFINITY;
	if (rep.omit_end && rep.omit_end < t->next_report)
		t->next_report = rep.omit_end;
	for (int i = 0; i < t->nst; i++)
		tcp_sample(t, i);
	if (t->is_server && t->p.get_server_output && !t->o->json)
		zp_output_capture_start();
	if (t->o->json) {
		rep.start = build_start(t);
		if (t->o->json_stream)
			json_event(t, "start", rep.start);
		else
			rep.intervals = cJSON_CreateArray();
	} else if (t->p.omit && !t->is_server) {
		fprintf(t->out, "Omitting the first %d second%s from the totals\n",
			t->p.omit, t->p.omit == 1 ? "" : "s");
	}
	/* Until -O ends, the test's end is -O + -t away: every end check
	 * (t0 + time) sees that, and none races the omit boundary (with
	 * -O 1 -t 1 the test once ended at the boundary, unomitted). */
	if (rep.omit_end && t->p.time)
		t->p.time += t->p.omit;
}

/* ---- intervals ---- */

/* Streams in the client's sending direction come first, as in iperf3. */
static bool client_sends(struct zp_test *t, struct zp_stream *s)
{
	return t->is_server ? !s->sender : s->sender;
}

static const char *role_tag(struct zp_test *t, bool sender)
{
	if (!t->p.bidir)
		return "";
	if (t->is_server)
		return sender ? "[TX-S]" : "[RX-S]";
	return sender ? "[TX-C]" : "[RX-C]";
}

/* One direction's interval sums. */
struct isum {
	uint64_t bytes, packets;
	int64_t retr, lost;
	double jitter;
	int n, nrx;
	bool sender;
};

static void text_ivl_header(struct zp_test *t)
{
	bool rx_udp = false, tx_udp = false;

	for (int i = 0; i < t->nst; i++) {
		if (t->st[i]->sender)
			tx_udp = true;
		else
			rx_udp = true;
	}
	fprintf(t->out, "[ ID]%s Interval           Transfer     Bitrate%s\n",
		t->p.bidir ? "[Role]" : "",
		t->p.rr ? "         Transactions" :
		t->p.udp && rx_udp && !tx_udp ?
		"         Jitter    Lost/Total Datagrams" :
		t->p.udp ? "         Total Datagrams" :
		any_tcp_sender(t) ? "         Retr  Cwnd" : "");
}


/* What follows the bitrate on a text line. */
struct cols {
	enum { C_NONE, C_RETR, C_RETR_CWND, C_COUNT, C_UDP_RX } kind;
	int64_t retr, cwnd, count, lost, total;
	double jitter_s;
};

/* One line of iperf3's table: a stream (@id >= 0) or [SUM]. */
static void text_row(struct zp_test *t, int id, const char *tag, double a,
		     double b, uint64_t bytes, const struct cols *c,
		     const char *suffix)
{
	char by[32], rt[32], cw[32], head[16];

	if (id >= 0)
		snprintf(head, sizeof(head), "[%3d]", id);
	else
		snprintf(head, sizeof(head), "[SUM]");
	zp_format_bytes(by, sizeof(by), (double)bytes);
	zp_format_rate(rt, sizeof(rt), b > a ? bytes * 8 / (b - a) : 0);
	fprintf(t->out, "%s%s %6.2f-%-6.2f sec  %s  %s", head, tag, a, b, by, rt);
	switch (c->kind) {
	case C_NONE:
		fprintf(t->out, "                  %s\n", suffix);
		break;
	case C_RETR:
		fprintf(t->out, "  %3lld             %s\n", (long long)c->retr,
			suffix);
		break;
	case C_RETR_CWND:
		zp_format_bytes(cw, sizeof(cw), (double)c->cwnd);
		fprintf(t->out, "  %3lld   %s       %s\n", (long long)c->retr, cw,
			suffix);
		break;
	case C_COUNT:
		fprintf(t->out, "  %lld  %s\n", (long long)c->count, suffix);
		break;
	case C_UDP_RX:
		fprintf(t->out, "  %5.3f ms  %lld/%lld (%.2g%%)  %s\n",
			c->jitter_s * 1000, (long long)c->lost,
			(long long)c->total,
			c->total > 0 ? 100.0 * c->lost / c->total : 0.0, suffix);
		break;
	}
}

/* One stream's interval: its line, its JSON record, its direction's sum. */
static void ivl_stream(struct zp_test *t, int i, double a, double b,
		       bool omitted, cJSON *arr, struct isum *sum)
{
	struct zp_stream *s = t->st[i];
	struct srep *r = &rep.s[i];
	struct cols c = { .kind = C_NONE };
	int64_t pk = (int64_t)s->ipackets;
	uint64_t bytes = s->ibytes;

	if (r->tcp) {
		c.kind = C_RETR_CWND;
		c.retr = (int64_t)(r->last.total_retrans - r->retr_ivl);
		c.cwnd = r->last.snd_cwnd;
		r->retr_ivl = r->last.total_retrans;
		sum->retr = (sum->retr > 0 ? sum->retr : 0) + c.retr;
	}
	if (t->p.udp && !s->sender) {
		c.kind = C_UDP_RX;
		pk = (int64_t)(s->pcount - r->pcount_ivl);
		c.lost = s->cnt_error - r->err_ivl;
		c.total = pk;
		c.jitter_s = s->jitter;
		r->pcount_ivl = s->pcount;
		r->err_ivl = s->cnt_error;
		sum->lost += c.lost;
		sum->jitter += s->jitter;
		sum->nrx++;
	} else if (t->p.udp || t->p.rr) {
		c.kind = C_COUNT;
		c.count = pk;
	}
	sum->bytes += bytes;
	sum->packets += (uint64_t)(pk > 0 ? pk : 0);
	sum->sender = s->sender;
	sum->n++;
	s->ibytes = 0;
	s->ipackets = 0;
	if (arr) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToArray(arr, o);
		jnum(o, "socket", s->fd);
		jtimes(o, a, b, bytes);
		if (c.kind == C_RETR_CWND) {
			jcount(o, "retransmits", c.retr);
			jcount(o, "snd_cwnd", r->last.snd_cwnd);
			jcount(o, "snd_wnd", r->last.snd_wnd);
			jcount(o, "rtt", r->last.rtt);
			jcount(o, "rttvar", r->last.rttvar);
			jcount(o, "pmtu", r->last.pmtu);
		}
		if (c.kind == C_UDP_RX) {
			jnum(o, "jitter_ms", c.jitter_s * 1000);
			zp_json_int(o, "lost_packets", (int64_t)c.lost);
		}
		if (c.kind == C_UDP_RX || c.kind == C_COUNT)
			zp_json_int(o, "packets", (int64_t)pk);
		if (c.kind == C_UDP_RX)
			jnum(o, "lost_percent", pk > 0 ? 100.0 * c.lost / pk : 0);
		cJSON_AddBoolToObject(o, "omitted", omitted);
		cJSON_AddBoolToObject(o, "sender", s->sender);
	}
	if (!t->o->json)
		text_row(t, s->fd, role_tag(t, s->sender), a, b, bytes, &c,
			 omitted ? " (omitted)" : "");
}

/* A direction's interval sum: its [SUM] line (with -P > 1) and record. */
static void ivl_sum(struct zp_test *t, const struct isum *sum, double a,
		    double b, bool omitted, cJSON *ivl, const char *key)
{
	struct cols c = { .kind = C_NONE };

	if (sum->nrx) {
		c.kind = C_UDP_RX;
		c.lost = sum->lost;
		c.total = (int64_t)sum->packets;
		c.jitter_s = sum->jitter / sum->nrx;
	} else if (t->p.udp || t->p.rr) {
		c.kind = C_COUNT;
		c.count = (int64_t)sum->packets;
	} else if (sum->retr >= 0) {
		c.kind = C_RETR;
		c.retr = sum->retr;
	}
	if (ivl) {
		cJSON *o = jtimes(cJSON_AddObjectToObject(ivl, key), a, b,
				  sum->bytes);

		if (c.kind == C_RETR)
			zp_json_int(o, "retransmits", (int64_t)c.retr);
		if (c.kind == C_UDP_RX) {
			jnum(o, "jitter_ms", c.jitter_s * 1000);
			zp_json_int(o, "lost_packets", (int64_t)c.lost);
		}
		if (c.kind == C_UDP_RX || c.kind == C_COUNT)
			zp_json_int(o, "packets", (int64_t)sum->packets);
		if (c.kind == C_UDP_RX)
			jnum(o, "lost_percent", c.total > 0 ?
			     100.0 * c.lost / c.total : 0);
		cJSON_AddBoolToObject(o, "omitted", omitted);
		cJSON_AddBoolToObject(o, "sender", sum->sender);
	}
	if (!t->o->json && sum->n > 1)
		text_row(t, -1, role_tag(t, sum->sender), a, b, sum->bytes, &c,
			 omitted ? " (omitted)" : "");
}

/* The interval from t->last_report to @now, marked omitted during -O. */
static void report_interval(struct zp_test *t, double now, bool omitted)
{
	double a = t->last_report - t->t0, b = now - t->t0;
	struct isum fwd = { .retr = -1 }, rev = { .retr = -1 };
	cJSON *ivl = NULL, *arr = NULL;
	bool keep;

	if (b <= a)
		return;
	keep = t->o->json && (t->o->json_stream ||
			      rep.ivl_records + t->nst <= ZP_MAX_IVL_RECORDS);
	if (t->o->json && !keep)
		rep.ivl_dropped++;
	if (keep) {
		ivl = cJSON_CreateObject();
		arr = cJSON_AddArrayToObject(ivl, "streams");
		rep.ivl_records += t->nst;
	}
	for (int i = 0; i < t->nst; i++)
		tcp_sample(t, i);
	if (!t->o->json && t->nintervals++ == 0)
		text_ivl_header(t);
	else if (!t->o->json && t->nst > 1)
		fprintf(t->out, "- - - - - - - - - - - - - - - - - - - - - - - - -\n");
	/* the client's sending direction, then the other (--bidir) */
	for (int pass = 0; pass < 2; pass++) {
		struct isum *sum = pass ? &rev : &fwd;

		for (int i = 0; i < t->nst; i++)
			if (client_sends(t, t->st[i]) == !pass)
				ivl_stream(t, i, a, b, omitted, arr, sum);
		if (sum->n)
			ivl_sum(t, sum, a, b, omitted, ivl,
				pass && fwd.n ? "sum_bidir_reverse" : "sum");
	}
	if (ivl && t->o->json_stream) {
		json_event(t, "interval", ivl);
		cJSON_Delete(ivl);
	} else if (ivl) {
		cJSON_AddItemToArray(rep.intervals, ivl);
	}
	if (!t->o->json)
		fflush(t->out);
	t->last_report = now;
}

void zp_report_interval(struct zp_test *t, double now)
{
	report_interval(t, now, rep.omit_end > 0);
}

/*
 * -O ends: what ran so far is left out of every total, as iperf3 does
 * (its clock restarts at 0; the test runs -O + -t seconds in all). The
 * stream counters restart; sequence numbers cannot, so their values here
 * become the base the totals subtract.
 */
static void omit_end(struct zp_test *t, double now)
{
	if (t->o->interval > 0)
		report_interval(t, now, true);
	rep.omit_end = 0;
	if (t->p.time)
		t->p.time -= t->p.omit;
	t->t0 = now;
	t->last_report = now;
	zp_cpu_sample(t, false);
	for (int i = 0; i < t->nst; i++) {
		struct zp_stream *s = t->st[i];
		struct srep *r = &rep.s[i];

		s->bytes = s->queued = s->packets = 0;
		s->ibytes = s->ipackets = 0;
		s->t_first = s->t_last = 0;
		r->pcount0 = r->pcount_ivl = s->pcount;
		r->err0 = r->err_ivl = s->cnt_error;
		r->ooo0 = s->outoforder;
		r->tcp = false; /* the next sample starts the TCP totals */
		r->rtt_sum = 0;
		r->rtt_n = 0;
		tcp_sample(t, i);
	}
	zp_hist_reset(&t->rr_lat);
}

void zp_report_tick(struct zp_test *t, double now)
{
	if (now < t->next_report)
		return;
	if (rep.omit_end && now >= rep.omit_end) {
		omit_end(t, now); /* the interval grid restarts with the clock */
		t->next_report = t->o->interval > 0 ? now + t->o->interval :
			INFINITY;
	} else if (t->o->interval > 0) {
		/* on a grid from the start, as iperf3's timer: a late report
		 * does not push the next ones later */
		zp_report_interval(t, now);
		t->next_report += t->o->interval;
		if (t->next_report < now)
			t->next_report = now + t->o->interval;
	}
	if (rep.omit_end && rep.omit_end < t->next_report)
		t->next_report = rep.omit_end;
}

/* ---- the end ---- */

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
		struct srep *sr = &rep.s[i];
		struct zp_sres *o = &r->s[r->nstreams++];

		if (s->sender && r->sender_has_retransmits < 1)
			r->sender_has_retransmits = sr->tcp ? 1 : 0;
		if (!r->congestion[0] && !t->p.udp)
			zp_tcp_congestion(s->fd, r->congestion,
					  sizeof(r->congestion));
		o->id = s->id;
		o->bytes = s->bytes;
		o->retransmits = tcp_retrans(i);
		o->max_snd_cwnd = sr->tcp ? sr->max_cwnd : -1;
		o->max_snd_wnd = sr->tcp ? sr->max_wnd : -1;
		o->max_rtt = sr->tcp ? sr->max_rtt : -1;
		o->min_rtt = sr->tcp ? sr->min_rtt : -1;
		o->mean_rtt = sr->tcp && sr->rtt_n ?
			(int64_t)(sr->rtt_sum / sr->rtt_n) : -1;
		o->jitter = s->sender ? 0 : s->jitter;
		o->errors = s->sender ? 0 : s->cnt_error - sr->err0;
		o->packets = (int64_t)(s->pcount - sr->pcount0);
		o->outoforder = s->outoforder - sr->ooo0;
		o->start_time = 0;
		o->end_time = s->t_last > 0 ? s->t_last : t->cpu_wall;
		/* bytes that arrive after the clock stopped (TEST_END) are
		 * counted, not timed */
		if (t->cpu_wall > 0 && o->end_time > t->cpu_wall)
			o->end_time = t->cpu_wall;
		/* a sender's last bytes complete (are released) after it
		 * stopped at -t: its time is the test's, as in iperf3 */
		if (s->sender && !t->p.num && t->p.time > 0 &&
		    o->end_time > t->p.time)
			o->end_time = t->p.time;
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

/* One direction's totals. */
struct dsum {
	uint64_t sent, recv;
	double sent_s, recv_s;
	int64_t retr;		/* -1: not measured */
	int64_t lost, packets, ooo;
	double jitter;
	int n, nrx;
	bool local_sends;
};

static double remote_cpu_s(struct zp_test *t)
{
	if (!t->have_remote)
		return 0;
	if (t->remote.has_cpu_s)
		return t->remote.cpu_user_s + t->remote.cpu_sys_s;
	return t->remote.cpu_total / 100 * t->cpu_wall;
}

/* UDP fields from the receiver's view (absent when nobody received). */
static void j_udp(cJSON *o, const struct dsum *d)
{
	if (!d->nrx)
		return;
	jnum(o, "jitter_ms", d->jitter * 1000 / d->nrx);
	zp_json_int(o, "lost_packets", (int64_t)d->lost);
	zp_json_int(o, "packets", (int64_t)d->packets);
	jnum(o, "lost_percent", d->packets > 0 ? 100.0 * d->lost / d->packets : 0);
}

static void j_sum(struct zp_test *t, cJSON *end, const char *key, double secs,
		  uint64_t bytes, const struct dsum *d, bool sent_side)
{
	cJSON *o = jtimes(cJSON_AddObjectToObject(end, key), 0, secs, bytes);

	if (t->p.udp)
		j_udp(o, d);
	else if (sent_side)
		jcount(o, "retransmits", d->retr);
	cJSON_AddBoolToObject(o, "sender", d->local_sends);
}

/* The sender's TCP fields of a stream's end record. */
static void j_sender_tcp(cJSON *o, int64_t retr, const struct zp_sres *x)
{
	jcount(o, "retransmits", retr);
	if (!x)
		return;
	jcount(o, "max_snd_cwnd", x->max_snd_cwnd);
	jcount(o, "max_snd_wnd", x->max_snd_wnd);
	jcount(o, "max_rtt", x->max_rtt);
	jcount(o, "min_rtt", x->min_rtt);
	jcount(o, "mean_rtt", x->mean_rtt);
}

static cJSON *j_stream(cJSON *parent, const char *key, int fd, double secs,
		       uint64_t bytes)
{
	cJSON *o = cJSON_AddObjectToObject(parent, key);

	jnum(o, "socket", fd);
	return jtimes(o, 0, secs, bytes);
}

/* One stream's end record and lines; adds it to its direction's sum. */
static void end_stream(struct zp_test *t, int i, const struct zp_results *loc,
		       cJSON *arr, struct dsum *d, bool retr_col)
{
	struct zp_stream *s = t->st[i];
	const struct zp_sres *rs = remote_of(t, s->id), *ls = &loc->s[i];
	double dur = t->cpu_wall;
	uint64_t sent = s->sender ? s->bytes : rs ? rs->bytes : 0;
	uint64_t recv = s->sender ? (rs ? rs->bytes : 0) : s->bytes;
	double ssec = s->sender ? ls->end_time : rs ? rs->end_time : dur;
	double rsec = s->sender ? (rs ? rs->end_time : dur) : ls->end_time;
	const struct zp_sres *rx = s->sender ? rs : ls; /* receiver's view */
	const struct zp_sres *tx = s->sender ? ls : rs; /* sender's */
	int64_t retr = tx && !t->p.udp ? tx->retransmits : -1;
	const char *tag = role_tag(t, s->sender);
	struct cols c = { .kind = C_NONE };
	cJSON *e = cJSON_CreateObject(), *o;

	if (ssec <= 0)
		ssec = dur;
	if (rsec <= 0)
		rsec = dur;
	d->sent += sent;
	d->recv += recv;
	d->sent_s = fmax(d->sent_s, ssec);
	d->recv_s = fmax(d->recv_s, rsec);
	d->local_sends = s->sender;
	d->n++;
	if (retr >= 0)
		d->retr = (d->retr > 0 ? d->retr : 0) + retr;
	if (rx && t->p.udp && !t->o->no_control) {
		d->lost += rx->errors > 0 ? rx->errors : 0;
		d->packets += rx->packets > 0 ? rx->packets : 0;
		d->jitter += rx->jitter;
		d->ooo += rx->outoforder;
		d->nrx++;
	}
	cJSON_AddItemToArray(arr, e);
	if (t->p.udp) {
		o = j_stream(e, "udp", s->fd, ssec, sent);
		if (rx && !t->o->no_control) {
			jnum(o, "jitter_ms", rx->jitter * 1000);
			jcount(o, "lost_packets", rx->errors);
			jcount(o, "packets", rx->packets);
			jnum(o, "lost_percent", rx->packets > 0 ?
			     100.0 * rx->errors / rx->packets : 0);
			jcount(o, "out_of_order", rx->outoforder);
		}
		cJSON_AddBoolToObject(o, "sender", s->sender);
	} else {
		o = j_stream(e, "sender", s->fd, ssec, sent);
		j_sender_tcp(o, retr, tx);
		cJSON_AddBoolToObject(o, "sender", s->sender);
		o = j_stream(e, "receiver", s->fd, rsec, recv);
		cJSON_AddBoolToObject(o, "sender", s->sender);
	}
	if (t->o->json)
		return;
	if (t->p.udp) {
		c.kind = C_COUNT;
		c.count = tx ? tx->packets : 0;
	} else if (retr_col) {
		c.kind = retr >= 0 ? C_RETR : C_NONE;
		c.retr = retr;
	}
	text_row(t, s->fd, tag, 0, ssec, sent, &c, "sender");
	if (t->o->no_control)
		return;
	c.kind = C_NONE;
	if (t->p.udp && rx) {
		c.kind = C_UDP_RX;
		c.jitter_s = rx->jitter;
		c.lost = rx->errors;
		c.total = rx->packets;
	}
	text_row(t, s->fd, tag, 0, rsec, recv, &c, "receiver");
}

/* A direction's sums: JSON objects and [SUM] lines. */
static void end_sums(struct zp_test *t, cJSON *end, const struct dsum *d,
		     bool reverse, bool retr_col)
{
	const char *tag = role_tag(t, d->local_sends);
	struct cols c = { .kind = C_NONE };

	if (t->p.udp)
		j_sum(t, end, reverse ? "sum_bidir_reverse" : "sum", d->recv_s,
		      d->recv, d, false);
	j_sum(t, end, reverse ? "sum_sent_bidir_reverse" : "sum_sent",
	      d->sent_s, d->sent, d, true);
	j_sum(t, end, reverse ? "sum_received_bidir_reverse" : "sum_received",
	      d->recv_s, d->recv, d, false);
	if (t->o->json || d->n < 2)
		return;
	if (t->p.udp) {
		c.kind = C_COUNT;
		c.count = d->packets;
	} else if (retr_col && d->retr >= 0) {
		c.kind = C_RETR;
		c.retr = d->retr;
	}
	text_row(t, -1, tag, 0, d->sent_s, d->sent, &c, "sender");
	if (t->o->no_control)
		return;
	c.kind = C_NONE;
	if (t->p.udp && d->nrx) {
		c.kind = C_UDP_RX;
		c.jitter_s = d->jitter / d->nrx;
		c.lost = d->lost;
		c.total = d->packets;
	}
	text_row(t, -1, tag, 0, d->recv_s, d->recv, &c, "receiver");
}

static void j_rr(struct zp_test *t, cJSON *zc, double lcpu, double rcpu)
{
	const struct zp_hist *h = &t->rr_lat;
	uint64_t n = zp_hist_count(h);
	double dur = t->cpu_wall;
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	static const char *const qk[] = { "p50_us", "p90_us", "p99_us",
					  "p99_9_us" };
	cJSON *o = cJSON_AddObjectToObject(zc, "rr");

	zp_json_int(o, "transactions", (int64_t)n);
	jnum(o, "transactions_per_sec", dur > 0 ? n / dur : 0);
	if (!n)
		return;
	jnum(o, "min_us", zp_hist_min(h) * 1e6);
	jnum(o, "mean_us", zp_hist_mean(h) * 1e6);
	jnum(o, "stddev_us", zp_hist_stddev(h) * 1e6);
	for (int i = 0; i < 4; i++)
		jnum(o, qk[i], zp_hist_quantile(h, qs[i]) * 1e6);
	jnum(o, "max_us", zp_hist_max(h) * 1e6);
	jnum(o, "service_demand_local_us_per_tr", lcpu * 1e6 / n);
	if (t->have_remote && t->remote.has_cpu_s)
		jnum(o, "service_demand_remote_us_per_tr", rcpu * 1e6 / n);
	if (t->o->json)
		return;
	fprintf(t->out, "RR: %llu transactions, %.0f/s\n",
		(unsigned long long)n, dur > 0 ? n / dur : 0);
	fprintf(t->out, "RR latency (us): min %.1f  mean %.1f  stddev %.1f  "
		"p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
		zp_hist_min(h) * 1e6, zp_hist_mean(h) * 1e6,
		zp_hist_stddev(h) * 1e6, zp_hist_quantile(h, 0.5) * 1e6,
		zp_hist_quantile(h, 0.9) * 1e6, zp_hist_quantile(h, 0.99) * 1e6,
		zp_hist_quantile(h, 0.999) * 1e6, zp_hist_max(h) * 1e6);
	if (t->have_remote && t->remote.has_cpu_s)
		fprintf(t->out, "RR service demand: local %.2f us/tr, remote %.2f us/tr\n",
			lcpu * 1e6 / n, rcpu * 1e6 / n);
	else
		fprintf(t->out, "RR service demand: local %.2f us/tr\n",
			lcpu * 1e6 / n);
}

/* zcperf's own: end.zcperf. */
static void j_zcperf(struct zp_test *t, cJSON *end, const struct zp_results *loc,
		     uint64_t total_rx)
{
	double lcpu = (t->ru1.user - t->ru0.user) + (t->ru1.sys - t->ru0.sys);
	double rcpu = remote_cpu_s(t);
	uint64_t l[3] = { 0 }, r[3] = { 0 }, v[4] = { 0 };
	bool have_verify = false;
	cJSON *zc = cJSON_AddObjectToObject(end, "zcperf"), *o;
	char by[3][32];

	for (int i = 0; i < t->nst; i++) {
		const struct zp_sres *ls = &loc->s[i];
		const struct zp_sres *rs = remote_of(t, t->st[i]->id);
		const struct zp_sres *rx = t->st[i]->sender ? rs : ls;

		if (ls->has_zc) {
			l[0] += ls->bytes_zc;
			l[1] += ls->bytes_zc_copied;
			l[2] += ls->bytes_copied;
		}
		if (rs && rs->has_zc) {
			r[0] += rs->bytes_zc;
			r[1] += rs->bytes_zc_copied;
			r[2] += rs->bytes_copied;
		}
		if (rx && rx->has_verify) {
			have_verify = true;
			v[0] += rx->v_checked;
			v[1] += rx->v_corrupt;
			v[2] += rx->v_lost;
			v[3] += rx->v_reordered;
		}
	}
	cJSON_AddStringToObject(zc, "backend", loc->backend);
	cJSON_AddStringToObject(zc, "zc", t->zc == ZC_TX_OFF ? "off" :
				t->zc == ZC_TX_ON ? "on" : "auto");
	cJSON_AddBoolToObject(zc, "fixed", t->fixed > 0);
	jnum(zc, "inflight", t->inflight);
	jnum(zc, "read_depth", t->read_depth);
	cJSON_AddStringToObject(zc, "remote_backend", t->remote.backend);
	cJSON_AddBoolToObject(zc, "no_control", t->o->no_control);
	if (rep.ivl_dropped)
		zp_json_int(zc, "intervals_dropped", (int64_t)rep.ivl_dropped);
	o = cJSON_AddObjectToObject(zc, "local");
	jnum(o, "cpu_user_s", loc->cpu_user_s);
	jnum(o, "cpu_sys_s", loc->cpu_sys_s);
	if (total_rx)
		jnum(o, "service_demand_us_per_kib", lcpu * 1e6 / (total_rx / 1024.0));
	zp_json_int(o, "bytes_zc", (int64_t)l[0]);
	zp_json_int(o, "bytes_zc_copied", (int64_t)l[1]);
	zp_json_int(o, "bytes_copied", (int64_t)l[2]);
	o = cJSON_AddObjectToObject(zc, "remote");
	cJSON_AddBoolToObject(o, "zcperf", t->remote.has_cpu_s);
	if (t->have_remote) {
		jnum(o, "cpu_s", rcpu);
		if (total_rx)
			jnum(o, "service_demand_us_per_kib",
			     rcpu * 1e6 / (total_rx / 1024.0));
	}
	if (t->remote.has_cpu_s) {
		zp_json_int(o, "bytes_zc", (int64_t)r[0]);
		zp_json_int(o, "bytes_zc_copied", (int64_t)r[1]);
		zp_json_int(o, "bytes_copied", (int64_t)r[2]);
	}
	if (have_verify) {
		o = cJSON_AddObjectToObject(zc, "verify");
		zp_json_int(o, "checked", (int64_t)v[0]);
		zp_json_int(o, "corrupt", (int64_t)v[1]);
		zp_json_int(o, "lost", (int64_t)v[2]);
		zp_json_int(o, "reordered", (int64_t)v[3]);
	}
	if (!t->o->json) {
		bool snd = t->is_server ? t->p.reverse : !t->p.reverse;

		if (t->o->no_control) {
			fprintf(t->out, "CPU Utilization: local/sender %.1f%% (%.1f%%u/%.1f%%s), no remote\n",
				loc->cpu_total, loc->cpu_user, loc->cpu_sys);
			fprintf(t->out, "No control channel (--no-control): the receiver's side is not known\n");
			if (total_rx)
				fprintf(t->out, "Service demand: local %.3f us/KiB sent\n",
					lcpu * 1e6 / (total_rx / 1024.0));
		} else if (!t->p.rr && !t->have_remote) {
			/* the peer's results never came: nothing of it is known */
			fprintf(t->out, "CPU Utilization: local/%s %.1f%% (%.1f%%u/%.1f%%s), remote not known\n",
				snd ? "sender" : "receiver", loc->cpu_total,
				loc->cpu_user, loc->cpu_sys);
			if (total_rx)
				fprintf(t->out, "Service demand: local %.3f us/KiB, remote not known\n",
					lcpu * 1e6 / (total_rx / 1024.0));
		} else if (!t->p.rr) {
			fprintf(t->out, "CPU Utilization: local/%s %.1f%% (%.1f%%u/%.1f%%s), remote/%s %.1f%% (%.1f%%u/%.1f%%s)\n",
				snd ? "sender" : "receiver", loc->cpu_total,
				loc->cpu_user, loc->cpu_sys,
				snd ? "receiver" : "sender", t->remote.cpu_total,
				t->remote.cpu_user, t->remote.cpu_sys);
			if (total_rx)
				fprintf(t->out, "Service demand: local %.3f us/KiB, remote %.3f us/KiB\n",
					lcpu * 1e6 / (total_rx / 1024.0),
					rcpu * 1e6 / (total_rx / 1024.0));
		}
		zp_format_bytes(by[0], sizeof(by[0]), (double)l[0]);
		zp_format_bytes(by[1], sizeof(by[1]), (double)l[1]);
		zp_format_bytes(by[2], sizeof(by[2]), (double)l[2]);
		fprintf(t->out, "Zero-copy (local, %s): %s sent zero-copy, %s copied by the kernel, %s copied by zcperf's send path\n",
			loc->backend, by[0], by[1], by[2]);
		if (have_verify)
			fprintf(t->out, "Verify: %llu bytes checked, %llu corrupt, %llu lost, %llu reordered\n",
				(unsigned long long)v[0], (unsigned long long)v[1],
				(unsigned long long)v[2], (unsigned long long)v[3]);
	}
	if (t->p.rr && !t->is_server)
		j_rr(t, zc, lcpu, rcpu);
}

static void j_congestion(struct zp_test *t, cJSON *end,
			 const struct zp_results *loc)
{
	bool local_sends = t->is_server ? t->p.reverse : !t->p.reverse;
	const char *l = loc->congestion[0] ? loc->congestion : NULL;
	const char *r = t->remote.congestion[0] ? t->remote.congestion : NULL;

	if (t->p.udp)
		return;
	if (local_sends ? l : r)
		cJSON_AddStringToObject(end, "sender_tcp_congestion",
					local_sends ? l : r);
	if (local_sends ? r : l)
		cJSON_AddStringToObject(end, "receiver_tcp_congestion",
					local_sends ? r : l);
}

/* Takes the server's report that came with the results (a client that
 * asked --get-server-output); printed at the end. */
void zp_report_server_output(char *text, bool is_json)
{
	free(rep.own);
	rep.own = text;
	rep.own_json = is_json;
}

const char *zp_report_own(bool *is_json)
{
	*is_json = rep.own_json;
	return rep.own;
}

void zp_report_end(struct zp_test *t)
{
	struct zp_results *loc = malloc(sizeof(*loc));
	struct dsum d[2] = { { .retr = -1 }, { .retr = -1 } };
	bool retr_col, capture = t->is_server && t->p.get_server_output;
	uint64_t total_rx = 0;
	cJSON *doc, *end, *arr, *o;

	if (rep.ended || !loc) {
		free(loc);
		return;
	}
	rep.ended = true;
	zp_results_fill(t, loc);
	retr_col = !t->p.udp && (any_tcp_sender(t) ||
				 (t->have_remote && t->remote.sender_has_retransmits == 1));
	if (!t->o->json) {
		fprintf(t->out, "- - - - - - - - - - - - - - - - - - - - - - - - -\n");
		fprintf(t->out, "[ ID]%s Interval           Transfer     Bitrate%s\n",
			t->p.bidir ? "[Role]" : "",
			t->p.udp && !t->o->no_control ?
			"         Jitter    Lost/Total Datagrams" :
			t->p.udp ? "         Total Datagrams" :
			retr_col ? "         Retr" : "");
	}
	doc = cJSON_CreateObject();
	if (!rep.start && rep.began)
		rep.start = build_start(t);
	if (rep.start && !t->o->json_stream)
		cJSON_AddItemReferenceToObject(doc, "start", rep.start);
	if (rep.intervals)
		cJSON_AddItemReferenceToObject(doc, "intervals", rep.intervals);
	else if (!t->o->json_stream)
		cJSON_AddArrayToObject(doc, "intervals");
	end = cJSON_AddObjectToObject(doc, "end");
	arr = cJSON_AddArrayToObject(end, "streams");
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < t->nst; i++)
			if (client_sends(t, t->st[i]) == !pass)
				end_stream(t, i, loc, arr, &d[pass], retr_col);
		if (d[pass].n)
			end_sums(t, end, &d[pass], pass && d[0].n, retr_col);
		total_rx += t->o->no_control ? d[pass].sent : d[pass].recv;
	}
	o = cJSON_AddObjectToObject(end, "cpu_utilization_percent");
	jnum(o, "host_total", loc->cpu_total);
	jnum(o, "host_user", loc->cpu_user);
	jnum(o, "host_system", loc->cpu_sys);
	if (t->have_remote) {
		jnum(o, "remote_total", t->remote.cpu_total);
		jnum(o, "remote_user", t->remote.cpu_user);
		jnum(o, "remote_system", t->remote.cpu_sys);
	}
	j_congestion(t, end, loc);
	j_zcperf(t, end, loc, total_rx);
	if (t->o->title)
		cJSON_AddStringToObject(doc, "title", t->o->title);
	if (rep.own && !t->is_server) {
		if (rep.own_json)
			cJSON_AddItemToObject(doc, "server_output_json",
					      cJSON_Parse(rep.own));
		else
			cJSON_AddStringToObject(doc, "server_output_text", rep.own);
	}
	if (t->fail)
		cJSON_AddStringToObject(doc, "error", t->fail);
	if (t->o->json_stream) {
		if (t->fail) {
			cJSON *e = cJSON_CreateString(t->fail);

			json_event(t, "error", e);
			cJSON_Delete(e);
		}
		json_event(t, "end", end);
	} else if (t->o->json) {
		char *s = cJSON_Print(doc);

		if (s)
			fprintf(t->out, "%s\n", s);
		if (capture) {
			free(rep.own);
			rep.own = s;
			rep.own_json = true;
		} else {
			free(s);
		}
	} else {
		if (t->fail)
			fprintf(t->out, "zcperf: error - %s\n", t->fail);
		if (rep.own && !t->is_server)
			fprintf(t->out, "\nServer output:\n%s\n", rep.own);
		/* as iperf3: only a test that completed is "Done" */
		if (!t->is_server && !t->fail)
			fprintf(t->out, "\niperf Done.\n");
	}
	fflush(t->out);
	if (capture && !t->o->json) {
		free(rep.own);
		rep.own = zp_output_capture_take();
		rep.own_json = false;
	}
	cJSON_Delete(doc);
	free(loc);
}

void zp_report_error(struct zp_test *t, const char *msg)
{
	if (t->o->json_stream) {
		cJSON *s = cJSON_CreateString(msg);

		json_event(t, "error", s);
		cJSON_Delete(s);
	} else if (t->o->json) {
		cJSON *doc = cJSON_CreateObject();
		char *s;

		cJSON_AddObjectToObject(doc, "start");
		cJSON_AddArrayToObject(doc, "intervals");
		cJSON_AddObjectToObject(doc, "end");
		if (t->o->title)
			cJSON_AddStringToObject(doc, "title", t->o->title);
		cJSON_AddStringToObject(doc, "error", msg);
		s = cJSON_Print(doc);
		if (s)
			fprintf(t->out, "%s\n", s);
		free(s);
		cJSON_Delete(doc);
	} else {
		fprintf(stderr, "zcperf: error - %s\n", msg);
	}
	fflush(t->out);
}
