/* SPDX-License-Identifier: MIT */
/* unit.h - the check macro and verdict shared by the unit tests. */
#ifndef ZCAIO_UNIT_H
#define ZCAIO_UNIT_H

#include <stdio.h>

static int unit_failures;

/* Records a failed condition and goes on, so one run shows them all. */
#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                    \
			unit_failures++;                                   \
		}                                                          \
	} while (0)

/* The exit status: 0 when every check held, 1 otherwise. */
static inline int unit_verdict(void)
{
	if (unit_failures)
		fprintf(stderr, "%d checks failed\n", unit_failures);
	return unit_failures ? 1 : 0;
}

#endif
