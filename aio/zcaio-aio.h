/* SPDX-License-Identifier: MIT */
/*
 * zcaio-aio.h - POSIX AIO on sockets, served by libzcaio.
 *
 * The zc_aio_* functions take glibc's own struct aiocb and behave like the
 * aio_* functions of the same name (see zc_aio_read(3) and zcaio-aio(7)).
 * A connected stream socket is served by a zcaio engine that the layer owns
 * and that the calling thread drives (a helper thread only drives what no
 * caller does): reads and writes of one socket each in
 * their own FIFO, independent of each other; zero-copy writes complete only
 * after the kernel released the caller's pages. Every other descriptor
 * (files, pipes, datagram sockets) goes to glibc's aio_* unchanged.
 *
 * Link with -lzcaio-aio. libzcaio-aio-preload.so gives the same behaviour to
 * unmodified programs under the standard names (LD_PRELOAD).
 *
 * The functions follow POSIX conventions (-1 and errno), not zcaio's
 * negative-errno convention, since they stand in for the POSIX calls.
 */
#ifndef ZCAIO_AIO_H
#define ZCAIO_AIO_H

#include <aio.h>
#include <signal.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

int zc_aio_read(struct aiocb *aiocbp);
int zc_aio_write(struct aiocb *aiocbp);
int zc_aio_fsync(int op, struct aiocb *aiocbp);
int zc_aio_error(const struct aiocb *aiocbp);
ssize_t zc_aio_return(struct aiocb *aiocbp);
int zc_aio_suspend(const struct aiocb *const list[], int nent,
		   const struct timespec *timeout);
int zc_aio_cancel(int fd, struct aiocb *aiocbp);
int zc_lio_listio(int mode, struct aiocb *const list[], int nent,
		  struct sigevent *sevp);

#ifdef __cplusplus
}
#endif
#endif /* ZCAIO_AIO_H */
