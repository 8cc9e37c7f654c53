/* SPDX-License-Identifier: MIT */
/*
 * compat.h - kernel interface constants that Debian 12's headers lack:
 * liburing 2.3 predates the zero-copy usage report (kernel 6.2), and
 * older libcs lack the MSG_ZEROCOPY names (kernel 4.14). Shared with the
 * benchmarks' raw loops, so both speak the same constants.
 */
#ifndef ZCAIO_COMPAT_H
#define ZCAIO_COMPAT_H

#include <sys/socket.h>
#include <time.h> /* before errqueue.h, which needs struct timespec */
#include <linux/errqueue.h>

#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif
#ifndef SO_EE_ORIGIN_ZEROCOPY
#define SO_EE_ORIGIN_ZEROCOPY 5
#endif
#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED 1
#endif

#endif
