// SPDX-License-Identifier: MIT
/*
 * fork-handoff - a parent that used a socket with AIO forks and closes its
 * copy, the child goes on writing with AIO: the peer gets every byte of
 * both and the end of stream only when the child closes. The child holds
 * no descriptor of the layer (its duplicates, its ring, its wake socket):
 * every descriptor open in it is one the program opened itself. And the
 * parent, once the layer let go of the idle socket, holds no descriptor of
 * it any more (the layer's duplicate is gone: one descriptor per socket
 * while idle).
 */
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "aiot.h"

#define LEN 65536
#define MAXFD (1 << 21) /* the layer puts its own high up */

/* The descriptors open here (but the directory's own), as a bitmap. */
static int open_fds(uint8_t *map, int n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int count = 0;

	T_ASSERT(d);
	memset(map, 0, (size_t)n);
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    fd == dirfd(d))
			continue;
		if (fd >= n)
			T_FAIL("descriptor %d open", fd);
		map[fd] = 1;
		count++;
	}
	closedir(d);
	return count;
}

/* Whether a descriptor open here is the socket with inode @ino. */
static bool holds(ino_t ino)
{
	static uint8_t now[MAXFD];
	struct stat st;

	open_fds(now, sizeof(now));
	for (int fd = 0; fd < (int)sizeof(now); fd++)
		if (now[fd] && !fstat(fd, &st) && st.st_ino == ino)
			return true;
	return false;
}

/* Every descriptor open is one in @mine; say which is not. */
static void only_mine(const uint8_t *mine, const char *who)
{
	static uint8_t now[MAXFD];
	char path[64], link[128];

	open_fds(now, sizeof(now));
	for (int fd = 0; fd < (int)sizeof(now); fd++) {
		ssize_t len;

		if (!now[fd] || mine[fd])
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, link, sizeof(link) - 1);
		link[len > 0 ? len : 0] = 0;
		T_FAIL("%s: descriptor %d (%s) is not the program's", who, fd,
		       link);
	}
}

int main(void)
{
	static uint8_t buf[LEN], mine[MAXFD];
	struct stat sa;
	int a, b, st;
	double end;
	pid_t pid;

	t_layer(60);
	t_pair(&a, &b);
	T_ASSERT(!fstat(a, &sa));
	open_fds(mine, sizeof(mine)); /* before the layer saw anything */
	t_aio_write_all(a, buf, LEN, 0, 61);
	t_read_check(b, LEN, 0, 61);
	pid = fork();
	T_ASSERT(pid >= 0);
	if (!pid) {
		only_mine(mine, "child");
		close(b);
		for (int i = 1; i <= 4; i++)
			t_aio_write_all(a, buf, LEN, (uint64_t)i * LEN, 61);
		close(a);
		_exit(0);
	}
	close(a);
	t_read_check(b, 4 * LEN, LEN, 61);
	T_ASSERT(waitpid(pid, &st, 0) == pid);
	T_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	{
		uint8_t one;

		T_ASSERT(read(b, &one, 1) == 0);
	}
	/* The parent's layer lets the idle socket go: no copy of it left. */
	end = t_now() + 10;
	while (holds(sa.st_ino) && t_now() < end)
		usleep(20 * 1000);
	if (holds(sa.st_ino))
		T_FAIL("the parent still holds the socket it closed");
	close(b);
	printf("ok: fork hand-off; no descriptor of the layer in the child\n");
	return 0;
}
