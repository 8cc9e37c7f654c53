// SPDX-License-Identifier: MIT
/*
 * allocfail MODE - the N-th allocation of the library fails, for every N
 * from 1 to K, K being the number of allocations a small transfer makes.
 *
 * The transfer (one process, one thread, one engine): a loopback pair with
 * both ends attached, 8 write jobs of 64 KiB in 16 KiB sends on one end
 * (from a registered pool in MODE pool, plain memory otherwise; zero-copy
 * on, or off in MODE off), 2 reads of 16 KiB kept queued on the other,
 * then both sockets closed and the engine destroyed. This program runs it
 * once without a fault to count K (the library's allocator is wrapped at
 * link time to count its calls; ZCAIO_FAULT_ALLOC is the library's own
 * hook), then once per N = 1..K+2 in a fresh process with
 * ZCAIO_FAULT_ALLOC=N.
 *
 * Must hold in every run: it either succeeds (stream intact) or errors
 * cleanly: the first error seen is -ENOMEM, from a call or as a job's
 * result, after which the program tears down (zc_engine_destroy); no
 * crash, no hang (20 s), no leak (LeakSanitizer, in the ASan build), every
 * accepted job called back exactly once, and none before its release: a
 * write buffer is overwritten the moment its job completes, so an early
 * completion shows as garbage in the bytes read, which must be a prefix
 * of the stream the jobs' results describe (each job's first res bytes,
 * in order: a job that fails with nothing sent fails alone, zc_write(3)).
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NWRITES		 8
#define SEG		 (16 * H_KIB)
#define WJOB		 (64 * H_KIB)
#define NREADS		 2
#define RJOB		 (16 * H_KIB)
#define SEED		 611
#define RUN_MS		 20000
#define EXIT_CLEAN_ERROR 3

#if defined(__SANITIZE_ADDRESS__)
#define LEAK_CHECK "on (ASan build)"
#else
#define LEAK_CHECK "off (plain build: no LeakSanitizer)"
#endif

/* ---- counting the library's allocations ------------------------------- */

void *__real_zc__calloc(size_t n, size_t size);
void *__wrap_zc__calloc(size_t n, size_t size);
static long nallocs;

void *__wrap_zc__calloc(size_t n, size_t size)
{
	nallocs++;
	return __real_zc__calloc(n, size);
}

/* ---- one run (the child) ---------------------------------------------- */

static struct {
	struct zc_engine *e;
	struct zc_sock *ws, *rs;
	uint8_t *wmem, *rmem;
	struct h_jobs w, r;
	int nr_queued; /* reads accepted */
	uint8_t *rall; /* every byte read, in order */
	uint64_t got;  /* bytes read */
	int first_err; /* first error seen anywhere */
	const char *first_where;
	bool eof;
	int closes;
} g;

static void saw_error(int err, const char *where)
{
	if (!g.first_err) {
		g.first_err = err;
		g.first_where = where;
	}
}

static void on_write(struct h_job *j, struct zc_sock *s)
{
	(void)s;
	if (j->r.error)
		saw_error(j->r.error, "write job");
	/* The buffer is ours again: an early completion shows up as this. */
	memset((void *)j->buf, H_GARBAGE, j->len);
}

static void queue_read(int idx);

static void on_read(struct h_job *j, struct zc_sock *s)
{
	(void)s;
	if (j->r.error) {
		if (j->r.error != -ECANCELED)
			saw_error(j->r.error, "read job");
		return;
	}
	if (j->r.res == 0) {
		g.eof = true;
		return;
	}
	H_CHECK(g.got + (uint64_t)j->r.res <= NWRITES * WJOB, "read more bytes "
							      "than were "
							      "written");
	memcpy(g.rall + g.got, j->buf, (size_t)j->r.res);
	g.got += (uint64_t)j->r.res;
	if (g.nr_queued < g.r.n && !g.first_err)
		queue_read(g.nr_queued);
}

static void queue_read(int idx)
{
	struct h_job *j = &g.r.job[idx];
	int ret;

	j->buf = g.rmem + (size_t)(idx % NREADS) * RJOB;
	j->len = RJOB;
	j->on_done = on_read;
	ret = zc_read(g.rs, (void *)j->buf, RJOB, h_job_cb, j, &j->id);
	if (ret < 0) {
		saw_error(ret, "zc_read");
		return;
	}
	g.nr_queued++;
}

static void on_close(struct zc_sock *s, int error, void *arg)
{
	(void)s;
	(void)arg;
	g.closes++;
}

static bool transfer_done(void *arg)
{
	(void)arg;
	return g.first_err || (g.w.done == g.w.n && g.got >= NWRITES * WJOB);
}

/*
 * A write that fails with nothing sent (-ENOMEM among them) fails alone:
 * later jobs still go out (zc_write(3)). So the stream the reader must see
 * is each accepted job's first res bytes, in order; what it read must be
 * a prefix of that, byte for byte.
 */
static void check_stream(void)
{
	uint64_t pos = 0;

	/* A job cut short leaves a hole: every later job must fail unsent
	 * (zc_write(3), "ERRORS"). */
	for (int i = 0; i + 1 < g.w.n; i++) {
		const struct h_job *j = &g.w.job[i], *n = &g.w.job[i + 1];

		if (j->r.error && j->r.res > 0 && (size_t)j->r.res < j->len &&
		    n->r.res > 0)
			h_fail("write %d failed after %zd of %zu bytes (%s), "
			       "yet write %d went out after it (res %zd): a "
			       "hole in the stream",
			       i, j->r.res, j->len, zc_strerror(j->r.error),
			       i + 1, n->r.res);
	}

	for (int i = 0; i < g.w.n && pos < g.got; i++) {
		const struct h_job *j = &g.w.job[i];
		uint64_t len = j->r.res > 0 ? (uint64_t)j->r.res : 0;
		uint64_t bad;

		if (len > g.got - pos)
			len = g.got - pos;
		bad = h_verify(g.rall + pos, SEED, (uint64_t)i * WJOB,
			       (size_t)len);
		if (bad != H_NO_BAD) {
			h_explain(g.rall + pos, SEED, (uint64_t)i * WJOB, bad,
				  (size_t)len);
			h_fail("read byte %llu (job %d, res %zd, error %d) is "
			       "wrong: a job completed before its release?",
			       (unsigned long long)(pos + bad - i * WJOB), i,
			       j->r.res, j->r.error);
		}
		pos += len;
	}
	H_CHECK(pos == g.got,
		"read %llu bytes, the jobs' results account "
		"for %llu",
		(unsigned long long)g.got, (unsigned long long)pos);
}

/* Returns the call's result; an error is recorded as the first error. */
static int call(int ret, const char *where)
{
	if (ret < 0)
		saw_error(ret, where);
	return ret;
}

static int child(const char *mode)
{
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	struct zc_pool *pool = NULL;
	int wfd, rfd, ret, nw = 0, nclose = 0;

	h_watchdog(RUN_MS / 1000);
	g.rall = h_alloc(NWRITES * WJOB);
	h_jobs_init(&g.w, NWRITES);
	/* More read slots than can be needed: 0 ends the stream. */
	h_jobs_init(&g.r, NWRITES * WJOB / RJOB + 8);
	g.rmem = h_alloc(NREADS * RJOB);
	h_tcp_pair(&wfd, &rfd, 0, 0);

	ret = zc_engine_create(&g.e, NULL);
	if (ret < 0 && ret != -ENOMEM && !getenv("ZCAIO_FAULT_ALLOC"))
		h_skip("zc_engine_create: %s", zc_strerror(ret));
	if (call(ret, "zc_engine_create") < 0)
		goto out;
	h_engine_mode(g.e, mode);
	H_OK(zc_engine_setopt(g.e, ZC_OPT_SEG_MAX, SEG));
	if (!strcmp(mode, "pool")) {
		ret = zc_pool_create(g.e, NWRITES * WJOB, &pool);
		if (call(ret, "zc_pool_create") < 0)
			goto teardown;
		g.wmem = zc_pool_base(pool);
		opts.pool = pool;
	} else {
		g.wmem = h_alloc(NWRITES * WJOB);
	}
	h_fill(g.wmem, SEED, 0, NWRITES * WJOB);
	if (call(zc_sock_attach(g.e, wfd, &g.ws), "zc_sock_attach") < 0 ||
	    call(zc_sock_attach(g.e, rfd, &g.rs), "zc_sock_attach") < 0)
		goto teardown;
	for (int i = 0; i < NREADS && !g.first_err; i++)
		queue_read(i);
	for (; nw < NWRITES && !g.first_err; nw++) {
		g.w.job[nw].on_done = on_write;
		if (call(h_write(&g.w, nw, g.ws, g.wmem + (size_t)nw * WJOB,
				 WJOB, &opts),
			 "zc_write") < 0)
			break;
	}
	if (!g.first_err && h_run_until(g.e, transfer_done, NULL, 10000) < 0)
		h_fail("transfer did not end in 10 s (%d of %d writes, %llu "
		       "bytes read)",
		       g.w.done, g.w.n, (unsigned long long)g.got);
	if (g.first_err)
		goto teardown;
	/* Graceful close of both ends, as an application would. */
	if (call(zc_sock_close(g.ws, on_close, NULL), "zc_sock_close") == 0)
		nclose++;
	g.ws = NULL;
	if (call(zc_sock_close(g.rs, on_close, NULL), "zc_sock_close") == 0)
		nclose++;
	g.rs = NULL;
	for (int k = 0; k < 2000 && g.closes < nclose; k++)
		if (call(zc_engine_run(g.e, 5), "zc_engine_run") < 0)
			break;
teardown:
	/* Whatever is pending completes here, after its pages came back. */
	H_OK(zc_engine_destroy(g.e));
	/* A pool went with the engine: zc_engine_destroy() unmaps it. */
	if (!pool && g.wmem)
		h_free(g.wmem, NWRITES * WJOB);
out:
	g.w.n = nw; /* only accepted jobs are owed a callback */
	close(wfd);
	close(rfd);
	h_free(g.rmem, NREADS * RJOB);

	/* Every accepted job called back exactly once. */
	H_CHECK(!g.w.extra && !g.r.extra && !g.w.bad_id && !g.r.bad_id,
		"extra callbacks %d/%d, results not matching %d/%d", g.w.extra,
		g.r.extra, g.w.bad_id, g.r.bad_id);
	for (int i = 0; i < g.w.n; i++)
		H_CHECK(g.w.job[i].calls == 1, "write %d called back %d times",
			i, g.w.job[i].calls);
	for (int i = 0; i < g.nr_queued; i++)
		H_CHECK(g.r.job[i].calls == 1, "read %d called back %d times",
			i, g.r.job[i].calls);
	H_CHECK(g.closes == nclose, "%d close callbacks for %d closes",
		g.closes, nclose);
	check_stream();
	h_free(g.rall, NWRITES * WJOB);
	h_jobs_free(&g.w);
	h_jobs_free(&g.r);
	printf("allocs %ld ", nallocs);
	if (!g.first_err) {
		H_CHECK(g.got == NWRITES * WJOB, "read %llu bytes, want %lu",
			(unsigned long long)g.got, NWRITES * WJOB);
		printf("ok\n");
		return 0;
	}
	printf("error %d (%s) from %s\n", g.first_err, zc_strerror(g.first_err),
	       g.first_where);
	if (g.first_err != -ENOMEM)
		h_fail("the first error was %d (%s) from %s, want -ENOMEM",
		       g.first_err, zc_strerror(g.first_err), g.first_where);
	return EXIT_CLEAN_ERROR;
}

/* ---- the driver ------------------------------------------------------- */

/* Runs one child with ZCAIO_FAULT_ALLOC=@n (0 = unset); returns its exit
 * status (or -signal), and its report line in @line. */
static int run_child(const char *self, const char *mode, long n, char *line,
		     size_t size, double *ms)
{
	double t0 = h_now_ms();
	int pfd[2], status;
	size_t len = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		h_fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		h_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		char num[32];

		snprintf(num, sizeof(num), "%ld", n);
		if (n)
			setenv("ZCAIO_FAULT_ALLOC", num, 1);
		else
			unsetenv("ZCAIO_FAULT_ALLOC");
		dup2(pfd[1], STDOUT_FILENO);
		execl(self, self, "child", mode, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	line[0] = '\0';
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		ssize_t r;

		if (h_now_ms() - t0 > RUN_MS + 5000) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(pfd[0]);
			h_info("N=%ld: still running after %d s: hang", n,
			       RUN_MS / 1000 + 5);
			return -SIGKILL;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(pfd[0], line + len, size - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == size - 1)
			break;
	}
	line[len] = '\0';
	if (len && line[len - 1] == '\n')
		line[len - 1] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	*ms = h_now_ms() - t0;
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	int ok = 0, clean = 0, failed = 0;
	char line[256], self[4096];
	double ms, total_ms = 0;
	long k;
	ssize_t n;
	int st;

	if (argc > 2 && !strcmp(argv[1], "child"))
		return child(argv[2]);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		h_fail("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	h_info("allocfail %s (backend %s): must hold: each run succeeds "
	       "or errors cleanly with -ENOMEM; no crash, hang or leak; each "
	       "job once, none before its release. Leak check %s.",
	       mode,
	       getenv("ZCAIO_BACKEND") ? getenv("ZCAIO_BACKEND") : "default",
	       LEAK_CHECK);

	st = run_child(self, mode, 0, line, sizeof(line), &ms);
	if (st == 77)
		h_skip("the engine cannot run here");
	if (st != 0)
		h_fail("the run without a fault failed (status %d): %s", st,
		       line);
	if (sscanf(line, "allocs %ld", &k) != 1 || k <= 0)
		h_fail("no allocation count from the run without a fault: %s",
		       line);
	h_info("without a fault: %s (%.0f ms): K = %ld", line, ms, k);

	for (long i = 1; i <= k + 2; i++) {
		st = run_child(self, mode, i, line, sizeof(line), &ms);
		total_ms += ms;
		h_info("N=%ld: status %d: %s", i, st, line);
		if (st == 0)
			ok++;
		else if (st == EXIT_CLEAN_ERROR)
			clean++;
		else
			failed++;
	}
	h_info("allocfail %s: N = 1..%ld: %d succeeded, %d errored cleanly, "
	       "%d failed, in %.0f ms",
	       mode, k + 2, ok, clean, failed, total_ms);
	H_CHECK(!failed, "%d runs crashed, hung, leaked or broke a rule",
		failed);
	H_CHECK(clean > 0, "no run saw -ENOMEM: the fault hook did not act");
	h_done("allocfail");
}
