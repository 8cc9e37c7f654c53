// SPDX-License-Identifier: MIT
/*
 * zcperf - the zero-copy network benchmark of zcaio, wire-compatible with
 * iperf3. See zcperf(1).
 */
#include "output.h"
#include "zcperf.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t zp_sig;

static void on_signal(int sig)
{
	zp_sig = sig;
}

void zp_signals_arm(void)
{
	/* no SA_RESTART: a wait returns EINTR and its loop sees zp_sig */
	struct sigaction sa = { .sa_handler = on_signal,
				.sa_flags = SA_RESETHAND };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	zp_sig = 0;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* -A: this process on one CPU; -D: a server in the background (stdin,
 * stdout and stderr on /dev/null, as iperf3 -D; the working directory
 * is kept so relative paths still mean what they meant); -I: its pid. */
int zp_process_setup(const struct zp_opts *o, char *err, size_t errlen)
{
	if (o->affinity >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o->affinity, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			snprintf(err, errlen, "-A/--affinity %d: %s", o->affinity,
				 strerror(errno));
			return -1;
		}
	}
	if (o->daemon && daemon(1, 0) < 0) {
		snprintf(err, errlen, "-D/--daemon: %s", strerror(errno));
		return -1;
	}
	if (o->pidfile) {
		FILE *f = fopen(o->pidfile, "w");

		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
			snprintf(err, errlen, "-I/--pidfile %s: %s", o->pidfile,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

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
	if (zp_process_setup(&o, err, sizeof(err)) < 0) {
		fprintf(stderr, "zcperf: %s\n", err);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (zp_output_setup(&o, err, sizeof(err)) < 0) {
		fprintf(stderr, "zcperf: %s\n", err);
		return 1;
	}
	zp_signals_arm();
	ret = o.server ? zp_run_server(&o) : zp_run_client(&o);
	if (o.pidfile)
		unlink(o.pidfile);
	return ret;
}
