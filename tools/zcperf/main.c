// SPDX-License-Identifier: MIT
/*
 * zcperf - the zero-copy network benchmark of zcaio, wire-compatible with
 * iperf3. See zcperf(1).
 */
#include "zcperf.h"

#include <signal.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct zp_opts o;
	char err[256] = "";
	int ret;

	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && !strcmp(argv[1], "sweep"))
		return zp_run_sweep(&o, argc - 1, argv + 1);
	ret = zp_opts_parse(&o, argc, argv, err, sizeof(err));
	if (ret == 1) {
		zp_usage(stdout);
		return 0;
	}
	if (ret == 2) {
		printf("zcperf %s (libzcaio %s, iperf 3.12 protocol)\n",
		       zc_version(), zc_version());
		return 0;
	}
	if (ret < 0) {
		fprintf(stderr, "zcperf: %s\n", err);
		fprintf(stderr, "Usage: zcperf [-s|-c host] [options]; zcperf --help\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return o.server ? zp_run_server(&o) : zp_run_client(&o);
}
