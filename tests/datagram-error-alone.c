// SPDX-License-Identifier: MIT
/*
 * datagram-error-alone MODE - on a datagram socket, an error of one datagram
 * (here ECONNREFUSED from an ICMP port unreachable) is that datagram's
 * error; it does not end the socket. zcaio.h: "each write job goes out as
 * exactly one send call ... one datagram".
 *
 * A connected UDP socket sends to a port where nothing listens: the first
 * datagram goes out, the ICMP error comes back, and a later datagram fails
 * with -ECONNREFUSED (the kernel reports the error once). Then a receiver
 * binds that port: the next datagrams must reach it. There is no stream
 * to protect from holes, so nothing justifies failing datagrams the kernel
 * was never asked to send.
 *
 * MODE: on, off.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DGRAM (32 * H_KIB)
#define SEED  823

static struct zc_result one(struct zc_engine *e, struct zc_sock *s,
			    const void *buf, const char *what)
{
	struct h_jobs jobs;
	struct zc_result r;

	h_jobs_init(&jobs, 1);
	H_OK(h_write(&jobs, 0, s, buf, DGRAM, NULL));
	H_CHECK(h_run_jobs(e, &jobs, 3000) >= 0, "%s: no callback in 3 s",
		what);
	h_jobs_expect_once(&jobs, what);
	r = jobs.job[0].r;
	h_info("%s: res %zd error %d (%s)", what, r.res, r.error,
	       zc_strerror(r.error));
	h_jobs_free(&jobs);
	return r;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	struct zc_result r;
	struct zc_engine *e;
	struct zc_sock *s;
	uint8_t *buf, *in;
	int cfd, rfd, got = 0, refused = 0;
	ssize_t n;

	h_watchdog(20);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* A port nobody listens on (for now). */
	rfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rfd < 0 || bind(rfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(rfd, (struct sockaddr *)&a, &alen) < 0)
		h_fail("udp bind: %s", strerror(errno));
	close(rfd);
	cfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0)
		h_fail("udp connect: %s", strerror(errno));

	e = h_engine(NULL);
	h_engine_mode(e, mode);
	buf = h_alloc(DGRAM);
	in = h_alloc(DGRAM);
	h_fill(buf, SEED, 0, DGRAM);
	H_OK(zc_sock_attach(e, cfd, &s));

	/* Datagrams into the void until the kernel reports the refusal. */
	for (int i = 0; i < 20 && !refused; i++) {
		r = one(e, s, buf, "to a closed port");
		if (r.error == -ECONNREFUSED)
			refused = 1;
		else if (r.error)
			h_fail("to a closed port: unexpected error %d (%s)",
			       r.error, zc_strerror(r.error));
		h_sleep_ms(20);
	}
	if (!refused)
		h_skip("no ECONNREFUSED seen for a closed UDP port");

	/* Now someone listens there. */
	rfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rfd < 0 || bind(rfd, (struct sockaddr *)&a, sizeof(a)) < 0)
		h_skip("cannot bind the port again: %s", strerror(errno));
	for (int i = 0; i < 3; i++) {
		r = one(e, s, buf, "to a listening port");
		if (r.error || r.res != DGRAM)
			h_fail_later("datagram %d after the refusal: res %zd "
				     "error %d (%s); want %lu, 0: one "
				     "datagram's error doomed the socket",
				     i, r.res, r.error, zc_strerror(r.error),
				     DGRAM);
	}
	while ((n = recv(rfd, in, DGRAM, MSG_DONTWAIT)) > 0) {
		if (n != DGRAM || h_verify(in, SEED, 0, DGRAM) != H_NO_BAD)
			h_fail("received a wrong datagram (%zd bytes)", n);
		got++;
	}
	h_info("receiver got %d datagrams", got);
	if (got != 3)
		h_fail_later("receiver got %d datagrams, want 3", got);
	(void)h_close(e, s, 3000);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(cfd);
	close(rfd);
	h_free(buf, DGRAM);
	h_free(in, DGRAM);
	h_done("datagram-error-alone");
}
