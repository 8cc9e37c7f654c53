// SPDX-License-Identifier: MIT
/*
 * zcaio-demo - send a few hundred MiB over loopback through each way the
 * library can write (copy, zero-copy from plain memory, zero-copy from a
 * registered pool, auto) and check every byte on the receiving side.
 *
 * What it shows: a write job completes only after the kernel released
 * every page of it, so the moment a callback runs the buffer is ours
 * again. The sender keeps 8 jobs of 1 MiB in flight and refills each
 * buffer with the next part of the stream *inside its completion
 * callback*. Had the library completed a job while the kernel still held
 * its pages, the receiver would see the new bytes in place of the old
 * ones, and say where ("CORRUPT at offset N").
 *
 * What it does not show: speed. On loopback the kernel copies zero-copy
 * data at delivery to the local socket anyway (the "copied" column says
 * so), so zero-copy only costs here. This is where it is proven correct,
 * not where it is fast; see docs/PERFORMANCE.md.
 *
 * Usage: zcaio-demo [-s SIZE_MiB] [-t SECONDS_PER_MODE]
 * Exit: 0 all intact, 1 corruption or error, 77 no backend could start.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <zcaio.h>

#define JOB_SIZE (1UL << 20)
#define JOBS_IN_FLIGHT 8
#define MIB (1UL << 20)

struct mode {
	const char *name;
	int tx_zcopy;
	bool pool;
};

static const struct mode modes[] = {
	{ "copy", ZC_TX_OFF, false },
	{ "zc", ZC_TX_ON, false },
	{ "zc-pool", ZC_TX_ON, true },
	{ "auto", ZC_TX_AUTO, false },
};

static uint64_t cfg_size = 512 * MIB;
static double cfg_secs = 30.0;

/*
 * The stream's byte at offset o is byte (o % 8) of word(o / 8), so the
 * receiver can tell lost, doubled, reordered and overwritten bytes apart
 * from the offset alone.
 */
static inline uint64_t pattern_word(uint64_t idx)
{
	uint64_t x = (idx + 1) * 0x9e3779b97f4a7c15ULL;

	return x ^ (x >> 31);
}

static inline uint8_t pattern_byte(uint64_t off)
{
	return (uint8_t)(pattern_word(off / 8) >> (8 * (off % 8)));
}

/* @off must be a multiple of 8 (jobs are whole MiB). */
static void pattern_fill(void *buf, uint64_t off, size_t len)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = pattern_word(off / 8 + i);
}

/* Return the stream offset of the first wrong byte, or UINT64_MAX. */
static uint64_t pattern_check(const uint8_t *p, uint64_t off, size_t len)
{
	size_t i = 0;

	for (; i < len && (off + i) % 8; i++)
		if (p[i] != pattern_byte(off + i))
			return off + i;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		if (w != pattern_word((off + i) / 8))
			break;
	}
	for (; i < len; i++)
		if (p[i] != pattern_byte(off + i))
			return off + i;
	return UINT64_MAX;
}

struct receiver {
	pthread_t thread;
	int fd;
	uint64_t bytes;
	uint64_t corrupt_at; /* UINT64_MAX = intact */
	int error;
};

static void *receiver_main(void *arg)
{
	struct receiver *rx = arg;
	size_t cap = 1 << 20;
	uint8_t *buf = malloc(cap + 8);

	rx->corrupt_at = UINT64_MAX;
	if (!buf) {
		rx->error = ENOMEM;
		return NULL;
	}
	for (;;) {
		/* Land each chunk at its stream offset mod 8: words compare
		 * aligned. */
		size_t skew = rx->bytes % 8;
		ssize_t n = recv(rx->fd, buf + skew, cap, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rx->error = errno;
			break;
		}
		if (n == 0)
			break;
		if (rx->corrupt_at == UINT64_MAX)
			rx->corrupt_at = pattern_check(buf + skew, rx->bytes, n);
		rx->bytes += n;
	}
	free(buf);
	return NULL;
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_sec(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* A connected loopback TCP pair: *tx for the library, *rx for the thread. */
static int tcp_pair(int *tx, int *rx)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l, c = -1, s = -1;

	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return -errno;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &alen))
		goto fail;
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
		goto fail;
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		goto fail;
	close(l);
	*tx = c;
	*rx = s;
	return 0;
fail:
	s = -errno;
	if (c >= 0)
		close(c);
	close(l);
	return s;
}

/* One mode's run: the sender's state, shared with its callbacks. */
struct run {
	struct zc_sock *sock;
	struct zc_write_opts opts;
	uint64_t next_off; /* stream offset of the next job to queue */
	uint64_t sent;	   /* bytes the kernel took, from callbacks */
	int in_flight;
	int error;
	bool closed;
	double deadline;
};

static void on_write(struct zc_sock *s, const struct zc_result *r, void *ud);

static int queue_job(struct run *run, void *buf)
{
	size_t len = JOB_SIZE;
	int ret;

	if (cfg_size - run->next_off < len)
		len = cfg_size - run->next_off;
	/* The buffer is ours again: the previous job on it has completed,
	 * so the kernel let go of its pages. Overwrite it right away. */
	pattern_fill(buf, run->next_off, len);
	ret = zc_write(run->sock, buf, len, &run->opts, on_write, run, NULL);
	if (ret < 0)
		return ret;
	run->next_off += len;
	run->in_flight++;
	return 0;
}

static void on_write(struct zc_sock *s, const struct zc_result *r, void *ud)
{
	struct run *run = ud;
	int ret;

	(void)s;
	run->in_flight--;
	if (r->res > 0)
		run->sent += r->res;
	if (r->error || r->res != (ssize_t)r->len) {
		if (!run->error)
			run->error = r->error ? r->error : -EIO;
		return;
	}
	if (run->error || run->next_off >= cfg_size ||
	    now_sec() >= run->deadline)
		return;
	ret = queue_job(run, r->buf);
	if (ret < 0 && !run->error)
		run->error = ret;
}

static void on_close(struct zc_sock *s, int error, void *ud)
{
	struct run *run = ud;

	(void)s;
	run->closed = true;
	if (error && !run->error)
		run->error = error;
}

/* Run the engine until *@done; give up after @limit (a stuck release). */
static int drive(struct zc_engine *e, const bool *done, double limit)
{
	while (!*done) {
		int ret = zc_engine_run(e, 200);

		if (ret < 0)
			return ret;
		if (now_sec() > limit)
			return -ETIMEDOUT;
	}
	return 0;
}

struct row {
	double gbps, cpu;
	struct zc_stats st;
	uint64_t sent, received, corrupt_at;
	int error;
};

static int setup_buffers(struct zc_engine *e, const struct mode *m,
			 void **bufs, struct zc_write_opts *opts)
{
	struct zc_pool *pool = NULL;
	uint8_t *base;
	int i, ret;

	if (m->pool) {
		ret = zc_pool_create(e, JOBS_IN_FLIGHT * JOB_SIZE, &pool);
		if (ret < 0)
			return ret;
		base = zc_pool_base(pool);
	} else {
		base = aligned_alloc(4096, JOBS_IN_FLIGHT * JOB_SIZE);
		if (!base)
			return -ENOMEM;
	}
	for (i = 0; i < JOBS_IN_FLIGHT; i++)
		bufs[i] = base + i * JOB_SIZE;
	*opts = (struct zc_write_opts){ .tx_zcopy = ZC_TX_INHERIT,
					.pool = pool };
	return 0;
}

/* Send cfg_size bytes (or for cfg_secs) with @run's 8 buffers rotating. */
static void transfer(struct zc_engine *e, struct run *run, void **bufs)
{
	double limit = run->deadline + 30;
	int i, ret;

	for (i = 0; i < JOBS_IN_FLIGHT && run->next_off < cfg_size; i++) {
		ret = queue_job(run, bufs[i]);
		if (ret < 0) {
			run->error = ret;
			break;
		}
	}
	while (run->in_flight > 0) {
		ret = zc_engine_run(e, 200);
		if (ret >= 0 && now_sec() > limit)
			ret = -ETIMEDOUT;
		if (ret < 0) {
			run->error = ret;
			zc_sock_abort(run->sock);
			break;
		}
	}
	/* Graceful close sends what is queued, then shuts the sending side
	 * down (the receiver sees EOF), then waits for every release. */
	ret = zc_sock_close(run->sock, on_close, run);
	if (ret == 0)
		ret = drive(e, &run->closed, limit);
	if (ret < 0 && !run->error)
		run->error = ret;
}

static int run_mode(const struct mode *m, struct row *row)
{
	struct run run = { 0 };
	struct receiver rx = { 0 };
	struct zc_engine *e;
	void *bufs[JOBS_IN_FLIGHT] = { NULL };
	double t0, c0;
	int tx_fd = -1, ret;

	memset(row, 0, sizeof(*row));
	ret = zc_engine_create(&e, NULL);
	if (ret < 0)
		return ret;
	ret = zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, m->tx_zcopy);
	if (ret == 0)
		ret = setup_buffers(e, m, bufs, &run.opts);
	if (ret == 0)
		ret = tcp_pair(&tx_fd, &rx.fd);
	if (ret == 0 && (ret = zc_sock_attach(e, tx_fd, &run.sock)) < 0)
		close(rx.fd);
	if (ret == 0 &&
	    (ret = -pthread_create(&rx.thread, NULL, receiver_main, &rx)) < 0)
		close(rx.fd);
	if (ret < 0)
		goto out;

	t0 = now_sec();
	c0 = cpu_sec();
	run.deadline = t0 + cfg_secs;
	transfer(e, &run, bufs);
	if (run.error)
		shutdown(rx.fd, SHUT_RDWR); /* never leave the reader hanging */
	pthread_join(rx.thread, NULL);
	row->gbps = rx.bytes * 8 / (now_sec() - t0) / 1e9;
	row->cpu = cpu_sec() - c0;
	close(rx.fd);
	zc_engine_stats(e, &row->st);
	row->sent = run.sent;
	row->received = rx.bytes;
	row->corrupt_at = rx.corrupt_at;
	row->error = run.error ? run.error : -rx.error;
out:
	/* Destroying the engine aborts what is left and returns only once
	 * the kernel released every page: then the fd and memory may go. */
	zc_engine_destroy(e);
	if (tx_fd >= 0)
		close(tx_fd);
	if (!m->pool)
		free(bufs[0]);
	return ret;
}

static void print_row(const struct mode *m, const struct row *r)
{
	char verdict[96];

	if (r->corrupt_at != UINT64_MAX)
		snprintf(verdict, sizeof(verdict), "CORRUPT at offset %llu",
			 (unsigned long long)r->corrupt_at);
	else if (r->error)
		snprintf(verdict, sizeof(verdict), "error: %s",
			 zc_strerror(r->error));
	else if (r->received != r->sent)
		snprintf(verdict, sizeof(verdict),
			 "LOST: sent %llu, received %llu",
			 (unsigned long long)r->sent,
			 (unsigned long long)r->received);
	else
		snprintf(verdict, sizeof(verdict), "verified intact");
	printf("%-8s %8.0f %8.2f %7.2f %10.1f %10.1f %10.1f  %s\n", m->name,
	       (double)r->received / MIB, r->gbps, r->cpu,
	       (double)r->st.bytes_zc / MIB,
	       (double)r->st.bytes_zc_copied / MIB,
	       (double)r->st.bytes_copied / MIB, verdict);
	fflush(stdout);
}

static void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-s SIZE_MiB] [-t SECONDS_PER_MODE]\n",
		argv0);
	exit(1);
}

int main(int argc, char **argv)
{
	bool bad = false;
	size_t i;
	int opt;

	while ((opt = getopt(argc, argv, "s:t:h")) != -1) {
		switch (opt) {
		case 's':
			cfg_size = strtoull(optarg, NULL, 0) * MIB;
			break;
		case 't':
			cfg_secs = strtod(optarg, NULL);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (!cfg_size || cfg_size > (1ULL << 40) || !(cfg_secs > 0))
		usage(argv[0]);

	{
		struct zc_engine *probe;
		const char *backend = "none";

		/* Which backend this machine gives (ZCAIO_BACKEND overrides). */
		if (zc_engine_create(&probe, NULL) == 0) {
			backend = zc_engine_backend(probe);
			zc_engine_destroy(probe);
		}
		printf("zcaio %s on the %s backend: %llu MiB per mode over "
		       "loopback (at most %.0f s), %d jobs of %lu KiB in "
		       "flight\n",
		       zc_version(), backend,
		       (unsigned long long)(cfg_size / MIB), cfg_secs,
		       JOBS_IN_FLIGHT, JOB_SIZE >> 10);
	}
	printf("%-8s %8s %8s %7s %10s %10s %10s  %s\n", "mode", "MiB",
	       "Gbit/s", "CPU s", "zc MiB", "zc-copied", "copied", "data");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct row r;
		int ret = run_mode(&modes[i], &r);

		if (ret == -ENOSYS || ret == -EPERM) {
			printf("no backend could start (%s): skipped\n",
			       zc_strerror(ret));
			return 77;
		}
		if (ret < 0) {
			printf("%-8s setup failed: %s\n", modes[i].name,
			       zc_strerror(ret));
			bad = true;
			continue;
		}
		print_row(&modes[i], &r);
		if (r.corrupt_at != UINT64_MAX || r.error ||
		    r.received != r.sent)
			bad = true;
	}
	printf("CPU s: whole process (sender, receiver and checking), "
	       "user + system.\n"
	       "zc-copied: zero-copy sends the kernel copied anyway; on "
	       "loopback it always does.\n");
	return bad ? 1 : 0;
}
