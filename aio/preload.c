// SPDX-License-Identifier: MIT
/*
 * preload.c - libzcaio-aio-preload.so: the standard aio_* names (and their
 * *64 twins, the same functions on 64-bit) for unmodified programs under
 * LD_PRELOAD. Stream sockets go to the layer; everything else reaches
 * glibc's own functions, found with dlsym(RTLD_NEXT).
 *
 * close(), dup2(), dup3(), close_range(), closefrom() and fclose() are
 * interposed too (a raw close system call is not seen), so the
 * layer learns at once that a socket's descriptor number is about to be
 * reused (see service.c for what happens to the requests still pending on
 * it), and can trust its table without a check per request.
 */
/* The plain names, not their _FILE_OFFSET_BITS=64 redirections. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <linux/close_range.h>
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define ZC_AIO_API __attribute__((visibility("default")))

static struct zc__aio_real zc__aio_next;
static pthread_once_t zc__aio_next_once = PTHREAD_ONCE_INIT;

static void zc__aio_next_init(void)
{
	struct zc__aio_real r = {
		.read = dlsym(RTLD_NEXT, "aio_read"),
		.write = dlsym(RTLD_NEXT, "aio_write"),
		.fsync = dlsym(RTLD_NEXT, "aio_fsync"),
		.error = dlsym(RTLD_NEXT, "aio_error"),
		.ret = dlsym(RTLD_NEXT, "aio_return"),
		.suspend = dlsym(RTLD_NEXT, "aio_suspend"),
		.cancel = dlsym(RTLD_NEXT, "aio_cancel"),
		.listio = dlsym(RTLD_NEXT, "lio_listio"),
		.sees_close = true,
	};

	zc__aio_next = r;
}

/* NULL when glibc's AIO cannot be found: then only sockets work. */
static const struct zc__aio_real *zc__aio_real(void)
{
	pthread_once(&zc__aio_next_once, zc__aio_next_init);
	return &zc__aio_next;
}

ZC_AIO_API int aio_read(struct aiocb *cb)
{
	const struct zc__aio_real *r = zc__aio_real();

	if (!r->read)
		return errno = ENOSYS, -1;
	return zc__aio_submit(r, cb, LIO_READ, NULL);
}

ZC_AIO_API int aio_write(struct aiocb *cb)
{
	const struct zc__aio_real *r = zc__aio_real();

	if (!r->write)
		return errno = ENOSYS, -1;
	return zc__aio_submit(r, cb, LIO_WRITE, NULL);
}

ZC_AIO_API int aio_fsync(int op, struct aiocb *cb)
{
	const struct zc__aio_real *r = zc__aio_real();

	if (!r->fsync)
		return errno = ENOSYS, -1;
	return zc__aio_fsync(r, op, cb);
}

ZC_AIO_API int aio_error(const struct aiocb *cb)
{
	const struct zc__aio_real *r = zc__aio_real();

	if (!r->error)
		return errno = ENOSYS, -1;
	return zc__aio_error(r, cb);
}

ZC_AIO_API ssize_t aio_return(struct aiocb *cb)
{
	const struct zc__aio_real *r = zc__aio_real();

	if (!r->ret)
		return errno = ENOSYS, -1;
	return zc__aio_return(r, cb);
}

ZC_AIO_API int aio_suspend(const struct aiocb *const list[], int n,
			   const struct timespec *timeout)
{
	const struct zc__aio_real *r = zc__aio_real();

	if (!r->suspend)
		return errno = ENOSYS, -1;
	return zc__aio_suspend(r, list, n, timeout);
}

ZC_AIO_API int aio_cancel(int fd, struct aiocb *cb)
{
	const struct zc__aio_real *r = zc__aio_real();

	if (!r->cancel)
		return errno = ENOSYS, -1;
	return zc__aio_cancel(r, fd, cb);
}

ZC_AIO_API int lio_listio(int mode, struct aiocb *const list[], int n,
			  struct sigevent *sev)
{
	const struct zc__aio_real *r = zc__aio_real();

	if (!r->listio)
		return errno = ENOSYS, -1;
	return zc__aio_listio(r, mode, list, n, sev);
}

/* With _FILE_OFFSET_BITS=64 <aio.h> calls these; same layout on 64-bit. */
ZC_AIO_API int aio_read64(struct aiocb64 *cb)
{
	return aio_read((struct aiocb *)cb);
}

ZC_AIO_API int aio_write64(struct aiocb64 *cb)
{
	return aio_write((struct aiocb *)cb);
}

ZC_AIO_API int aio_fsync64(int op, struct aiocb64 *cb)
{
	return aio_fsync(op, (struct aiocb *)cb);
}

ZC_AIO_API int aio_error64(const struct aiocb64 *cb)
{
	return aio_error((const struct aiocb *)cb);
}

ZC_AIO_API ssize_t aio_return64(struct aiocb64 *cb)
{
	return aio_return((struct aiocb *)cb);
}

ZC_AIO_API int aio_suspend64(const struct aiocb64 *const list[], int n,
			     const struct timespec *timeout)
{
	return aio_suspend((const struct aiocb *const *)list, n, timeout);
}

ZC_AIO_API int aio_cancel64(int fd, struct aiocb64 *cb)
{
	return aio_cancel(fd, (struct aiocb *)cb);
}

ZC_AIO_API int lio_listio64(int mode, struct aiocb64 *const list[], int n,
			    struct sigevent *sev)
{
	return lio_listio(mode, (struct aiocb *const *)list, n, sev);
}

static struct {
	int (*close)(int fd);
	int (*dup2)(int fd, int fd2);
	int (*dup3)(int fd, int fd2, int flags);
	int (*close_range)(unsigned int first, unsigned int last, int flags);
	int (*fclose)(FILE *fp);
} zc__aio_fdcalls;

static void zc__aio_fdcalls_init(void)
{
	zc__aio_fdcalls.close = dlsym(RTLD_NEXT, "close");
	zc__aio_fdcalls.dup2 = dlsym(RTLD_NEXT, "dup2");
	zc__aio_fdcalls.dup3 = dlsym(RTLD_NEXT, "dup3");
	zc__aio_fdcalls.close_range = dlsym(RTLD_NEXT, "close_range");
	zc__aio_fdcalls.fclose = dlsym(RTLD_NEXT, "fclose");
}

static void zc__aio_fdcalls_get(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, zc__aio_fdcalls_init);
}

/*
 * The layer's own descriptors are not the program's: closing one is EBADF
 * (as it would be without the layer), putting another file there EBUSY.
 */
ZC_AIO_API int close(int fd)
{
	if (zc__aio_fd_is_ours(fd))
		return errno = EBADF, -1;
	zc__aio_fd_closing(fd);
	zc__aio_fdcalls_get();
	if (zc__aio_fdcalls.close)
		return zc__aio_fdcalls.close(fd);
	return (int)syscall(SYS_close, fd);
}

/* dup2() and dup3() close @fd2 first when it is open. */
ZC_AIO_API int dup2(int fd, int fd2)
{
	if (zc__aio_fd_is_ours(fd2) || zc__aio_fd_is_ours(fd))
		return errno = zc__aio_fd_is_ours(fd) ? EBADF : EBUSY, -1;
	if (fd != fd2)
		zc__aio_fd_closing(fd2);
	zc__aio_fdcalls_get();
	if (zc__aio_fdcalls.dup2)
		return zc__aio_fdcalls.dup2(fd, fd2);
	return (int)syscall(SYS_dup2, fd, fd2);
}

ZC_AIO_API int dup3(int fd, int fd2, int flags)
{
	if (zc__aio_fd_is_ours(fd2) || zc__aio_fd_is_ours(fd))
		return errno = zc__aio_fd_is_ours(fd) ? EBADF : EBUSY, -1;
	if (fd != fd2)
		zc__aio_fd_closing(fd2);
	zc__aio_fdcalls_get();
	if (zc__aio_fdcalls.dup3)
		return zc__aio_fdcalls.dup3(fd, fd2, flags);
	return (int)syscall(SYS_dup3, fd, fd2, flags);
}

static int zc__aio_close_range_real(unsigned int first, unsigned int last,
				    int flags)
{
	zc__aio_fdcalls_get();
	if (zc__aio_fdcalls.close_range)
		return zc__aio_fdcalls.close_range(first, last, flags);
	return (int)syscall(SYS_close_range, first, last, flags);
}

/* The range, around the layer's own descriptors. */
ZC_AIO_API int close_range(unsigned int first, unsigned int last, int flags)
{
	int ours;

	if (first > last)
		return zc__aio_close_range_real(first, last, flags);
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		zc__aio_fd_closing_range(first, last);
	while ((ours = zc__aio_fd_next_ours(first)) >= 0 &&
	       (unsigned int)ours <= last) {
		if ((unsigned int)ours > first &&
		    zc__aio_close_range_real(first, (unsigned int)ours - 1,
					     flags) < 0)
			return -1;
		if ((unsigned int)ours == last)
			return 0;
		first = (unsigned int)ours + 1;
	}
	return zc__aio_close_range_real(first, last, flags);
}

ZC_AIO_API void closefrom(int first)
{
	if (first >= 0)
		close_range((unsigned int)first, ~0u, 0);
}

/* A stream opened with fdopen() on a socket closes the socket. */
ZC_AIO_API int fclose(FILE *fp)
{
	int fd = fp ? fileno(fp) : -1;

	if (fd >= 0)
		zc__aio_fd_closing(fd);
	zc__aio_fdcalls_get();
	return zc__aio_fdcalls.fclose ? zc__aio_fdcalls.fclose(fp) : EOF;
}
