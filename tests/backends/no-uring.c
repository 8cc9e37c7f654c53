// SPDX-License-Identifier: MIT
/*
 * no-uring PROGRAM [ARGS...] - run a test with io_uring_setup() failing
 * with EPERM (a seccomp filter, as a container's default profile does), so
 * the engine must fall back to another backend and the test still pass.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "seccomp.h"

int main(int argc, char **argv)
{
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: no-uring PROGRAM [ARGS...]\n");
		return 1;
	}
	ret = block_io_uring();
	if (ret < 0) {
		printf("SKIP: cannot install a seccomp filter: %s\n",
		       strerror(-ret));
		return 77;
	}
	execv(argv[1], argv + 1);
	perror("execv");
	return 1;
}
