/* SPDX-License-Identifier: MIT */
/*
 * bench.h - what raw-uring and lib-send share, so that the only difference
 * between their numbers is the sending loop: options, the loopback
 * receiver (a separate process, so its CPU never counts as the sender's),
 * timing, and the one line of output.
 */
#ifndef ZCAIO_BENCH_H
#define ZCAIO_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum bench_mode {
	BENCH_SEND, /* plain blocking send(2) loop (raw only: the floor) */
	BENCH_COPY, /* IORING_OP_SEND / non-blocking send() / tx_zcopy off */
	BENCH_ZC,   /* IORING_OP_SEND_ZC / send(MSG_ZEROCOPY) / tx_zcopy on */
	BENCH_ZC_FIXED, /* SEND_ZC from registered buffers / on + pool */
	BENCH_AUTO,	/* tx_zcopy auto (lib-send only) */
};

struct bench_cfg {
	enum bench_mode mode;
	size_t msg;	     /* bytes per message (job) */
	unsigned int nbufs;  /* messages in flight, buffers rotating */
	double secs;	     /* how long to keep sending */
	int cpu_send;	     /* CPU to pin the sender to, -1 = none */
	int cpu_recv;	     /* CPU to pin the receiver to, -1 = none */
	const char *backend; /* -b: lib-send's engine backend, NULL = as
			      * ZCAIO_BACKEND says (else the best one) */
};

struct bench_conn {
	int fd;	    /* connected loopback TCP socket, ours to send on */
	pid_t rx;   /* the receiving process */
	int report; /* pipe on which it tells how many bytes it received */
};

/* Parse the command line; exits with usage on a bad one. */
void bench_parse(int argc, char **argv, struct bench_cfg *cfg, const char *prog,
		 unsigned int modes_allowed);
const char *bench_mode_name(enum bench_mode m);

/* nbufs page-aligned buffers of msg bytes each, contiguous, filled. */
void *bench_alloc(const struct bench_cfg *cfg);

/*
 * Fork a receiver that recv()s into a buffer until end of stream, connect
 * to it, pin the caller to cfg->cpu_send. Call before any io_uring is set
 * up, so the child never shares a ring.
 */
int bench_connect(const struct bench_cfg *cfg, struct bench_conn *c);
/* Shut the sending side down and wait for the receiver; 0 if it ended
 * cleanly having received exactly @bytes, -EIO otherwise. The caller
 * closes c->fd afterwards. */
int bench_finish(struct bench_conn *c, uint64_t bytes);

double bench_now(void);
/* Pin the calling process to @cpu (best effort); -1 = leave it. */
void bench_pin(int cpu);
/* enum zc_backend of a -b NAME as ZCAIO_BACKEND spells it, -1 if unknown. */
int bench_backend_of(const char *name);
/* CPU seconds (user + system) of the whole sending process, every thread. */
double bench_cpu(void);

/*
 * Busy seconds (user, system, irq, softirq) of one CPU, from /proc/stat;
 * -1 if unknown. With the sender pinned, this also catches the loopback
 * receive work the kernel defers to that CPU's ksoftirqd, which getrusage
 * charges to nobody of ours. Clock-tick resolution (10 ms).
 */
double bench_core_busy(int cpu);

/* A snapshot of the clocks; the difference of two is what is reported. */
struct bench_usage {
	double wall; /* CLOCK_MONOTONIC seconds */
	double cpu;  /* bench_cpu() */
	double usr;  /* its user-space part, where a library's overhead is */
	double core; /* bench_core_busy(cfg->cpu_send) */
};

void bench_usage(const struct bench_cfg *cfg, struct bench_usage *u);

/*
 * The one output line, key=value pairs: impl mode msg bufs bytes secs
 * gbps cpu cpu_per_gib (getrusage of the sending process) usr_per_gib
 * (its user-space part), core and
 * core_per_gib (the sender's pinned CPU, -1 when not pinned), then @extra.
 */
void bench_report(const char *impl, const struct bench_cfg *cfg, uint64_t bytes,
		  const struct bench_usage *t0, const struct bench_usage *t1,
		  const char *extra);

#endif
