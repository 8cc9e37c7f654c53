/* SPDX-License-Identifier: MIT */
/*
 * output.h - where zcperf's output goes: stdout or --logfile, each line
 * prefixed with --timestamps and -T's title, flushed per line with
 * --forceflush, and captured for a client that asked
 * --get-server-output.
 */
#ifndef ZCPERF_OUTPUT_H
#define ZCPERF_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

struct zp_opts;

/* Replaces stdout (glibc lets a program assign it) with a stream that
 * does the above; nothing changes when no option asks for it. With
 * --logfile, stderr goes to the file too. -errno, @err says why. */
int zp_output_setup(const struct zp_opts *o, char *err, size_t errlen);
/* From now on every line printed is also kept (up to 512 KiB). */
void zp_output_capture_start(void);
/* Stops capturing; the text kept, malloc'd (NULL if none). */
char *zp_output_capture_take(void);

#endif
