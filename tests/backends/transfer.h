/* SPDX-License-Identifier: MIT */
/* transfer.h - one byte-verified zero-copy transfer, for the backend tests. */
#ifndef ZCAIO_TESTS_TRANSFER_H
#define ZCAIO_TESTS_TRANSFER_H

#include "harness.h"

/*
 * Sends @njobs jobs of @job bytes (from a pool when @pool) on a fresh
 * loopback pair through engine @e with zero-copy on, checks each job
 * completed once in order and every byte arrived, and that nothing stays
 * pinned or owed. Fails the test otherwise.
 */
void transfer(struct zc_engine *e, int njobs, size_t job, bool pool,
	      const char *what);

#endif
