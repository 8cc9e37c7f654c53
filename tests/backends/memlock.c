// SPDX-License-Identifier: MIT
/*
 * memlock - as user nobody with RLIMIT_MEMLOCK 64 KiB (root ignores the
 * limit, so the test drops privileges): registering a 1 MiB pool fails
 * with a clear -ENOMEM, and 4 MiB zero-copy jobs from plain memory, which
 * the kernel may refuse to pin (ENOBUFS), still arrive intact, each
 * completing once. Every backend. Needs root to switch users.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "transfer.h"

static void as_nobody(int backend)
{
	struct zc_engine_params p = { .backend = backend };
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	struct zc_engine *e;
	struct zc_pool *pool;
	int ret;

	H_CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0, "setrlimit");
	H_CHECK(setgroups(0, NULL) == 0 && setgid(65534) == 0 &&
			setuid(65534) == 0,
		"cannot become nobody: %s", strerror(errno));
	ret = zc_engine_create(&e, &p);
	if (ret < 0) {
		h_info("backend %d unavailable as nobody (%d): not run",
		       backend, ret);
		_exit(0);
	}
	ret = zc_pool_create(e, H_MIB, &pool);
	if (backend == ZC_BACKEND_URING)
		H_CHECK(ret == -ENOMEM, "1 MiB pool over a 64 KiB memlock: %d",
			ret);
	else if (ret == 0)
		H_OK(zc_pool_destroy(pool));
	H_OK(zc_engine_setopt(e, ZC_OPT_ZC_THRESHOLD, 1));
	transfer(e, 8, 4 * H_MIB, false, zc_engine_backend(e));
	H_OK(zc_engine_destroy(e));
	_exit(0);
}

int main(void)
{
	const int backends[] = { ZC_BACKEND_URING, ZC_BACKEND_MSG_ZEROCOPY };

	h_watchdog(120);
	if (geteuid() != 0)
		h_skip("needs root to switch to user nobody");
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		int st;
		pid_t pid = fork();

		H_CHECK(pid >= 0, "fork");
		if (!pid)
			as_nobody(backends[i]);
		H_CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
		H_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			"backend %d as nobody: status %#x", backends[i], st);
	}
	return 0;
}
