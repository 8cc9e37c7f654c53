// SPDX-License-Identifier: MIT
/*
 * number-reuse - the layer serves a socket under a descriptor number; the
 * program closes it (close, dup2 over it, fclose of an fdopen stream,
 * close_range) and the number comes back for a new connection at once.
 * AIO on the number then reaches the new connection, never the old one:
 * the new peer gets the bytes, the old peer nothing.
 */
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>

#include "aiot.h"

#define LEN 4096

/* How the program lets go of @fd. */
static void let_go(int how, int fd)
{
	FILE *f;
	int null;

	switch (how) {
	case 0:
		T_ASSERT(!close(fd));
		break;
	case 1: /* the number stays open, naming /dev/null for a moment */
		null = open("/dev/null", O_RDONLY);
		T_ASSERT(null >= 0);
		T_ASSERT(dup2(null, fd) == fd);
		close(null);
		T_ASSERT(!close(fd));
		break;
	case 2:
		f = fdopen(fd, "r+");
		T_ASSERT(f);
		T_ASSERT(!fclose(f));
		break;
	case 3:
		T_ASSERT(!close_range((unsigned)fd, (unsigned)fd, 0));
		break;
	}
}

int main(void)
{
	static uint8_t buf[LEN];
	static const char *names[] = { "close", "dup2", "fclose",
				       "close_range" };
	int how;

	t_layer(60);
	for (how = 0; how < 4; how++) {
		struct pollfd p;
		int a, b, c, d;

		t_pair(&a, &b);
		t_aio_write_all(a, buf, LEN, 0, 95);
		t_read_check(b, LEN, 0, 95);
		let_go(how, a);
		t_pair(&c, &d);
		if (c != a) { /* put the new connection under the number */
			T_ASSERT(dup2(c, a) == a);
			close(c);
			c = a;
		}
		t_aio_write_all(c, buf, LEN, 0, 96);
		t_read_check(d, LEN, 0, 96);
		p = (struct pollfd){ .fd = b, .events = POLLIN };
		T_ASSERT(poll(&p, 1, 100) >= 0);
		if (p.revents & POLLIN) {
			uint8_t one;
			ssize_t n = recv(b, &one, 1, MSG_DONTWAIT);

			if (n > 0)
				T_FAIL("%s: the old peer got bytes meant for "
				       "the new connection",
				       names[how]);
		}
		close(b);
		close(c);
		close(d);
	}
	printf("ok: a reused descriptor number reaches the new connection\n");
	return 0;
}
