/* SPDX-License-Identifier: MIT */
/* compat.h - what Debian 12's liburing 2.3 headers lack (kernel 6.2+). */
#ifndef ZCAIO_COMPAT_H
#define ZCAIO_COMPAT_H

#include <liburing.h>

#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

#endif
