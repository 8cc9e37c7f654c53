// SPDX-License-Identifier: MIT
/*
 * fork - a forked child must not drive its parent's engine.
 *
 * The parent has writes in flight when it forks. The child calls the API
 * on the inherited engine and socket: every call that would submit, change
 * or tear down must return -ECHILD (a child submitting on the parent's ring
 * desynchronised it and lost a job before). The parent's jobs, queued
 * before and after the fork, complete once each and the stream is intact.
 */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NJOBS 8
#define JOB (1 * H_MIB)
#define SEED 121

static int child_cb_calls;

static void child_cb(struct zc_sock *s, const struct zc_result *r, void *arg)
{
	child_cb_calls++;
}

static void child_close_cb(struct zc_sock *s, int error, void *arg)
{
	child_cb_calls++;
}

static int child_bad;

static void expect_echild(const char *call, long ret)
{
	if (ret == -ECHILD)
		return;
	h_info("child: %s = %ld (%s), want -ECHILD", call, ret,
	       zc_strerror((int)ret));
	child_bad++;
}

#define CHILD_EXPECT(call) expect_echild(#call, (long)(call))

static void child(struct zc_engine *e, struct zc_sock *s, uint64_t id)
{
	static uint8_t buf[4096];
	struct zc_pool *pool = NULL;
	struct zc_sock *s2 = NULL;
	struct zc_stats st;
	uint64_t v;
	int fd;

	/* Whatever happens, do not hang the parent's waitpid(). */
	alarm(10);
	memset(buf, H_GARBAGE, sizeof(buf));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	CHILD_EXPECT(zc_write(s, buf, sizeof(buf), NULL, child_cb, NULL, NULL));
	CHILD_EXPECT(zc_read(s, buf, sizeof(buf), child_cb, NULL, NULL));
	CHILD_EXPECT(zc_engine_run(e, 0));
	CHILD_EXPECT(zc_engine_run(e, 10));
	CHILD_EXPECT(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, ZC_TX_OFF));
	CHILD_EXPECT(zc_sock_setopt(s, ZC_OPT_TX_ZCOPY, ZC_TX_OFF));
	CHILD_EXPECT(zc_cancel(s, id));
	CHILD_EXPECT(zc_pool_create(e, 4096, &pool));
	CHILD_EXPECT(zc_sock_attach(e, fd, &s2));
	/* These two would hurt the parent most: a shutdown or a reset of the
	 * shared connection. */
	CHILD_EXPECT(zc_sock_abort(s));
	CHILD_EXPECT(zc_sock_close(s, child_close_cb, NULL));
	CHILD_EXPECT(zc_engine_destroy(e));
	/* Read-only calls: reported, not required. */
	h_info("child: zc_engine_stats = %d, zc_engine_getopt = %d, "
	       "zc_engine_pending = %d, zc_engine_fd = %d",
	       zc_engine_stats(e, &st), zc_engine_getopt(e, 1, &v),
	       zc_engine_pending(e), zc_engine_fd(e));
	if (child_cb_calls) {
		h_info("child: %d callbacks ran in the child", child_cb_calls);
		child_bad++;
	}
	_exit(child_bad ? 1 : 0);
}

static struct {
	uint8_t *mem;
	struct h_jobs jobs;
	int err;
} g;

static void queue_job(struct zc_sock *s, int idx)
{
	uint8_t *slot = g.mem + (size_t)(idx % 4) * JOB;
	int ret;

	h_fill(slot, SEED, (uint64_t)idx * JOB, JOB);
	ret = h_write(&g.jobs, idx, s, slot, JOB, NULL);
	if (ret < 0 && !g.err)
		g.err = ret;
}

static void on_done(struct h_job *j, struct zc_sock *s)
{
	if (j->idx + 4 < NJOBS)
		queue_job(s, j->idx + 4);
}

int main(void)
{
	struct h_rx rx = { .seed = SEED, .stall_ms = 200 };
	struct zc_engine *e;
	struct zc_sock *s;
	int sfd, rfd, status = 0;
	double deadline;
	pid_t pid, w;

	h_watchdog(60);
	e = h_engine(NULL);
	h_engine_mode(e, "on");
	g.mem = h_alloc(4 * JOB);
	h_jobs_init(&g.jobs, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		g.jobs.job[i].on_done = on_done;
	h_tcp_pair(&sfd, &rfd, 65536, 0);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	for (int i = 0; i < 4; i++)
		queue_job(s, i);
	if (g.err)
		h_fail("zc_write: %d (%s)", g.err, zc_strerror(g.err));
	h_run_for(e, 50);

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		h_fail("fork: %s", strerror(errno));
	if (pid == 0)
		child(e, s, g.jobs.job[3].id);

	/* Keep driving the engine while the child pokes at it. */
	deadline = h_now_ms() + 15000;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
		H_CHECK(h_now_ms() < deadline, "child still running after 15 s");
		H_OK(zc_engine_run(e, 5));
	}
	H_CHECK(w == pid, "waitpid: %s", strerror(errno));
	H_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"child: %s %d (its calls must all return -ECHILD)",
		WIFEXITED(status) ? "exit" : "signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));

	H_CHECK(h_run_jobs(e, &g.jobs, 30000) >= 0,
		"parent: only %d of %d jobs completed after the fork",
		g.jobs.done, NJOBS);
	if (g.err)
		h_fail("zc_write after the fork: %d (%s)", g.err,
		       zc_strerror(g.err));
	h_run_for(e, 20);
	h_jobs_expect_once(&g.jobs, "parent");
	h_jobs_expect_order(&g.jobs, "parent");
	for (int i = 0; i < NJOBS; i++)
		H_CHECK(g.jobs.job[i].r.res == (ssize_t)JOB &&
				!g.jobs.job[i].r.error,
			"job %d: res %zd error %d", i, g.jobs.job[i].r.res,
			g.jobs.job[i].r.error);
	H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
	close(sfd);
	h_rx_join(&rx, 20000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, "parent");
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(rfd);
	h_free(g.mem, 4 * JOB);
	h_jobs_free(&g.jobs);
	h_info("PASS fork");
	return 0;
}
