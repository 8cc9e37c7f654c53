// SPDX-License-Identifier: MIT
/*
 * net.c - sockets and the control channel's blocking-with-deadline I/O.
 */
#include "zcperf.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int zp_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
	const char *p = buf;
	double until = zp_now() + timeout_ms / 1000.0;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			int left = (int)((until - zp_now()) * 1000);

			if (left <= 0)
				return -ETIMEDOUT;
			poll(&pf, 1, left);
		}
	}
	return 0;
}

int zp_send_state(int fd, int8_t state)
{
	return zp_write_all(fd, &state, 1, 5000);
}

int zp_send_json(int fd, const char *json, size_t len)
{
	uint8_t hdr[4] = { len >> 24, len >> 16, len >> 8, len };
	int ret = zp_write_all(fd, hdr, 4, 5000);

	return ret < 0 ? ret : zp_write_all(fd, json, len, 5000);
}

int zp_ctl_read(int fd, struct zp_rx *rx, const char **err)
{
	uint8_t buf[4096];

	for (;;) {
		size_t need = zp_rx_need(rx);
		ssize_t n;
		int ret;

		if (need > sizeof(buf))
			need = sizeof(buf);
		n = recv(fd, buf, need, MSG_DONTWAIT);
		if (n == 0) {
			*err = "control connection closed by peer";
			return -ECONNRESET;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return ZP_RX_MORE;
			*err = strerror(errno);
			return -errno;
		}
		ret = zp_rx_push(rx, buf, (size_t)n, err);
		if (ret != ZP_RX_MORE)
			return ret;
	}
}

int zp_tune_socket(int fd, const struct zp_params *p, bool udp)
{
	int one = 1;

	if (p->window) {
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &p->window,
			       sizeof(int)) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &p->window,
			       sizeof(int)) < 0)
			return -errno;
	}
	if (udp)
		return 0;
	if (p->congestion[0] &&
	    setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, p->congestion,
		       (socklen_t)strlen(p->congestion)) < 0)
		return -errno;
	if (p->nodelay &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		return -errno;
	if (p->mss &&
	    setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &p->mss, sizeof(int)) < 0)
		return -errno;
	return 0;
}

static int bind_local(int fd, const struct addrinfo *ai, int lport)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)ai->ai_family };
	int one = 1;

	/* iperf3's --cport: a port just used is in TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)lport);
	else
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)lport);
	return bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) < 0 ? -errno : 0;
}

int zp_connect(const char *host, int port, int family, int type, int lport,
	       int timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = type };
	struct addrinfo *res, *ai;
	char ps[16];
	int fd = -1, ret;

	snprintf(ps, sizeof(ps), "%d", port);
	ret = getaddrinfo(host, ps, &hints, &res);
	if (ret) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	ret = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd pf;
		socklen_t sl = sizeof(int);
		int e = 0;

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
			    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			ret = -errno;
			continue;
		}
		if (lport && (ret = bind_local(fd, ai, lport)) < 0) {
			close(fd);
			fd = -1;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
		    errno != EINPROGRESS) {
			ret = -errno;
			close(fd);
			fd = -1;
			continue;
		}
		pf.fd = fd;
		pf.events = POLLOUT;
		if (poll(&pf, 1, timeout_ms) <= 0) {
			e = ETIMEDOUT;
		} else {
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl);
		}
		if (e) {
			ret = -e;
			close(fd);
			fd = -1;
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		break;
	}
	freeaddrinfo(res);
	if (fd < 0 && lport)
		snprintf(err, errlen, "unable to connect to %s port %d from "
			 "port %d: %s", host, port, lport, strerror(-ret));
	else if (fd < 0)
		snprintf(err, errlen, "unable to connect to %s port %d: %s",
			 host, port, strerror(-ret));
	return fd < 0 ? ret : fd;
}
