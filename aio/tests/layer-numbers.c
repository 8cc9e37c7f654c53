// SPDX-License-Identifier: MIT
/*
 * layer-numbers - the layer's own descriptors (its duplicates of sockets,
 * its ring, its wake socket) are not the program's: a dup2() of another
 * connection onto one of them fails EBUSY and a close() of one EBADF, so
 * AIO traffic never goes to the wrong connection. Linked to zc_aio_* the
 * layer cannot see dup2(): skipped there.
 */
#include <dirent.h>
#include <poll.h>

#include "aiot.h"

#define MAXFD (1 << 21)

static void open_fds(uint8_t *map)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	T_ASSERT(d);
	memset(map, 0, MAXFD);
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] >= '0' && de->d_name[0] <= '9' &&
		    fd != dirfd(d) && fd < MAXFD)
			map[fd] = 1;
	}
	closedir(d);
}

int main(void)
{
	static uint8_t before[MAXFD], after[MAXFD], rb[64], wb[64];
	struct aiocb r;
	struct pollfd p;
	int a, b, c, d, fd, n = 0;

#ifdef ZCAIO_AIO_NAMES_H
	T_SKIP("linked to zc_aio_*: the layer does not see dup2()");
#endif
	t_layer(60);
	t_pair(&a, &b);
	t_pair(&c, &d);
	open_fds(before);
	t_setup(&r, a, rb, sizeof(rb)); /* keeps a's entry alive */
	T_ASSERT(!aio_read(&r));
	t_aio_write_all(a, wb, sizeof(wb), 0, 98);
	t_read_check(b, sizeof(wb), 0, 98);
	open_fds(after);
	for (fd = 0; fd < MAXFD; fd++) {
		if (!after[fd] || before[fd])
			continue;
		n++;
		errno = 0;
		if (dup2(c, fd) != -1 || errno != EBUSY)
			T_FAIL("dup2 onto the layer's descriptor %d: %s", fd,
			       strerror(errno));
		if (close(fd) != -1 || errno != EBADF)
			T_FAIL("close of the layer's descriptor %d: %s", fd,
			       strerror(errno));
	}
	T_ASSERT(n > 0);
	t_aio_write_all(a, wb, sizeof(wb), sizeof(wb), 98);
	t_read_check(b, sizeof(wb), sizeof(wb), 98);
	p = (struct pollfd){ .fd = d, .events = POLLIN };
	T_ASSERT(poll(&p, 1, 100) == 0); /* nothing went to c's peer */
	T_ASSERT(write(b, "z", 1) == 1);
	T_ASSERT(t_wait(&r, 10000) == 0 && aio_return(&r) == 1);
	close(a);
	close(b);
	close(c);
	close(d);
	printf("ok: %d descriptors of the layer kept from the program\n", n);
	return 0;
}
