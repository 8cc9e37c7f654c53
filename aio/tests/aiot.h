/* SPDX-License-Identifier: MIT */
/*
 * aiot.h - helpers for the AIO layer's tests. Every test is a plain
 * <aio.h> program built twice: with -include zcaio-aio-names.h against
 * libzcaio-aio (the zc_aio_* names), and as is, run under LD_PRELOAD of
 * libzcaio-aio-preload.so. Exit 0 pass, 1 fail, 77 skip.
 */
#ifndef AIOT_H
#define AIOT_H

#include <aio.h>
#include <stdbool.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define T_FAIL(...)                                                       \
	do {                                                              \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);      \
		fprintf(stderr, __VA_ARGS__);                             \
		fputc('\n', stderr);                                      \
		exit(1);                                                  \
	} while (0)
#define T_ASSERT(c)                                                       \
	do {                                                              \
		if (!(c))                                                 \
			T_FAIL("%s (errno %d %s)", #c, errno,             \
			       strerror(errno));                          \
	} while (0)
#define T_SKIP(...)                                                       \
	do {                                                              \
		printf("skip: ");                                         \
		printf(__VA_ARGS__);                                      \
		putchar('\n');                                            \
		exit(77);                                                 \
	} while (0)

/* The layer must be the one answering, not glibc. */
static inline void t_layer(unsigned int watchdog_s)
{
#ifndef ZCAIO_AIO_NAMES_H
	Dl_info info;

	if (!dladdr((void *)aio_read, &info) || !info.dli_fname ||
	    !strstr(info.dli_fname, "zcaio-aio-preload"))
		T_FAIL("aio_read is not the preload library's (run me with "
		       "LD_PRELOAD=libzcaio-aio-preload.so)");
#endif
	alarm(watchdog_s);
}

static inline void t_pair_opts(int *a, int *b, int sndbuf, int rcvbuf)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_ASSERT(l >= 0);
	if (rcvbuf)
		T_ASSERT(!setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				     sizeof(rcvbuf)));
	T_ASSERT(!bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	T_ASSERT(!listen(l, 1));
	T_ASSERT(!getsockname(l, (struct sockaddr *)&sa, &len));
	*a = socket(AF_INET, SOCK_STREAM, 0);
	T_ASSERT(*a >= 0);
	if (sndbuf)
		T_ASSERT(!setsockopt(*a, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				     sizeof(sndbuf)));
	T_ASSERT(!connect(*a, (struct sockaddr *)&sa, sizeof(sa)));
	*b = accept(l, NULL, NULL);
	T_ASSERT(*b >= 0);
	close(l);
}

static inline void t_pair(int *a, int *b)
{
	t_pair_opts(a, b, 0, 0);
}

/* The stream's byte at @off, for stream number @seed. */
static inline uint8_t t_byte(uint64_t off, unsigned int seed)
{
	uint64_t x = off * 0x9E3779B97F4A7C15ULL + seed;

	return (uint8_t)(x >> 56 ^ x >> 21);
}

static inline void t_fill(void *p, size_t len, uint64_t off,
			  unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		((uint8_t *)p)[i] = t_byte(off + i, seed);
}

static inline void t_check(const void *p, size_t len, uint64_t off,
			   unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		if (((const uint8_t *)p)[i] != t_byte(off + i, seed))
			T_FAIL("stream %u: byte %llu is wrong", seed,
			       (unsigned long long)(off + i));
}

static inline void t_setup(struct aiocb *cb, int fd, void *buf, size_t len)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_buf = buf;
	cb->aio_nbytes = len;
	cb->aio_sigevent.sigev_notify = SIGEV_NONE;
}

static inline double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* aio_error() once done, or EINPROGRESS after @ms milliseconds. */
static inline int t_wait(struct aiocb *cb, int ms)
{
	const struct aiocb *list[1] = { cb };
	double end = t_now() + ms / 1e3;
	int err;

	while ((err = aio_error(cb)) == EINPROGRESS && t_now() < end) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		aio_suspend(list, 1, &ts);
	}
	return err;
}

/* One aio_write() of @len pattern bytes at stream offset @off, waited for:
 * it must complete whole. */
static inline void t_aio_write_all(int fd, uint8_t *buf, size_t len,
				   uint64_t off, unsigned int seed)
{
	struct aiocb cb;

	t_fill(buf, len, off, seed);
	t_setup(&cb, fd, buf, len);
	if (aio_write(&cb))
		T_FAIL("aio_write at %llu: %s", (unsigned long long)off,
		       strerror(errno));
	if (t_wait(&cb, 10000) != 0)
		T_FAIL("write at %llu: %s", (unsigned long long)off,
		       strerror(aio_error(&cb)));
	if (aio_return(&cb) != (ssize_t)len)
		T_FAIL("write at %llu: short", (unsigned long long)off);
}

/* Read exactly @len bytes with plain read(2), checking them. */
static inline void t_read_check(int fd, size_t len, uint64_t off,
				unsigned int seed)
{
	static uint8_t buf[65536];

	while (len) {
		ssize_t n = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf));

		if (n <= 0)
			T_FAIL("read: %zd (%s), %zu bytes missing", n,
			       strerror(errno), len);
		t_check(buf, (size_t)n, off, seed);
		off += (uint64_t)n;
		len -= (size_t)n;
	}
}

#endif /* AIOT_H */
