// SPDX-License-Identifier: MIT
/*
 * vfork-close - a vfork() child closes its copy of a socket before exec:
 * that is the child's descriptor table, not the parent's, so the parent's
 * pending read goes on and gets the peer's bytes.
 */
#include <sys/wait.h>

#include "aiot.h"

int main(void)
{
	struct aiocb r;
	uint8_t buf[16];
	int a, b, st;
	pid_t pid;

	t_layer(30);
	t_pair(&a, &b);
	t_setup(&r, a, buf, sizeof(buf));
	T_ASSERT(!aio_read(&r));
	pid = vfork();
	T_ASSERT(pid >= 0);
	if (!pid) {
		close(a);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	T_ASSERT(waitpid(pid, &st, 0) == pid);
	T_ASSERT(write(b, "for-parent", 10) == 10);
	T_ASSERT(t_wait(&r, 10000) == 0);
	T_ASSERT(aio_return(&r) == 10 && !memcmp(buf, "for-parent", 10));
	close(a);
	close(b);
	printf("ok: a vfork child's close left the parent's read alone\n");
	return 0;
}
