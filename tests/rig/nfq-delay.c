// SPDX-License-Identifier: MIT
/*
 * rig-nfq-delay - delay, jitter and reordering without netem: holds every
 * packet of an NFQUEUE queue for a random time and then lets it go.
 *
 *   rig-nfq-delay [-q QUEUE] [-d MEAN_MS] [-j JITTER_MS] [-t MAX_SEC]
 *                 [-r READYFILE]
 *
 * Each packet is held MEAN +- JITTER ms (uniform; default 5 +- 5), so a
 * packet may overtake one that came before it: that is the reordering.
 * A packet let go while an earlier one is still held counts as reordered.
 * Runs until SIGTERM/SIGINT or MAX_SEC (default 120), lets every held
 * packet go, and prints one line:
 *
 *   nfq: packets N reordered R held-at-most H delay-avg A ms overflow O
 *
 * READYFILE is created once the queue is bound, so a rig can start its
 * traffic only then. Exit 0, or 1 when the queue cannot be set up.
 */
#include <errno.h>
#include <getopt.h>
/* netinet/in.h before any linux/ header, or their in.h definitions clash */
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>

#define MAX_HELD 8192

struct held {
	uint32_t id;
	double due;
};

static int cfg_queue;
static double cfg_mean = 5, cfg_jitter = 5;
static int cfg_max_s = 120;
static const char *cfg_ready;

static struct held held[MAX_HELD];
static int nheld;
static struct nfq_q_handle *qh;
static uint64_t npackets, nreordered, noverflow, max_held;
static double delay_sum;
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static volatile sig_atomic_t stop;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* xorshift64*: a fixed seed keeps runs comparable. */
static double uniform(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ull) >> 11) / (1ull << 53);
}

static void accept_packet(uint32_t id)
{
	if (nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL) < 0)
		fprintf(stderr, "nfq: verdict for %u: %s\n", id,
			strerror(errno));
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *msg,
		     struct nfq_data *nfa, void *data)
{
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	double d = cfg_mean - cfg_jitter + 2 * cfg_jitter * uniform();
	uint32_t id;

	(void)q;
	(void)msg;
	(void)data;
	if (!ph)
		return 0;
	id = ntohl(ph->packet_id);
	npackets++;
	if (d < 0)
		d = 0;
	if (nheld == MAX_HELD) {
		noverflow++;
		accept_packet(id);
		return 0;
	}
	/* held[] stays in arrival order; release order is by due time. */
	held[nheld++] = (struct held){ .id = id, .due = now_ms() + d };
	delay_sum += d;
	if ((uint64_t)nheld > max_held)
		max_held = (uint64_t)nheld;
	return 0;
}

/* Lets go every packet that is due (all of them with @all); returns the
 * milliseconds until the next one is due, -1 when none is held. */
static int release(bool all)
{
	double now = now_ms(), next = -1;
	bool older_held = false;
	int k = 0;

	for (int i = 0; i < nheld; i++) {
		if (all || held[i].due <= now) {
			nreordered += older_held;
			accept_packet(held[i].id);
			continue;
		}
		older_held = true;
		if (next < 0 || held[i].due < next)
			next = held[i].due;
		held[k++] = held[i];
	}
	nheld = k;
	if (next < 0)
		return -1;
	return (int)(next - now) + 1;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: rig-nfq-delay [-q QUEUE] [-d MEAN_MS] "
			"[-j JITTER_MS] [-t MAX_SEC] [-r READYFILE]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static char buf[256 * 1024] __attribute__((aligned));
	struct nfq_handle *h;
	double end;
	int c, fd;

	while ((c = getopt(argc, argv, "q:d:j:t:r:")) != -1) {
		switch (c) {
		case 'q': cfg_queue = atoi(optarg); break;
		case 'd': cfg_mean = atof(optarg); break;
		case 'j': cfg_jitter = atof(optarg); break;
		case 't': cfg_max_s = atoi(optarg); break;
		case 'r': cfg_ready = optarg; break;
		default: usage();
		}
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	h = nfq_open();
	if (!h) {
		fprintf(stderr, "nfq: nfq_open: %s\n", strerror(errno));
		return 1;
	}
	qh = nfq_create_queue(h, (uint16_t)cfg_queue, on_packet, NULL);
	if (!qh) {
		fprintf(stderr, "nfq: queue %d: %s\n", cfg_queue,
			strerror(errno));
		return 1;
	}
	/* Metadata is all we need: the verdict does not change the packet. */
	if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
		fprintf(stderr, "nfq: copy mode: %s\n", strerror(errno));
		return 1;
	}
	nfq_set_queue_maxlen(qh, MAX_HELD);
	/* Whole GSO packets, not one queue entry per segment: fewer
	 * messages for this little program to keep up with. */
	nfq_set_queue_flags(qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO);
	nfnl_rcvbufsiz(nfq_nfnlh(h), 8 << 20);
	fd = nfq_fd(h);
	if (cfg_ready) {
		FILE *f = fopen(cfg_ready, "w");

		if (!f || fclose(f)) {
			fprintf(stderr, "nfq: %s: %s\n", cfg_ready,
				strerror(errno));
			return 1;
		}
	}

	end = now_ms() + cfg_max_s * 1e3;
	while (!stop && now_ms() < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int wait = release(false);

		if (wait < 0 || wait > 100)
			wait = 100;
		if (poll(&pfd, 1, wait) < 0 && errno != EINTR)
			break;
		for (;;) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			/* ENOBUFS: the kernel dropped queue messages; TCP
			 * retransmits those packets. */
			if (n < 0 && errno == ENOBUFS) {
				noverflow++;
				continue;
			}
			if (n <= 0)
				break;
			nfq_handle_packet(h, buf, (int)n);
		}
	}
	release(true);
	printf("nfq: packets %llu reordered %llu held-at-most %llu "
	       "delay-avg %.1f ms overflow %llu\n",
	       (unsigned long long)npackets, (unsigned long long)nreordered,
	       (unsigned long long)max_held,
	       npackets ? delay_sum / (double)npackets : 0.0,
	       (unsigned long long)noverflow);
	fflush(stdout);
	nfq_destroy_queue(qh);
	nfq_close(h);
	return 0;
}
