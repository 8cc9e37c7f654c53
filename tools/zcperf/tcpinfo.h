/* SPDX-License-Identifier: MIT */
/*
 * tcpinfo.h - what zcperf reads of a TCP sender's kernel state
 * (TCP_INFO, TCP_CONGESTION), in iperf3's units: bytes and microseconds.
 */
#ifndef ZCPERF_TCPINFO_H
#define ZCPERF_TCPINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zp_tcpi {
	uint32_t total_retrans;	/* segments retransmitted since connect */
	int64_t snd_cwnd;	/* bytes: tcpi_snd_cwnd * tcpi_snd_mss */
	int64_t snd_wnd;	/* bytes the peer advertises; -1 if the
				 * kernel does not say (before Linux 5.4) */
	int64_t rtt, rttvar;	/* us */
	int64_t pmtu;		/* bytes */
};

/* Reads @fd's TCP_INFO; false when it is not a TCP socket (or gone). */
bool zp_tcpi_read(int fd, struct zp_tcpi *ti);
/* @fd's congestion control algorithm into @buf; false if unknown. */
bool zp_tcp_congestion(int fd, char *buf, size_t n);

#endif
