// SPDX-License-Identifier: MIT
/*
 * datagram-refused-after-build MODE - a UDP send that fails after the
 * kernel built the datagram never lets a later job complete while its
 * datagram is still queued.
 *
 * On msg_zerocopy, every sendmsg(MSG_ZEROCOPY) that builds a datagram
 * takes the socket's next notification id, even when the datagram is then
 * dropped (a netfilter DROP in OUTPUT: EPERM; a full qdisc with
 * IP_RECVERR: ENOBUFS); TCP gives the id back, UDP does not. Before, the
 * library counted ids only for sends that returned > 0, so the dropped
 * datagram's release was credited to the next send: that job completed
 * while its datagram waited in the qdisc, the application reused the
 * buffer, and the receiver got the overwritten bytes.
 *
 * In a private network namespace (root, or unshare -Urn; else skip), lo
 * has a slow tbf queue (datagrams wait there for tens of ms), and:
 *   netfilter: every third datagram has a length an OUTPUT rule drops;
 *   qdisc:     the queue holds about three datagrams and IP_RECVERR is on,
 *              so each burst of six overflows it (it drains between).
 * Each job's callback overwrites its buffer at once. Must hold: every
 * job completes once; a dropped one with its error (-EPERM / -ENOBUFS),
 * nothing else failing in netfilter mode; the receiver gets exactly the
 * datagrams of the jobs that succeeded, in order, each intact.
 *
 * MODE: netfilter, qdisc. Runs on every backend (io_uring has a release
 * per request and must hold the same).
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NJOBS 24
#define DGRAM (16 * H_KIB)
#define BURST 6
#define PORT  7123

static struct {
	struct h_jobs jobs;
	uint8_t *buf[NJOBS];
	size_t len[NJOBS];
	/* receiver */
	int rfd;
	uint8_t *got[NJOBS];
	ssize_t got_len[NJOBS];
	atomic_int ngot;
	atomic_bool stop;
} g;

/* Receives until told to stop (then one more quiet second: a datagram
 * beyond those sent would be caught). */
static void *rx_main(void *arg)
{
	int i = 0;

	(void)arg;
	while (i < NJOBS) {
		ssize_t n = recv(g.rfd, g.got[i], DGRAM + 64, 0);

		if (n < 0 && atomic_load(&g.stop))
			break;
		if (n < 0)
			continue; /* the 1 s receive timeout */
		g.got_len[i] = n;
		atomic_store(&g.ngot, ++i);
	}
	return NULL;
}

static void on_done(struct h_job *j, struct zc_sock *s)
{
	memset((void *)j->buf, H_GARBAGE, j->len); /* ours again: reuse */
}

static bool got_all(void *arg)
{
	return atomic_load(&g.ngot) >= *(int *)arg;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "netfilter";
	bool nf = !strcmp(mode, "netfilter");
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(PORT) };
	struct timeval tv = { .tv_sec = 1 };
	int sfd, one = 1, rcvbuf = 4 << 20, ok = 0, dropped = 0, k = 0;
	struct zc_engine *e;
	struct zc_sock *s;
	pthread_t th;

	if (!nf && strcmp(mode, "qdisc"))
		h_fail("MODE: netfilter or qdisc");
	h_watchdog(60);
	h_private_netns(argv);
	/* Slow enough that a datagram waits tens of ms in the queue. */
	h_cmd("tc qdisc add dev lo root tbf rate 4mbit burst 20k limit %d",
	      nf ? 1 << 20 : 3 * ((int)DGRAM + 200));
	if (nf)
		h_cmd("iptables -A OUTPUT -p udp -m length --length %d -j DROP",
		      (int)DGRAM + 1 + 28); /* payload, UDP and IP headers */

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g.rfd = socket(AF_INET, SOCK_DGRAM, 0);
	sfd = socket(AF_INET, SOCK_DGRAM, 0);
	H_CHECK(g.rfd >= 0 && sfd >= 0 &&
			setsockopt(g.rfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				   sizeof(rcvbuf)) == 0 &&
			setsockopt(g.rfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				   sizeof(tv)) == 0 &&
			bind(g.rfd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
			connect(sfd, (struct sockaddr *)&a, sizeof(a)) == 0,
		"udp sockets: %s", strerror(errno));
	/* Without IP_RECVERR, UDP reports a qdisc drop as success. */
	if (!nf)
		H_CHECK(setsockopt(sfd, IPPROTO_IP, IP_RECVERR, &one,
				   sizeof(one)) == 0,
			"IP_RECVERR: %s", strerror(errno));

	e = h_engine(NULL);
	h_engine_mode(e, "on");
	h_info("backend %s, mode %s", zc_engine_backend(e), mode);
	H_OK(zc_sock_attach(e, sfd, &s));
	h_jobs_init(&g.jobs, NJOBS);
	for (int i = 0; i < NJOBS; i++) {
		g.len[i] = nf && i % 3 == 1 ? DGRAM + 1 : DGRAM;
		g.buf[i] = h_alloc(DGRAM + 64);
		g.got[i] = h_alloc(DGRAM + 64);
		h_fill(g.buf[i], 1000 + (uint64_t)i, 0, g.len[i]);
		g.jobs.job[i].on_done = on_done;
	}
	H_CHECK(pthread_create(&th, NULL, rx_main, NULL) == 0, "thread");
	/* Bursts: the queue fills and overflows, then drains before the
	 * next, so accepted sends follow refused ones. */
	for (int i = 0; i < NJOBS; i++) {
		H_OK(h_write(&g.jobs, i, s, g.buf[i], g.len[i], NULL));
		if (i % BURST == BURST - 1)
			h_run_for(e, 150);
	}
	H_CHECK(h_run_jobs(e, &g.jobs, 30000) >= 0,
		"only %d of %d jobs completed", g.jobs.done, NJOBS);
	h_jobs_expect_once(&g.jobs, "datagram-refused-after-build");

	for (int i = 0; i < NJOBS; i++) {
		const struct zc_result *r = &g.jobs.job[i].r;
		int want = nf ? -EPERM : -ENOBUFS;

		if (!r->error && r->res == (ssize_t)g.len[i]) {
			ok++;
			continue;
		}
		H_CHECK(r->error == want && r->res == want &&
				(!nf || g.len[i] != DGRAM),
			"job %d (%zu bytes): res %zd error %d (%s)", i,
			g.len[i], r->res, r->error, zc_strerror(r->error));
		dropped++;
	}
	h_info("%d datagrams accepted, %d refused after they were built", ok,
	       dropped);
	H_CHECK(dropped > 0, "no datagram was dropped: the rig did not work");
	H_CHECK(h_run_until(e, got_all, &ok, 20000) >= 0,
		"the receiver got %d of %d datagrams", atomic_load(&g.ngot),
		ok);
	atomic_store(&g.stop, true);
	pthread_join(th, NULL);
	/* The k-th datagram received is the k-th job that succeeded. */
	for (int i = 0; i < NJOBS; i++) {
		uint64_t bad;

		if (g.jobs.job[i].r.error)
			continue;
		H_CHECK(k < atomic_load(&g.ngot), "job %d never arrived", i);
		H_CHECK(g.got_len[k] == (ssize_t)g.len[i],
			"datagram %d: %zd bytes, job %d sent %zu", k,
			g.got_len[k], i, g.len[i]);
		bad = h_verify(g.got[k], 1000 + (uint64_t)i, 0, g.len[i]);
		if (bad != H_NO_BAD) {
			h_explain(g.got[k], 1000 + (uint64_t)i, 0, bad,
				  g.len[i]);
			h_fail("job %d's datagram is wrong at byte %llu: it "
			       "completed while its datagram was still "
			       "queued",
			       i, (unsigned long long)bad);
		}
		k++;
	}
	H_CHECK(k == atomic_load(&g.ngot), "%d datagrams more than sent",
		atomic_load(&g.ngot) - k);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(sfd);
	close(g.rfd);
	h_jobs_free(&g.jobs);
	h_info("PASS datagram-refused-after-build %s", mode);
	return 0;
}
