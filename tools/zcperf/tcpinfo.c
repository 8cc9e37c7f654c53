// SPDX-License-Identifier: MIT
/*
 * tcpinfo.c - a TCP sender's kernel state, as iperf3 reports it:
 * retransmits, congestion window, peer window, RTT, path MTU.
 * <linux/tcp.h> rather than glibc's <netinet/tcp.h>: only the kernel's
 * struct has tcpi_snd_wnd; the two cannot be included together, so this
 * is the only file that reads TCP_INFO.
 */
#include "tcpinfo.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

bool zp_tcpi_read(int fd, struct zp_tcpi *ti)
{
	struct tcp_info k;
	socklen_t len = sizeof(k);

	memset(&k, 0, sizeof(k));
	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &k, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_total_retrans) +
	    sizeof(k.tcpi_total_retrans))
		return false;
	ti->total_retrans = k.tcpi_total_retrans;
	ti->snd_cwnd = (int64_t)k.tcpi_snd_cwnd * k.tcpi_snd_mss;
	ti->rtt = k.tcpi_rtt;
	ti->rttvar = k.tcpi_rttvar;
	ti->pmtu = k.tcpi_pmtu;
	ti->snd_wnd = len >= offsetof(struct tcp_info, tcpi_snd_wnd) +
		      sizeof(k.tcpi_snd_wnd) ? (int64_t)k.tcpi_snd_wnd : -1;
	return true;
}

bool zp_tcp_congestion(int fd, char *buf, size_t n)
{
	char name[16] = ""; /* TCP_CA_NAME_MAX in the kernel */
	socklen_t len = sizeof(name);

	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len) < 0 ||
	    !name[0])
		return false;
	snprintf(buf, n, "%.*s", (int)len, name);
	return true;
}
