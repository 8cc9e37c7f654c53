// SPDX-License-Identifier: MIT
/*
 * run-poll - polling with zc_engine_run(e, 0): no system call when the
 * ring has nothing new, and still every completion.
 *
 * A read is queued that nothing answers; 10,000 calls of
 * zc_engine_run(e, 0) must enter the kernel (io_uring_enter) at most a
 * few times: nothing is to be submitted and the kernel flags no
 * completion (IORING_SQ_TASKRUN). Counted with the
 * syscalls:sys_enter_io_uring_enter tracepoint through perf_event_open;
 * that part is skipped (with a note) where the tracepoint cannot be
 * opened or the backend is not io_uring. Then the peer writes 32 times
 * and the caller keeps polling, never blocking: each read completes with
 * the peer's bytes, and a write back completes too, within 10 s.
 */
#include "harness.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IDLE_RUNS 10000
#define IDLE_ENTERS_MAX 10
#define ROUNDS 32
#define LEN 100
#define SEED 61

/* A counter of io_uring_enter calls of this thread, or -1. */
static int enter_counter(void)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/events/syscalls/"
		"sys_enter_io_uring_enter/id",
		"/sys/kernel/debug/tracing/events/syscalls/"
		"sys_enter_io_uring_enter/id",
	};
	struct perf_event_attr a = { .type = PERF_TYPE_TRACEPOINT,
				     .size = sizeof(a),
				     .disabled = 1 };
	long long id = -1;

	for (size_t i = 0; i < 2 && id < 0; i++) {
		FILE *f = fopen(paths[i], "re");

		if (f && fscanf(f, "%lld", &id) != 1)
			id = -1;
		if (f)
			fclose(f);
	}
	if (id < 0)
		return -1;
	a.config = (unsigned long long)id;
	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

static void on_done(struct zc_sock *s, const struct zc_result *r, void *ud)
{
	if (r->res <= 0)
		h_fail("job ended: res %zd error %d", r->res, r->error);
	*(bool *)ud = true;
}

/* Polls with zc_engine_run(e, 0) only, at most 10 s. */
static void poll_until(struct zc_engine *e, bool *flag, const char *what)
{
	double end = h_now_ms() + 10000;

	while (!*flag && h_now_ms() < end)
		H_OK(zc_engine_run(e, 0));
	H_CHECK(*flag, "%s: no completion in 10 s of polling", what);
}

static void idle_enters(struct zc_engine *e)
{
	int fd = enter_counter();
	long long n = -1;

	if (strcmp(zc_engine_backend(e), "io_uring")) {
		h_info("note: %s backend, no io_uring_enter to count",
		       zc_engine_backend(e));
		return;
	}
	if (fd < 0) {
		h_info("note: the io_uring_enter tracepoint cannot be opened "
		       "(%s): idle entries not counted",
		       strerror(errno));
		return;
	}
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < IDLE_RUNS; i++)
		H_OK(zc_engine_run(e, 0));
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	H_CHECK(read(fd, &n, sizeof(n)) == sizeof(n), "reading the counter");
	close(fd);
	h_info("%d idle zc_engine_run(e, 0): %lld io_uring_enter", IDLE_RUNS,
	       n);
	H_CHECK(n <= IDLE_ENTERS_MAX,
		"%lld io_uring_enter for %d polls with nothing new", n,
		IDLE_RUNS);
}

int main(void)
{
	uint8_t out[LEN], in[LEN], back[1];
	struct zc_engine *e;
	struct zc_sock *s;
	int sfd, rfd;

	h_watchdog(60);
	e = h_engine(NULL);
	h_tcp_pair(&sfd, &rfd, 0, 0);
	H_OK(zc_sock_attach(e, rfd, &s));
	for (int i = 0; i < ROUNDS; i++) {
		bool got = false, sent = false;

		H_OK(zc_read(s, in, LEN, on_done, &got, NULL));
		H_OK(zc_engine_run(e, 0)); /* the read goes to the kernel */
		if (i == 0)
			idle_enters(e);
		h_fill(out, SEED, (uint64_t)i * LEN, LEN);
		H_CHECK(send(sfd, out, LEN, 0) == LEN, "send: %s",
			strerror(errno));
		poll_until(e, &got, "read");
		H_CHECK(in[0] == out[0], "round %d: wrong bytes", i);
		H_OK(zc_write(s, in, 1, NULL, on_done, &sent, NULL));
		poll_until(e, &sent, "write");
		H_CHECK(recv(sfd, back, 1, 0) == 1 && back[0] == in[0],
			"round %d: the peer did not get the byte written", i);
	}
	H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
	H_OK(zc_engine_destroy(e));
	close(sfd);
	close(rfd);
	h_info("PASS run-poll: %d reads and writes by polling", ROUNDS);
	return 0;
}
