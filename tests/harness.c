// SPDX-License-Identifier: MIT
/*
 * harness.c - shared helpers of zcaio's integration tests (see harness.h).
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- outcome ---------------------------------------------------------- */

static void h_vprint(const char *tag, const char *fmt, va_list ap)
{
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s%s\n", tag, line);
	fflush(stderr);
}

void h_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h_vprint("FAIL: ", fmt, ap);
	va_end(ap);
	fflush(stdout);
	_exit(1);
}

void h_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h_vprint("SKIP: ", fmt, ap);
	va_end(ap);
	fflush(stdout);
	_exit(77);
}

static int h_later_fails;

void h_fail_later(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h_vprint("FAIL (going on): ", fmt, ap);
	va_end(ap);
	h_later_fails++;
}

void h_done(const char *name)
{
	if (h_later_fails)
		h_fail("%s: %d failed checks above", name, h_later_fails);
	h_info("PASS %s", name);
	fflush(stdout);
	exit(0);
}

void h_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h_vprint("", fmt, ap);
	va_end(ap);
}

double h_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void h_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	/* A signal may cut the sleep short; sleep the rest. */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static atomic_uint h_watchdog_sec;

static void *h_watchdog_main(void *arg)
{
	double start = h_now_ms();

	(void)arg;
	for (;;) {
		h_sleep_ms(100);
		if (h_now_ms() - start > 1e3 * atomic_load(&h_watchdog_sec))
			h_fail("watchdog: still running after %u s (hang?)",
			       atomic_load(&h_watchdog_sec));
	}
	return NULL;
}

void h_watchdog(unsigned int sec)
{
	pthread_t tid;
	sigset_t all, old;

	if (atomic_exchange(&h_watchdog_sec, sec))
		return;
	/* Signals the test plays with must not land on the watchdog. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&tid, NULL, h_watchdog_main, NULL))
		h_fail("watchdog thread: %s", strerror(errno));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_detach(tid);
}

/* ---- the byte pattern ------------------------------------------------- */

/* splitmix64's finaliser over the 8-byte word index: neighbouring words
 * differ in every byte, so a shifted or repeated run is caught at once. */
static uint64_t h_word(uint64_t seed, uint64_t widx)
{
	uint64_t x =
		widx + seed * 0xD1B54A32D192ED03ull + 0x9E3779B97F4A7C15ull;

	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 31;
	return x;
}

uint8_t h_pat(uint64_t seed, uint64_t off)
{
	return (uint8_t)(h_word(seed, off >> 3) >> ((off & 7) * 8));
}

static void h_word_bytes(uint64_t w, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(w >> (i * 8));
}

void h_fill(void *buf, uint64_t seed, uint64_t off, size_t len)
{
	uint8_t *p = buf;
	size_t i = 0;

	for (; i < len && ((off + i) & 7); i++)
		p[i] = h_pat(seed, off + i);
	for (; i + 8 <= len; i += 8)
		h_word_bytes(h_word(seed, (off + i) >> 3), p + i);
	for (; i < len; i++)
		p[i] = h_pat(seed, off + i);
}

uint64_t h_verify(const void *buf, uint64_t seed, uint64_t off, size_t len)
{
	const uint8_t *p = buf;
	uint8_t want[8];
	size_t i = 0;

	for (; i < len && ((off + i) & 7); i++)
		if (p[i] != h_pat(seed, off + i))
			return off + i;
	for (; i + 8 <= len; i += 8) {
		h_word_bytes(h_word(seed, (off + i) >> 3), want);
		if (memcmp(p + i, want, 8))
			break;
	}
	for (; i < len; i++)
		if (p[i] != h_pat(seed, off + i))
			return off + i;
	return H_NO_BAD;
}

void h_explain(const void *buf, uint64_t seed, uint64_t buf_off,
	       uint64_t bad_off, size_t len)
{
	const uint8_t *p = (const uint8_t *)buf + (bad_off - buf_off);
	size_t avail = len - (bad_off - buf_off);
	size_t n = avail < 16 ? avail : 16;
	char got[64] = "", want[64] = "";
	size_t garbage = 0;

	for (size_t i = 0; i < n; i++) {
		snprintf(got + 3 * i, 4, "%02x ", p[i]);
		snprintf(want + 3 * i, 4, "%02x ", h_pat(seed, bad_off + i));
		garbage += p[i] == H_GARBAGE;
	}
	h_info("  stream offset %llu: got  %s", (unsigned long long)bad_off,
	       got);
	h_info("  stream offset %llu: want %s", (unsigned long long)bad_off,
	       want);
	if (garbage == n && n >= 8) {
		h_info("  -> the application's garbage: the kernel sent memory "
		       "after the job was completed (early release)");
		return;
	}
	if (n < 8)
		return;
	/* Where in the stream (within 16 MiB either way) did these bytes
	 * belong? That tells loss/duplication/reordering from corruption. */
	uint64_t lo = bad_off > 16 * H_MIB ? bad_off - 16 * H_MIB : 0;
	for (uint64_t o = lo; o < bad_off + 16 * H_MIB; o++) {
		if (h_pat(seed, o) != p[0] || o == bad_off)
			continue;
		size_t k = 1;
		while (k < n && h_pat(seed, o + k) == p[k])
			k++;
		if (k == n) {
			long long d = (long long)o - (long long)bad_off;
			h_info("  -> these bytes belong at stream offset %llu "
			       "(%+lld): %s",
			       (unsigned long long)o, d,
			       d < 0 ? "duplicated/replayed data"
				     : "data skipped (lost or reordered)");
			return;
		}
	}
	h_info("  -> bytes match no nearby stream offset: corruption");
}

/* ---- sockets ---------------------------------------------------------- */

void h_tcp_pair(int *snd, int *rcv, int rcvbuf, int sndbuf)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int one = 1;
	int l, c, s;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		h_fail("socket: %s", strerror(errno));
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Set on the listener so the accepted socket inherits it before the
	 * handshake fixes the window scale. */
	if (rcvbuf &&
	    setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)
		h_fail("SO_RCVBUF: %s", strerror(errno));
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 4) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0)
		h_fail("listen on 127.0.0.1: %s", strerror(errno));
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		h_fail("socket: %s", strerror(errno));
	if (sndbuf &&
	    setsockopt(c, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) < 0)
		h_fail("SO_SNDBUF: %s", strerror(errno));
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		h_fail("connect: %s", strerror(errno));
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		h_fail("accept: %s", strerror(errno));
	close(l);
	*snd = c;
	*rcv = s;
}

void h_cmd(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		h_skip("'%s' failed (%d): tool or kernel feature missing", cmd,
		       rc);
}

void h_private_netns(char **argv)
{
	if (geteuid() != 0) {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (getenv("ZCTEST_IN_USERNS"))
			h_skip("not root in the user namespace");
		if (n <= 0)
			h_skip("not root, and /proc/self/exe: %s",
			       strerror(errno));
		self[n] = '\0'; /* unshare's own /proc/self/exe is unshare */
		setenv("ZCTEST_IN_USERNS", "1", 1);
		execvp("unshare",
		       (char *[]){ "unshare", "-Urn", self, argv[1],
				   argv[1] ? argv[2] : NULL, NULL });
		h_skip("not root and cannot run unshare -Urn: %s",
		       strerror(errno));
	}
	if (unshare(CLONE_NEWNET) < 0)
		h_skip("unshare(CLONE_NEWNET): %s", strerror(errno));
	h_cmd("ip link set lo up");
}

void h_close_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		h_fail("SO_LINGER: %s", strerror(errno));
	close(fd);
}

/* ---- the receiver thread ---------------------------------------------- */

static void h_rx_check(struct h_rx *rx, const uint8_t *buf, size_t n)
{
	uint64_t off = rx->start_off + rx->total;
	uint64_t bad = h_verify(buf, rx->seed, off, n);

	if (bad == H_NO_BAD)
		return;
	for (size_t i = bad - off; i < n; i++)
		rx->bad_count += buf[i] != h_pat(rx->seed, off + i);
	if (rx->bad_off != H_NO_BAD)
		return;
	rx->bad_off = bad;
	if (!rx->quiet) {
		h_info("receiver: first wrong byte at stream offset %llu",
		       (unsigned long long)bad);
		h_explain(buf, rx->seed, off, bad, n);
	}
}

static void *h_rx_main(void *arg)
{
	struct h_rx *rx = arg;
	size_t chunk = rx->chunk ? rx->chunk : 256 * H_KIB;
	double deadline =
		h_now_ms() + (rx->timeout_ms ? rx->timeout_ms : 30000);
	uint8_t *buf = malloc(chunk);

	if (!buf)
		h_fail("receiver: out of memory");
	if (rx->stall_ms)
		h_sleep_ms(rx->stall_ms);
	while (rx->hold && !atomic_load(&rx->released)) {
		if (h_now_ms() > deadline) {
			rx->err = ETIMEDOUT;
			goto out;
		}
		h_sleep_ms(1);
	}
	for (;;) {
		struct pollfd pfd = { .fd = rx->fd, .events = POLLIN };
		double left = deadline - h_now_ms();
		ssize_t n;

		if (left <= 0) {
			rx->err = ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, left > 100 ? 100 : (int)left + 1) < 0 &&
		    errno != EINTR) {
			rx->err = errno;
			break;
		}
		n = recv(rx->fd, buf, chunk, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			rx->err = errno;
			break;
		}
		if (n == 0)
			break;
		h_rx_check(rx, buf, (size_t)n);
		rx->total += (uint64_t)n;
		atomic_store(&rx->progress, rx->total);
		if (rx->delay_us) {
			struct timespec ts = { 0, rx->delay_us * 1000L };
			nanosleep(&ts, NULL);
		}
	}
out:
	free(buf);
	atomic_store(&rx->done, true);
	return NULL;
}

void h_rx_start(struct h_rx *rx)
{
	rx->total = 0;
	rx->bad_off = H_NO_BAD;
	rx->bad_count = 0;
	rx->err = 0;
	atomic_store(&rx->progress, 0);
	atomic_store(&rx->released, false);
	atomic_store(&rx->done, false);
	if (pthread_create(&rx->tid, NULL, h_rx_main, rx))
		h_fail("receiver thread: %s", strerror(errno));
	rx->started = true;
}

void h_rx_release(struct h_rx *rx)
{
	atomic_store(&rx->released, true);
}

void h_rx_join(struct h_rx *rx, int ms)
{
	double deadline = h_now_ms() + ms;

	if (!rx->started)
		return;
	h_rx_release(rx);
	while (!atomic_load(&rx->done)) {
		if (h_now_ms() > deadline)
			h_fail("receiver still reading after %d ms "
			       "(%llu bytes so far)",
			       ms,
			       (unsigned long long)atomic_load(&rx->progress));
		h_sleep_ms(1);
	}
	pthread_join(rx->tid, NULL);
	rx->started = false;
}

void h_rx_expect_intact(const struct h_rx *rx, uint64_t want, const char *what)
{
	if (rx->bad_off != H_NO_BAD)
		h_fail("%s: stream corrupt from offset %llu (%llu bad bytes "
		       "in %llu)",
		       what, (unsigned long long)rx->bad_off,
		       (unsigned long long)rx->bad_count,
		       (unsigned long long)rx->total);
	if (rx->err)
		h_fail("%s: receiver ended with %s after %llu bytes", what,
		       strerror(rx->err), (unsigned long long)rx->total);
	if (rx->total != want)
		h_fail("%s: receiver got %llu bytes, want %llu", what,
		       (unsigned long long)rx->total, (unsigned long long)want);
}

/* ---- jobs ------------------------------------------------------------- */

void h_jobs_init(struct h_jobs *set, int n)
{
	memset(set, 0, sizeof(*set));
	set->n = n;
	set->job = calloc((size_t)n, sizeof(*set->job));
	if (!set->job)
		h_fail("out of memory");
	for (int i = 0; i < n; i++) {
		set->job[i].idx = i;
		set->job[i].seq = -1;
		set->job[i].set = set;
	}
}

void h_jobs_free(struct h_jobs *set)
{
	free(set->job);
	set->job = NULL;
}

void h_job_cb(struct zc_sock *s, const struct zc_result *r, void *user_data)
{
	struct h_job *j = user_data;
	struct h_jobs *set = j->set;

	if (++j->calls > 1) {
		set->extra++;
		h_info("job %d: callback number %d (id %llu, res %zd, error "
		       "%d)",
		       j->idx, j->calls, (unsigned long long)r->id, r->res,
		       r->error);
		return;
	}
	j->seq = set->done++;
	j->done_ms = h_now_ms();
	j->r = *r;
	if (r->id != j->id || r->buf != j->buf || r->len != j->len ||
	    (r->res > 0 && (size_t)r->res > j->len) ||
	    (r->res < 0 && r->res != r->error) ||
	    (r->error == 0 && r->res < 0)) {
		set->bad_id++;
		h_info("job %d: result does not match the job: id %llu/%llu "
		       "buf %p/%p len %zu/%zu res %zd error %d",
		       j->idx, (unsigned long long)r->id,
		       (unsigned long long)j->id, r->buf, j->buf, r->len,
		       j->len, r->res, r->error);
	}
	if (j->on_done)
		j->on_done(j, s);
}

int h_write(struct h_jobs *set, int idx, struct zc_sock *s, const void *buf,
	    size_t len, const struct zc_write_opts *opts)
{
	struct h_job *j = &set->job[idx];
	int ret;

	j->buf = buf;
	j->len = len;
	j->calls = 0;
	j->seq = -1;
	ret = zc_write(s, buf, len, opts, h_job_cb, j, &j->id);
	return ret;
}

int h_writev(struct h_jobs *set, int idx, struct zc_sock *s,
	     const struct zc_iovec *iov, unsigned int n,
	     const struct zc_write_opts *opts)
{
	struct h_job *j = &set->job[idx];

	j->buf = NULL; /* a vectored job's result has no buf */
	j->len = 0;
	for (unsigned int i = 0; i < n; i++)
		j->len += iov[i].len;
	j->calls = 0;
	j->seq = -1;
	return zc_writev(s, iov, n, opts, h_job_cb, j, &j->id);
}

void h_jobs_expect_once(const struct h_jobs *set, const char *what)
{
	if (set->extra)
		h_fail("%s: %d callbacks ran more than once per job", what,
		       set->extra);
	if (set->bad_id)
		h_fail("%s: %d results did not match their job", what,
		       set->bad_id);
	for (int i = 0; i < set->n; i++)
		if (set->job[i].calls != 1)
			h_fail("%s: job %d called back %d times, want once",
			       what, i, set->job[i].calls);
}

void h_jobs_expect_order(const struct h_jobs *set, const char *what)
{
	for (int i = 0; i < set->n; i++)
		if (set->job[i].seq != i)
			h_fail("%s: job %d completed as number %d", what, i,
			       set->job[i].seq);
}

void h_jobs_expect_full(const struct h_jobs *set, const char *what)
{
	for (int i = 0; i < set->n; i++) {
		const struct h_job *j = &set->job[i];

		if (j->r.res != (ssize_t)j->len || j->r.error)
			h_fail("%s: job %d: res %zd of %zu, error %d (%s)",
			       what, i, j->r.res, j->len, j->r.error,
			       zc_strerror(j->r.error));
	}
}

/* ---- driving the engine ------------------------------------------------ */

double h_run_until(struct zc_engine *e, h_cond_fn cond, void *arg, int ms)
{
	double start = h_now_ms();

	for (;;) {
		int n;

		if (cond(arg))
			return h_now_ms() - start;
		if (h_now_ms() - start > ms)
			return -1;
		n = zc_engine_run(e, 5);
		if (n < 0)
			h_fail("zc_engine_run: %d (%s)", n, zc_strerror(n));
	}
}

static bool h_all_done(void *arg)
{
	struct h_jobs *set = arg;

	return set->done >= set->n;
}

double h_run_jobs(struct zc_engine *e, struct h_jobs *set, int ms)
{
	return h_run_until(e, h_all_done, set, ms);
}

static bool h_never(void *arg)
{
	(void)arg;
	return false;
}

void h_run_for(struct zc_engine *e, int ms)
{
	h_run_until(e, h_never, NULL, ms);
}

struct h_close_state {
	int calls;
	int error;
};

static void h_close_cb(struct zc_sock *s, int error, void *arg)
{
	struct h_close_state *cs = arg;

	cs->calls++;
	cs->error = error;
}

static bool h_closed(void *arg)
{
	struct h_close_state *cs = arg;

	return cs->calls > 0;
}

int h_close(struct zc_engine *e, struct zc_sock *s, int ms)
{
	struct h_close_state cs = { 0, 0 };
	int ret = zc_sock_close(s, h_close_cb, &cs);

	if (ret < 0)
		h_fail("zc_sock_close: %d (%s)", ret, zc_strerror(ret));
	if (h_run_until(e, h_closed, &cs, ms) < 0)
		h_fail("close callback not run within %d ms", ms);
	/* One more turn: a second callback would be a bug. */
	if (zc_engine_run(e, 0) < 0 || cs.calls != 1)
		h_fail("close callback ran %d times", cs.calls);
	return cs.error;
}

struct zc_engine *h_engine(const struct zc_engine_params *params)
{
	struct zc_engine *e = NULL;
	int ret = zc_engine_create(&e, params);

	if (ret == -ENOSYS || ret == -EPERM)
		h_skip("no io_uring here: zc_engine_create = %d (%s)", ret,
		       zc_strerror(ret));
	if (ret < 0 || !e)
		h_fail("zc_engine_create: %d (%s)", ret, zc_strerror(ret));
	return e;
}

struct zc_engine *h_engine_budget(uint64_t budget)
{
	struct zc_engine *e = h_engine(NULL);

	h_engine_mode(e, "on");
	if (strcmp(zc_engine_backend(e), "copy") == 0)
		h_skip("the copy backend pins nothing");
	H_OK(zc_engine_setopt(e, ZC_OPT_PIN_BUDGET, budget));
	return e;
}

struct zc_sock *h_stalled_writer(struct zc_engine *e, struct h_rx *rx, int *fd,
				 struct h_jobs *set, const void *buf,
				 size_t len)
{
	struct zc_sock *s;
	struct zc_stats st;

	rx->hold = true;
	h_tcp_pair(fd, &rx->fd, 4096, 0);
	h_rx_start(rx);
	H_OK(zc_sock_attach(e, *fd, &s));
	h_jobs_init(set, 1);
	H_OK(h_write(set, 0, s, buf, len, NULL));
	h_run_for(e, 100);
	H_OK(zc_engine_stats(e, &st));
	H_CHECK(st.bytes_pinned >= len,
		"stalled writer pins %llu bytes, "
		"want %zu",
		(unsigned long long)st.bytes_pinned, len);
	return s;
}

bool h_job_called(void *arg)
{
	return ((struct h_job *)arg)->calls > 0;
}

void h_engine_mode(struct zc_engine *e, const char *mode)
{
	uint64_t tx;

	if (!strcmp(mode, "off"))
		tx = ZC_TX_OFF;
	else if (!strcmp(mode, "on") || !strcmp(mode, "pool"))
		tx = ZC_TX_ON;
	else if (!strcmp(mode, "auto"))
		tx = ZC_TX_AUTO;
	else
		h_fail("unknown mode '%s' (off, on, pool, auto)", mode);
	H_OK(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, tx));
	if (tx != ZC_TX_OFF)
		H_OK(zc_engine_setopt(e, ZC_OPT_ZC_THRESHOLD, 1));
}

void h_print_stats(const char *what, const struct zc_stats *st)
{
	h_info("%s: jobs %llu queued %llu done %llu failed; bytes written %llu "
	       "read %llu; sends %llu (zc %llu, short %llu); bytes zc %llu "
	       "zc-copied %llu copied %llu; notifs owed %llu; pinned %llu; "
	       "auto fallbacks %llu",
	       what, (unsigned long long)st->jobs_queued,
	       (unsigned long long)st->jobs_done,
	       (unsigned long long)st->jobs_failed,
	       (unsigned long long)st->bytes_written,
	       (unsigned long long)st->bytes_read,
	       (unsigned long long)st->sends, (unsigned long long)st->sends_zc,
	       (unsigned long long)st->short_sends,
	       (unsigned long long)st->bytes_zc,
	       (unsigned long long)st->bytes_zc_copied,
	       (unsigned long long)st->bytes_copied,
	       (unsigned long long)st->notifs_outstanding,
	       (unsigned long long)st->bytes_pinned,
	       (unsigned long long)st->auto_fallbacks);
}

void h_expect_released(struct zc_engine *e, uint64_t pool_bytes,
		       const char *what)
{
	struct zc_stats st;

	H_OK(zc_engine_stats(e, &st));
	if (st.notifs_outstanding || st.bytes_pinned != pool_bytes) {
		h_print_stats(what, &st);
		h_fail("%s: %llu releases still owed, %llu bytes pinned "
		       "(want 0 and %llu)",
		       what, (unsigned long long)st.notifs_outstanding,
		       (unsigned long long)st.bytes_pinned,
		       (unsigned long long)pool_bytes);
	}
}

void *h_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		h_fail("mmap %zu: %s", len, strerror(errno));
	return p;
}

void h_free(void *p, size_t len)
{
	munmap(p, len);
}

uint8_t *h_mode_mem(struct zc_engine *e, const char *mode, size_t len,
		    struct zc_pool **pool, struct zc_write_opts *opts,
		    const struct zc_write_opts **optp)
{
	*pool = NULL;
	if (strcmp(mode, "pool"))
		return h_alloc(len);
	H_OK(zc_pool_create(e, len, pool));
	opts->pool = *pool;
	if (optp)
		*optp = opts;
	return zc_pool_base(*pool);
}

void h_mode_mem_free(uint8_t *mem, size_t len, struct zc_pool *pool)
{
	if (pool)
		H_OK(zc_pool_destroy(pool));
	else
		h_free(mem, len);
}
