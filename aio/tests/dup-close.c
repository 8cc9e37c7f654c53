// SPDX-License-Identifier: MIT
/*
 * dup-close - closing one descriptor of a socket never ends the connection
 * for the others: after d = dup(a); close(a), and after a descriptor passed
 * with SCM_RIGHTS whose original is closed, writes on the remaining one
 * still work, the peer sees every byte and no end of stream (also once the
 * layer let go of the idle socket); the end comes when the last
 * descriptor is closed.
 */
#include <poll.h>

#include "aiot.h"

#define LEN 65536

/* Nothing more arrives at @b for @ms: no data, no end of stream. */
static void expect_quiet(int b, int ms)
{
	struct pollfd p = { .fd = b, .events = POLLIN };
	int ret = poll(&p, 1, ms);

	if (ret != 0)
		T_FAIL("the peer saw %s", ret > 0 ? "data or the end of stream"
						  : strerror(errno));
}

static void expect_eof(int b)
{
	struct pollfd p = { .fd = b, .events = POLLIN };
	uint8_t one;

	T_ASSERT(poll(&p, 1, 10000) == 1);
	T_ASSERT(read(b, &one, 1) == 0);
}

/* A second descriptor of @fd, made by sending it to ourselves. */
static int pass_fd(int fd)
{
	char c = 0, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	int sv[2], got;

	T_ASSERT(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	T_ASSERT(sendmsg(sv[0], &m, 0) == 1);
	T_ASSERT(recvmsg(sv[1], &m, 0) == 1);
	cm = CMSG_FIRSTHDR(&m);
	T_ASSERT(cm && cm->cmsg_type == SCM_RIGHTS);
	memcpy(&got, CMSG_DATA(cm), sizeof(int));
	close(sv[0]);
	close(sv[1]);
	return got;
}

static void one_way(int how)
{
	static uint8_t buf[LEN];
	int a, b, d;

	/* Room for every byte at the peer: a write (a zero-copy probe of
	 * tx_zcopy auto) completes only once the peer acknowledged it. */
	t_pair_opts(&a, &b, 0, 1 << 20);
	t_aio_write_all(a, buf, LEN, 0, 51);
	d = how ? pass_fd(a) : dup(a);
	T_ASSERT(d >= 0);
	T_ASSERT(!close(a));
	t_aio_write_all(d, buf, LEN, LEN, 51);
	t_read_check(b, 2 * LEN, 0, 51);
	/* The layer lets idle sockets go after 200 ms: still no end. */
	expect_quiet(b, 600);
	t_aio_write_all(d, buf, LEN, 2 * LEN, 51);
	t_read_check(b, LEN, 2 * LEN, 51);
	expect_quiet(b, 100);
	T_ASSERT(!close(d));
	expect_eof(b);
	close(b);
}

int main(void)
{
	t_layer(60);
	one_way(0);
	one_way(1);
	printf("ok: dup and SCM_RIGHTS: the other descriptor keeps the "
	       "connection\n");
	return 0;
}
