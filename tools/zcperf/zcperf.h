/* SPDX-License-Identifier: MIT */
/*
 * zcperf.h - what the parts of zcperf share: options, the running test,
 * its streams.
 */
#ifndef ZCPERF_H
#define ZCPERF_H

#include "hist.h"
#include "proto.h"
#include "verify.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <zcaio.h>

/* Command line. */
struct zp_opts {
	bool server, client;
	const char *host;
	int port;
	int family;		/* AF_UNSPEC, AF_INET, AF_INET6 */
	double interval;	/* -i, 0 = no interval reports */
	bool json, verbose, one_off;
	bool json_stream;	/* --json-stream: one JSON event a line */
	const char *logfile;	/* --logfile */
	bool forceflush;
	const char *timestamps;	/* --timestamps[=strftime format] */
	const char *title;	/* -T */
	const char *bind;
	struct zp_params p;	/* what the client asks for */
	bool len_set, rate_set;
	/* local data path */
	int zc;			/* enum zc_tx_zcopy, -1 = library default */
	int backend;		/* enum zc_backend, -1 = auto */
	int fixed;		/* -1 = no */
	int inflight;		/* 0 = automatic */
	int read_depth;
	bool gso;		/* UDP: batch datagrams with UDP_SEGMENT */
	bool no_control;	/* UDP client: no server, send to a sink */
	/* iperf3's process and socket options */
	int affinity;		/* -A: CPU to run on, -1 = any */
	bool daemon;		/* -D: server in the background */
	const char *pidfile;	/* -I */
	int cport;		/* --cport: first local port of the data
				 * connections, 0 = ephemeral */
	uint64_t blocks;	/* -k: writes to send (becomes p.num) */
	/* server hardening */
	int max_conns;		/* pending control+data connections */
	int ctl_timeout_ms;
	/* rr */
	uint32_t rr_size;
	/* sweep */
	const char *out_prefix;
	const char *sizes;
	const char *modes;
};

int zp_opts_parse(struct zp_opts *o, int argc, char **argv, char *err,
		  size_t errlen);
void zp_usage(FILE *f);

struct zp_test;

struct zp_slot {
	struct zp_stream *st;
	uint8_t *buf;
	bool busy;
	uint64_t job;		/* zc_write()'s id, while busy */
};

struct zp_rslot {
	struct zp_stream *st;
	uint8_t *buf;
};

struct zp_stream {
	struct zp_test *t;
	int id;
	int fd;
	uint64_t order;		/* server: when its connection was accepted */
	bool sender, udp;
	struct zc_sock *zs;
	bool closing, closed, eof;
	int error;
	/* sending */
	struct zp_slot *slots;
	int nslots, busy;
	uint64_t queued;	/* bytes handed to zc_write */
	uint64_t tx_off;	/* verify: next payload offset */
	uint64_t pcount;	/* UDP packets sent (or highest seen) */
	/* receiving */
	struct zp_rslot *rbufs;
	int nrbufs, rbusy;
	int64_t cnt_error, outoforder;
	double jitter, prev_transit;
	bool have_transit;
	struct zp_vstate v;
	/* both */
	uint64_t bytes, ibytes, ipackets, packets;
	double t_first, t_last; /* seconds since test start */
	struct zc_stats zst;	/* taken when the stream finishes */
	bool zst_valid;
	struct sockaddr_storage la, ra;
	/* rr */
	double rr_sent_at;
	uint32_t rr_got;
};

enum zp_phase {
	ZP_PH_SETUP, ZP_PH_STREAMS, ZP_PH_RUNNING, ZP_PH_ENDING,
	ZP_PH_RESULTS, ZP_PH_DONE,
};

struct zp_test {
	const struct zp_opts *o;
	struct zp_params p;	/* the agreed parameters */
	bool is_server;
	char cookie[ZP_COOKIE_SIZE];
	int ctl;
	struct zp_rx rx;
	enum zp_phase phase;
	struct zc_engine *eng;
	struct zc_pool *pool;
	bool pooled;		/* buffers came from the pool */
	uint8_t *shared_buf;	/* the one TX buffer when payload is fixed */
	size_t pool_used;
	int zc, backend, fixed, inflight, read_depth;
	bool fixed_implied;	/* the pool comes with --zc auto */
	struct zp_stream *st[2 * ZP_MAX_STREAMS];
	int nst;
	double t0;		/* monotonic seconds at TEST_START */
	double t_end;		/* when the sending stopped */
	double next_report, last_report;
	double next_fd_check;	/* when zp_test_turn() polls its extra fd */
	double drain_until;
	struct rusage_pair {
		double user, sys;
	} ru0, ru1;
	double cpu_wall;
	struct zp_results remote;
	bool have_remote;
	bool peer_confirmed;	/* a zcperf server confirmed --verify/--rr */
	const char *fail;	/* why the test ended early */
	char failbuf[400];
	struct zp_hist rr_lat;	/* --rr round trips, all streams */
	/* report output */
	int nintervals;
	FILE *out;
};

/* stream.c: the data path over libzcaio */
int zp_engine_setup(struct zp_test *t);
void zp_engine_teardown(struct zp_test *t);
int zp_stream_add(struct zp_test *t, int fd, bool sender);
int zp_streams_start(struct zp_test *t);
void zp_streams_pump(struct zp_test *t);
bool zp_streams_idle(struct zp_test *t);
void zp_streams_close(struct zp_test *t, bool senders_only);
void zp_streams_abort(struct zp_test *t, bool senders_only);
void zp_streams_cancel_queued(struct zp_test *t);
bool zp_streams_closed(struct zp_test *t);
bool zp_streams_all_eof(struct zp_test *t);
void zp_streams_free(struct zp_test *t);
bool zp_rate_limited(struct zp_test *t);
bool zp_test_done_sending(struct zp_test *t, double now);

/* report.c */
double zp_now(void);
void zp_cpu_sample(struct zp_test *t, bool end);
void zp_report_start(struct zp_test *t, const char *host, int port);
void zp_report_connected(struct zp_test *t, struct zp_stream *s);
/* The clock started (t->t0): the start record, -O, t->next_report. */
void zp_report_begin(struct zp_test *t);
/* Due interval reports and the end of -O; sets t->next_report. */
void zp_report_tick(struct zp_test *t, double now);
void zp_report_interval(struct zp_test *t, double now);
/* Prints the summary once (later calls do nothing). */
void zp_report_end(struct zp_test *t);
/* Client: the server's report from the results (ownership passes). */
void zp_report_server_output(char *text, bool is_json);
/* Server: its own report, once zp_report_end() ran, for a client that
 * asked --get-server-output (NULL otherwise). */
const char *zp_report_own(bool *is_json);
void zp_results_fill(struct zp_test *t, struct zp_results *r);
void zp_report_error(struct zp_test *t, const char *msg);
void zp_format_bytes(char *buf, size_t n, double bytes);
void zp_format_rate(char *buf, size_t n, double bps);

/* net.c: control channel helpers */
int zp_write_all(int fd, const void *buf, size_t len, int timeout_ms);
int zp_send_state(int fd, int8_t state);
int zp_send_json(int fd, const char *json, size_t len);
/* Reads from @fd into @rx until a message completes or would block.
 * Returns ZP_RX_DONE, ZP_RX_MORE, 0 on EOF is reported as -ECONNRESET. */
int zp_ctl_read(int fd, struct zp_rx *rx, const char **err);
int zp_tune_socket(int fd, const struct zp_params *p, bool udp);
/* Connects with a deadline from local port @lport (0 = ephemeral);
 * returns a blocking socket or -errno. */
int zp_connect(const char *host, int port, int family, int type, int lport,
	       int timeout_ms, char *err, size_t errlen);
/* main.c's start: -A, -D, -I. Returns 0 or -1 with @err set. */
int zp_process_setup(const struct zp_opts *o, char *err, size_t errlen);

/* main.c: SIGINT, SIGTERM and SIGHUP end the test, as in iperf3. The
 * handler only records the signal (zp_sig); the loops look at it. It is
 * armed once per use: a second signal before zp_signals_arm() runs again
 * has the default effect (a second Ctrl-C kills). */
extern volatile sig_atomic_t zp_sig;
void zp_signals_arm(void);

int zp_run_client(const struct zp_opts *o);
int zp_run_server(const struct zp_opts *o);
int zp_run_sweep(const struct zp_opts *o, int argc, char **argv);

#endif
