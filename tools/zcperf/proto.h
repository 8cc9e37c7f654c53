/* SPDX-License-Identifier: MIT */
/*
 * proto.h - iperf3's control protocol, as zcperf speaks it.
 *
 * The client opens a TCP control connection and sends a 37-byte cookie
 * (36 characters of [a-z2-7] and a NUL). From then on the server drives
 * the test with one-byte states; JSON documents (the client's parameters,
 * then each side's results) travel as a 4-byte big-endian length and the
 * text. Data connections start with the same cookie; a UDP stream starts
 * with a 4-byte hello the server answers. The sequence (TCP):
 *
 *   C: cookie            S: PARAM_EXCHANGE
 *   C: {params}          S: CREATE_STREAMS
 *   C: data connections (each: cookie)
 *                        S: TEST_START, TEST_RUNNING
 *   ... data flows ...
 *   C: TEST_END          S: EXCHANGE_RESULTS
 *   C: {results}         S: {results}, DISPLAY_RESULTS
 *   C: IPERF_DONE
 */
#ifndef ZCPERF_PROTO_H
#define ZCPERF_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZP_COOKIE_SIZE 37
#define ZP_MAX_STREAMS 128
#define ZP_MAX_TIME (24 * 3600)
#define ZP_MAX_TCP_LEN (16u << 20)
#define ZP_MAX_UDP_LEN 65507u
#define ZP_MIN_UDP_LEN 16u	/* our header: iperf3's 12 or 16 bytes */
#define ZP_MAX_OMIT 600	/* seconds, iperf3's limit */
/*
 * What we accept of a peer's JSON. Parameters come from strangers: 32 KiB
 * and 2048 values. Results (after a test ran) hold a line per stream,
 * 256 with --bidir -P 128, and with --get-server-output the server's
 * whole report: 1 MiB and 65536 values (cJSON then holds at most ~5 MiB).
 * Nesting is bounded for both.
 */
#define ZP_MAX_MSG (32 * 1024)
#define ZP_MAX_PARAM_VALUES 2048
#define ZP_MAX_RESULTS_MSG (1024 * 1024)
#define ZP_MAX_RESULT_VALUES 65536
#define ZP_JSON_MAX_DEPTH 32
#define ZP_UDP_HELLO 0x36373839u /* written in host order, as iperf3 does */
#define ZP_UDP_REPLY 0x39383736u
#define ZP_UDP_REPLY_LEGACY 987654321u

enum zp_state {
	ZP_TEST_START = 1,
	ZP_TEST_RUNNING = 2,
	ZP_TEST_END = 4,
	ZP_PARAM_EXCHANGE = 9,
	ZP_CREATE_STREAMS = 10,
	ZP_SERVER_TERMINATE = 11,
	ZP_CLIENT_TERMINATE = 12,
	ZP_EXCHANGE_RESULTS = 13,
	ZP_DISPLAY_RESULTS = 14,
	ZP_IPERF_START = 15,
	ZP_IPERF_DONE = 16,
	/* zcperf's own: a zcperf server confirms that it will check
	 * --verify or answer --rr (iperf3 servers go on without a word) */
	ZP_ZCPERF_CONFIRM = 50,
	ZP_ACCESS_DENIED = -1,
	ZP_SERVER_ERROR = -2,
};

/* iperf3's error numbers we send with SERVER_ERROR (iperf_api.h). */
enum zp_ierr {
	ZP_IE_DURATION = 5,
	ZP_IE_NUMSTREAMS = 6,
	ZP_IE_BLOCKSIZE = 7,
	ZP_IE_OMIT = 12,
	ZP_IE_UNIMP = 13,
	ZP_IE_UDPBLOCKSIZE = 20,
	ZP_IE_RECVPARAMS = 110, /* "unable to receive parameters from client" */
};

/* A control-channel reader: one state byte, or one length-prefixed JSON
 * message. Pure: fed bytes, it never reads a socket. */
/* ZP_RX_JSON: parameters (ZP_MAX_MSG); ZP_RX_RESULTS: results
 * (ZP_MAX_RESULTS_MSG). */
enum zp_rx_mode { ZP_RX_STATE, ZP_RX_JSON, ZP_RX_COOKIE, ZP_RX_RESULTS };
enum zp_rx_status { ZP_RX_MORE = 0, ZP_RX_DONE = 1 };

struct zp_rx {
	enum zp_rx_mode mode;
	uint8_t hdr[ZP_COOKIE_SIZE];
	size_t have;	/* bytes of the header (or cookie) so far */
	uint32_t len;	/* JSON body length, once the header is complete */
	char *body;	/* JSON body, len + 1 bytes, allocated after checks */
	size_t got;	/* body bytes so far */
	int8_t state;	/* the state byte, once done in STATE mode */
};

void zp_rx_start(struct zp_rx *rx, enum zp_rx_mode mode);
void zp_rx_reset(struct zp_rx *rx); /* frees the body */
/* Bytes the reader wants next (never more than what completes the
 * current message). */
size_t zp_rx_need(const struct zp_rx *rx);
/* Feeds @n <= zp_rx_need() bytes. Returns ZP_RX_MORE, ZP_RX_DONE, or a
 * negative errno: -EMSGSIZE (length 0, negative or over the mode's cap),
 * -ENOMEM. @err gets a static description on failure. */
int zp_rx_push(struct zp_rx *rx, const void *buf, size_t n, const char **err);

/* Test parameters (the client's JSON). */
struct zp_params {
	bool udp;
	int time;		/* seconds; 0 with num > 0 */
	uint64_t num;		/* bytes; 0 = by time */
	int parallel;
	bool reverse, bidir;
	uint32_t len;
	uint64_t bandwidth;	/* bit/s; 0 = unlimited */
	int window;		/* SO_SNDBUF/SO_RCVBUF, 0 = default */
	int mss;
	bool nodelay;
	bool udp64;		/* 64-bit UDP packet counters */
	int omit;		/* seconds left out of the totals (-O) */
	bool get_server_output;
	char title[256];	/* -T */
	char congestion[16];	/* -C: TCP_CONGESTION, "" = the system's */
	/* zcperf's own, ignored by iperf3 peers */
	bool zcperf;		/* the peer is zcperf */
	bool verify;
	uint64_t seed;
	int zc;			/* enum zc_tx_zcopy or -1 = server's choice */
	int backend;		/* enum zc_backend or -1 */
	int fixed;		/* 0/1 or -1 */
	int inflight;		/* 0 = server's choice */
	bool rr;		/* request/response */
	char client_version[16];
};

void zp_params_default(struct zp_params *p);
/* Encodes compact JSON; the caller frees *out. */
int zp_params_encode(const struct zp_params *p, char **out, size_t *len);
/* Decodes and validates; on failure @ierr gets an iperf3 error number
 * and @err a message. Unsupported iperf3 fields are refused. */
int zp_params_decode(struct zp_params *p, const char *json, size_t len,
		     int *ierr, const char **err);

/* One stream's line in the results exchange. */
struct zp_sres {
	int id;
	uint64_t bytes;
	int64_t retransmits;
	double jitter;		/* seconds */
	int64_t errors;		/* UDP: lost packets */
	int64_t packets;
	int64_t outoforder;
	double start_time, end_time;
	/* zcperf's own */
	uint64_t bytes_zc, bytes_zc_copied, bytes_copied;
	uint64_t v_checked, v_corrupt, v_lost, v_reordered;
	bool has_zc, has_verify;
	/* the sender's TCP_INFO summary (zcperf peers): bytes and us, -1
	 * when not measured */
	int64_t max_snd_cwnd, max_snd_wnd, max_rtt, min_rtt, mean_rtt;
};

struct zp_results {
	double cpu_total, cpu_user, cpu_sys; /* percent of wall time */
	double cpu_user_s, cpu_sys_s;	     /* zcperf: seconds */
	bool has_cpu_s;
	int sender_has_retransmits;
	char congestion[32];
	char backend[16];
	int nstreams;
	struct zp_sres s[2 * ZP_MAX_STREAMS];
};

/* Encodes compact JSON; @server_output (may be NULL) goes with it as
 * "server_output_json" (it is a JSON document) or "server_output_text". */
int zp_results_encode(const struct zp_results *r, const char *server_output,
		      bool output_is_json, char **out, size_t *len);
int zp_results_decode(struct zp_results *r, const char *json, size_t len,
		      const char **err);
/* The server's report inside results (--get-server-output): *out is
 * malloc'd text (JSON printed, when *is_json); -ENOENT when absent. */
int zp_results_server_output(const char *json, size_t len, char **out,
			     bool *is_json);

/* Adds integer @v to cJSON object @o exactly (cJSON's own number
 * printing rounds past 15 digits). */
struct cJSON;
bool zp_json_int(struct cJSON *o, const char *key, int64_t v);

/* 36 random characters of iperf3's alphabet and a NUL. */
void zp_make_cookie(char cookie[ZP_COOKIE_SIZE]);
/* True when @c has the shape of a cookie (so we never echo junk). */
bool zp_cookie_valid(const uint8_t c[ZP_COOKIE_SIZE]);

#endif
