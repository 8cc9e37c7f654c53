// SPDX-License-Identifier: MIT
/*
 * optmem - net.core.optmem_max = 2048 in a network namespace of the
 * test's own: MSG_ZEROCOPY's per-send state no longer fits, sendmsg fails
 * with ENOBUFS, and the library must drain, retry or copy: every job once,
 * the stream intact, no hang. Needs root (or CAP_SYS_ADMIN); skips
 * otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transfer.h"

#define OPTMEM "/proc/sys/net/core/optmem_max"

static long read_long(const char *path)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

static int write_long(const char *path, long v)
{
	char buf[64];
	int fd = open(path, O_WRONLY);
	int len = snprintf(buf, sizeof(buf), "%ld\n", v);
	int ok = fd >= 0 && write(fd, buf, (size_t)len) == len;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	strcpy(ifr.ifr_name, "lo");
	H_CHECK(fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0, "lo flags");
	ifr.ifr_flags |= IFF_UP;
	H_CHECK(ioctl(fd, SIOCSIFFLAGS, &ifr) == 0, "lo up: %s",
		strerror(errno));
	close(fd);
}

int main(void)
{
	int host = open("/proc/self/ns/net", O_RDONLY);
	long host_optmem = read_long(OPTMEM);
	const int backends[] = { ZC_BACKEND_MSG_ZEROCOPY, ZC_BACKEND_URING };

	h_watchdog(120);
	if (host < 0 || unshare(CLONE_NEWNET) < 0)
		h_skip("cannot make a network namespace: %s", strerror(errno));
	lo_up();
	if (write_long(OPTMEM, 2048) < 0)
		h_skip("cannot set optmem_max in the namespace");
	/* Only where the setting is the namespace's own: never the host's. */
	H_CHECK(setns(host, CLONE_NEWNET) == 0, "setns");
	if (read_long(OPTMEM) != host_optmem) {
		write_long(OPTMEM, host_optmem);
		h_skip("optmem_max is not per network namespace here");
	}
	H_CHECK(unshare(CLONE_NEWNET) == 0, "unshare");
	lo_up();
	H_CHECK(write_long(OPTMEM, 2048) == 0, "optmem_max");

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		struct zc_engine_params p = { .backend = backends[i] };
		struct zc_engine *e;
		int ret = zc_engine_create(&e, &p);

		if (ret < 0) {
			h_info("backend %d unavailable (%d): not run",
			       p.backend, ret);
			continue;
		}
		H_OK(zc_engine_setopt(e, ZC_OPT_ZC_THRESHOLD, 1));
		transfer(e, 16, 4 * H_MIB, false, zc_engine_backend(e));
		transfer(e, 64, 64 * H_KIB, false, zc_engine_backend(e));
		H_OK(zc_engine_destroy(e));
	}
	return 0;
}
