// SPDX-License-Identifier: MIT
/*
 * sweep.c - "zcperf sweep": message sizes x modes in one run. Not
 * implemented yet; refused clearly rather than half done.
 */
#include "zcperf.h"

int zp_run_sweep(const struct zp_opts *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	fprintf(stderr, "zcperf: 'sweep' is not implemented yet; "
		"tools/zcperf/bench/zcperf-vs-iperf3.sh runs a size x mode table\n");
	return 1;
}
