// SPDX-License-Identifier: MIT
/*
 * zc_aio.c - the zc_aio_* names: the layer, with glibc's AIO called
 * directly for descriptors that are not stream sockets.
 */
#include "internal.h"
#include "zcaio-aio.h"

#define ZC_AIO_API __attribute__((visibility("default")))

static const struct zc__aio_real zc__aio_glibc = {
	.read = aio_read,
	.write = aio_write,
	.fsync = aio_fsync,
	.error = aio_error,
	.ret = aio_return,
	.suspend = aio_suspend,
	.cancel = aio_cancel,
	.listio = lio_listio,
};

ZC_AIO_API int zc_aio_read(struct aiocb *aiocbp)
{
	return zc__aio_submit(&zc__aio_glibc, aiocbp, LIO_READ, NULL);
}

ZC_AIO_API int zc_aio_write(struct aiocb *aiocbp)
{
	return zc__aio_submit(&zc__aio_glibc, aiocbp, LIO_WRITE, NULL);
}

ZC_AIO_API int zc_aio_fsync(int op, struct aiocb *aiocbp)
{
	return zc__aio_fsync(&zc__aio_glibc, op, aiocbp);
}

ZC_AIO_API int zc_aio_error(const struct aiocb *aiocbp)
{
	return zc__aio_error(&zc__aio_glibc, aiocbp);
}

ZC_AIO_API ssize_t zc_aio_return(struct aiocb *aiocbp)
{
	return zc__aio_return(&zc__aio_glibc, aiocbp);
}

ZC_AIO_API int zc_aio_suspend(const struct aiocb *const list[], int nent,
			      const struct timespec *timeout)
{
	return zc__aio_suspend(&zc__aio_glibc, list, nent, timeout);
}

ZC_AIO_API int zc_aio_cancel(int fd, struct aiocb *aiocbp)
{
	return zc__aio_cancel(&zc__aio_glibc, fd, aiocbp);
}

ZC_AIO_API int zc_lio_listio(int mode, struct aiocb *const list[], int nent,
			     struct sigevent *sevp)
{
	return zc__aio_listio(&zc__aio_glibc, mode, list, nent, sevp);
}
