// SPDX-License-Identifier: MIT
/*
 * lib-send - raw-uring's workload through libzcaio: nbufs write jobs of
 * msg bytes kept queued on one socket, each buffer queued again from its
 * completion callback (completion means the kernel released it). The
 * library keeps one send in flight and waits for the releases itself.
 *
 * Modes: copy (tx_zcopy off), zc (on, plain memory), zc-fixed (on, the
 * buffers inside a registered pool), auto. -b BACKEND (io_uring,
 * msg_zerocopy, copy, auto) picks the engine's backend; without it,
 * ZCAIO_BACKEND or the best one. Prints one line (see bench.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zcaio.h>

#include "bench.h"

struct lib {
	struct bench_cfg cfg;
	struct zc_sock *sock;
	struct zc_write_opts opts;
	uint64_t bytes;
	unsigned int in_flight;
	double end;
	bool stop;
	int error;
};

static void on_write(struct zc_sock *s, const struct zc_result *res, void *ud)
{
	struct lib *l = ud;
	int ret;

	l->in_flight--;
	if (res->res > 0)
		l->bytes += res->res;
	if (res->error || res->res != (ssize_t)res->len) {
		l->error = res->error ? res->error : -EIO;
		l->stop = true;
	}
	if (!l->stop && bench_now() >= l->end)
		l->stop = true;
	if (l->stop)
		return;
	ret = zc_write(s, res->buf, res->len, &l->opts, on_write, l, NULL);
	if (ret < 0) {
		l->error = ret;
		l->stop = true;
		return;
	}
	l->in_flight++;
}

static void on_close(struct zc_sock *s, int error, void *ud)
{
	(void)s;
	(void)error;
	*(bool *)ud = true;
}

static int setup(struct lib *l, struct zc_engine *e, char **mem)
{
	static const int tx[] = {
		[BENCH_COPY] = ZC_TX_OFF,
		[BENCH_ZC] = ZC_TX_ON,
		[BENCH_ZC_FIXED] = ZC_TX_ON,
		[BENCH_AUTO] = ZC_TX_AUTO,
	};
	struct zc_pool *pool = NULL;
	int ret;

	ret = zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, tx[l->cfg.mode]);
	if (ret < 0)
		return ret;
	if (l->cfg.mode == BENCH_ZC_FIXED) {
		ret = zc_pool_create(e, l->cfg.msg * l->cfg.nbufs, &pool);
		if (ret < 0)
			return ret;
		/* Same bytes as bench_alloc()'s, now in pinned memory. */
		memcpy(zc_pool_base(pool), *mem, l->cfg.msg * l->cfg.nbufs);
		*mem = zc_pool_base(pool);
	}
	l->opts = (struct zc_write_opts){ .tx_zcopy = ZC_TX_INHERIT,
					  .pool = pool };
	return 0;
}

/*
 * From the first job to the last completion (the last release). Not
 * inlined, so that callgrind --toggle-collect=run can count it alone.
 */
static void __attribute__((noinline))
run(struct lib *l, struct zc_engine *e, char *mem)
{
	double limit;
	unsigned int i;
	int ret;

	l->end = bench_now() + l->cfg.secs;
	limit = l->end + 30; /* a release that never comes */
	for (i = 0; i < l->cfg.nbufs; i++) {
		ret = zc_write(l->sock, mem + (size_t)i * l->cfg.msg,
			       l->cfg.msg, &l->opts, on_write, l, NULL);
		if (ret < 0) {
			l->error = ret;
			l->stop = true;
			break;
		}
		l->in_flight++;
	}
	while (l->in_flight) {
		ret = zc_engine_run(e, 1000);
		if (ret >= 0 && bench_now() > limit)
			ret = -ETIMEDOUT;
		if (ret < 0) {
			l->error = ret;
			break;
		}
	}
}

int main(int argc, char **argv)
{
	struct lib l = { 0 };
	struct bench_conn conn;
	struct zc_engine_params params = { 0 };
	struct zc_engine *e;
	struct zc_stats st;
	char extra[224];
	struct bench_usage t0, t1;
	double t_close;
	bool closed = false;
	const char *backend;
	char *mem, *heap;
	int ret;

	bench_parse(argc, argv, &l.cfg, "lib-send",
		    1U << BENCH_COPY | 1U << BENCH_ZC | 1U << BENCH_ZC_FIXED |
			    1U << BENCH_AUTO);
	if (l.cfg.backend) {
		params.backend = bench_backend_of(l.cfg.backend);
		if (params.backend < 0) {
			fprintf(stderr, "lib-send: unknown backend %s\n",
				l.cfg.backend);
			return 2;
		}
	}
	mem = heap = bench_alloc(&l.cfg);
	if (!mem)
		return 1;
	/* Fork the receiver before the engine exists: it must not share it. */
	ret = bench_connect(&l.cfg, &conn);
	if (ret < 0) {
		fprintf(stderr, "lib-send: connect: %s\n", strerror(-ret));
		return 1;
	}
	ret = zc_engine_create(&e, l.cfg.backend ? &params : NULL);
	if (ret < 0) {
		fprintf(stderr, "lib-send: engine: %s\n", zc_strerror(ret));
		return 1;
	}
	backend = zc_engine_backend(e);
	ret = setup(&l, e, &mem);
	if (ret == 0)
		ret = zc_sock_attach(e, conn.fd, &l.sock);
	if (ret < 0) {
		fprintf(stderr, "lib-send: setup: %s\n", zc_strerror(ret));
		return 1;
	}

	bench_usage(&l.cfg, &t0);
	run(&l, e, mem);
	bench_usage(&l.cfg, &t1);
	t_close = bench_now() + 30;

	zc_sock_stats(l.sock, &st);
	if (l.error)
		zc_sock_abort(l.sock);
	ret = zc_sock_close(l.sock, on_close, &closed);
	while (ret >= 0 && !closed && bench_now() < t_close)
		ret = zc_engine_run(e, 1000);
	if (ret >= 0 && !closed)
		ret = -ETIMEDOUT;
	if (ret < 0 && !l.error)
		l.error = ret;
	ret = bench_finish(&conn, l.bytes);
	/* Destroy before the fd goes: it waits for any page still held. */
	zc_engine_destroy(e);
	close(conn.fd);
	free(heap);
	if (l.error || ret) {
		fprintf(stderr, "lib-send: %s\n",
			zc_strerror(l.error ? l.error : ret));
		return 1;
	}
	snprintf(extra, sizeof(extra),
		 "backend=%s sends=%llu short=%llu zc_mib=%llu "
		 "zc_copied_mib=%llu "
		 "copied_mib=%llu",
		 backend, (unsigned long long)st.sends,
		 (unsigned long long)st.short_sends,
		 (unsigned long long)(st.bytes_zc >> 20),
		 (unsigned long long)(st.bytes_zc_copied >> 20),
		 (unsigned long long)(st.bytes_copied >> 20));
	bench_report("lib", &l.cfg, l.bytes, &t0, &t1, extra);
	return 0;
}
