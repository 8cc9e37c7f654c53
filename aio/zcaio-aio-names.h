/* SPDX-License-Identifier: MIT */
/*
 * zcaio-aio-names.h - build a plain <aio.h> program against zc_aio_*:
 *
 *	cc -include zcaio-aio-names.h prog.c -lzcaio-aio
 *
 * The program's aio_* calls then go to the zcaio layer without a change to
 * its source (LD_PRELOAD of libzcaio-aio-preload.so does the same at run
 * time instead).
 */
#ifndef ZCAIO_AIO_NAMES_H
#define ZCAIO_AIO_NAMES_H

#include <aio.h>
#include "zcaio-aio.h"

#define aio_read zc_aio_read
#define aio_write zc_aio_write
#define aio_fsync zc_aio_fsync
#define aio_error zc_aio_error
#define aio_return zc_aio_return
#define aio_suspend zc_aio_suspend
#define aio_cancel zc_aio_cancel
#define lio_listio zc_lio_listio

#endif /* ZCAIO_AIO_NAMES_H */
