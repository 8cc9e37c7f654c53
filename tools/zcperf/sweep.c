// SPDX-License-Identifier: MIT
/*
 * sweep.c - "zcperf sweep": message sizes x zero-copy modes in one run.
 *
 * Every cell is a zcperf client run (this binary again, with -J -i 0) in
 * its own process, so each run measures its own CPU from a fresh start.
 * The runs go round-robin: each repetition visits every size and mode
 * once, so a change in the machine's load hits all cells alike; each cell
 * reports the median of its repetitions and their spread. Results: a
 * table on stdout, PREFIX.csv, PREFIX.json, and PREFIX.png drawn by
 * gnuplot (PREFIX.gp is the script) when gnuplot is installed.
 */
#include "zcperf.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SW_MAX_SIZES 16
#define SW_MAX_MODES 4
#define SW_MAX_REPS 50
#define SW_MAX_ARGS 64
#define SW_OUT_MAX (60 * 1024)	/* under ZP_JSON_MAX_INPUT */
#define SW_TRIES 3		/* a busy server, a transient error */

enum sw_mode { SW_COPY, SW_ZC, SW_ZC_FIXED, SW_AUTO };

static const char *const mode_names[] = { "copy", "zc", "zc-fixed", "auto" };

struct sw_run {
	double gbps, snd_cpu, rcv_cpu;	/* Gbit/s; CPU s per GiB, NAN = unknown */
	uint64_t bytes_zc, bytes_zc_copied, bytes_copied;
};

struct sw_cell {
	uint32_t size;
	int mode;
	int n;
	struct sw_run r[SW_MAX_REPS];
	double gbps, gbps_min, gbps_max, snd_cpu, rcv_cpu; /* medians */
	uint64_t bytes_zc, bytes_zc_copied, bytes_copied;   /* sums */
};

struct sweep {
	const char *host;
	const char *out;
	uint32_t sizes[SW_MAX_SIZES];
	int nsizes;
	int modes[SW_MAX_MODES];
	int nmodes;
	int reps;
	int secs;		/* the runs' -t, for the deadline */
	bool udp;
	char *pass[SW_MAX_ARGS];	/* client options given through */
	int npass;
	char exe[4096];
	struct sw_cell *cells;
};

static int parse_sizes(struct sweep *w, const char *s, bool udp)
{
	char buf[512], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	w->nsizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;
		double v = strtod(tok, &end);

		if (end == tok || !isfinite(v) || v < 1)
			return -EINVAL;
		if (*end == 'k' || *end == 'K')
			v *= 1024, end++;
		else if (*end == 'm' || *end == 'M')
			v *= 1024 * 1024, end++;
		if (*end || w->nsizes == SW_MAX_SIZES ||
		    v > (udp ? ZP_MAX_UDP_LEN : ZP_MAX_TCP_LEN) ||
		    v < (udp ? ZP_MIN_UDP_LEN : 1))
			return -EINVAL;
		w->sizes[w->nsizes++] = (uint32_t)v;
	}
	return w->nsizes ? 0 : -EINVAL;
}

static int parse_modes(struct sweep *w, const char *s)
{
	char buf[128], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	w->nmodes = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int m;

		for (m = 0; m < SW_MAX_MODES; m++)
			if (!strcmp(tok, mode_names[m]))
				break;
		if (m == SW_MAX_MODES || w->nmodes == SW_MAX_MODES)
			return -EINVAL;
		for (int i = 0; i < w->nmodes; i++)
			if (w->modes[i] == m)
				return -EINVAL;
		w->modes[w->nmodes++] = m;
	}
	return w->nmodes ? 0 : -EINVAL;
}

/* Options the sweep sets itself in every run. */
static bool reserved(const char *a)
{
	static const char *const r[] = { "-l", "--length", "--zc", "--fixed",
					 "-J", "--json", "-i", "--interval",
					 "-s", "--server", "-c", "--client" };

	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		size_t n = strlen(r[i]);

		if (!strncmp(a, r[i], n) && (a[n] == 0 || a[n] == '=' ||
					     (r[i][1] != '-' && a[n])))
			return true;
	}
	return false;
}

static int sweep_args(struct sweep *w, int argc, char **argv)
{
	const char *sizes = NULL, *modes = "copy,zc,zc-fixed,auto";
	struct zp_opts o;
	char *probe[SW_MAX_ARGS + 4];
	char err[256];
	int np = 0;

	w->out = "zcperf-sweep";
	w->reps = 3;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			return 1;
		if (!strcmp(a, "--sizes"))
			dst = &sizes;
		else if (!strcmp(a, "--modes"))
			dst = &modes;
		else if (!strcmp(a, "--out"))
			dst = &w->out;
		if (dst || !strcmp(a, "--reps")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "zcperf sweep: %s needs a value\n", a);
				return -1;
			}
			if (dst) {
				*dst = argv[++i];
				continue;
			}
			w->reps = atoi(argv[++i]);
			if (w->reps < 1 || w->reps > SW_MAX_REPS) {
				fprintf(stderr, "zcperf sweep: --reps must be 1..%d\n",
					SW_MAX_REPS);
				return -1;
			}
			continue;
		}
		if (!strcmp(a, "-c") || !strcmp(a, "--client")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "zcperf sweep: -c needs a host\n");
				return -1;
			}
			w->host = argv[++i];
			continue;
		}
		if (reserved(a)) {
			fprintf(stderr, "zcperf sweep: %s is set by the sweep itself "
				"(see --sizes, --modes)\n", a);
			return -1;
		}
		if (w->npass == SW_MAX_ARGS) {
			fprintf(stderr, "zcperf sweep: too many options\n");
			return -1;
		}
		w->pass[w->npass++] = argv[i];
	}
	if (!w->host) {
		fprintf(stderr, "zcperf sweep: give the server with -c HOST\n");
		return -1;
	}
	/* the options given through must make a valid client */
	probe[np++] = "zcperf";
	probe[np++] = "-c";
	probe[np++] = (char *)w->host;
	for (int i = 0; i < w->npass; i++)
		probe[np++] = w->pass[i];
	probe[np] = NULL;
	if (zp_opts_parse(&o, np, probe, err, sizeof(err)) != 0) {
		fprintf(stderr, "zcperf sweep: %s\n", err[0] ? err : "bad options");
		return -1;
	}
	w->udp = o.p.udp;
	w->secs = o.p.num ? ZP_MAX_TIME : o.p.time;
	if (!sizes)
		sizes = w->udp ? "1400,8000,32000,64000" : "4K,16K,64K,256K,1M,4M";
	if (parse_sizes(w, sizes, w->udp) < 0) {
		fprintf(stderr, "zcperf sweep: bad --sizes '%s' (a list like 4K,64K,1M%s)\n",
			sizes, w->udp ? "; UDP: 16..65507" : "");
		return -1;
	}
	if (parse_modes(w, modes) < 0) {
		fprintf(stderr, "zcperf sweep: bad --modes '%s' (a list of copy, zc, zc-fixed, auto)\n",
			modes);
		return -1;
	}
	return 0;
}

/* Reads the child's stdout until EOF or the deadline; kills it then. */
static int run_child(struct sweep *w, char **args, char *out, size_t cap,
		     size_t *len, int *status)
{
	int p[2];
	pid_t pid;
	double until = zp_now() + w->secs + 60;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		execv(w->exe, args);
		_exit(127);
	}
	close(p[1]);
	*len = 0;
	for (;;) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		int left = (int)((until - zp_now()) * 1000);
		ssize_t n;

		if (left <= 0 || poll(&pf, 1, left) <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (*len == cap) { /* too long: keep the start, drop the rest */
			char junk[4096];

			n = read(p[0], junk, sizeof(junk));
		} else {
			n = read(p[0], out + *len, cap - *len);
			if (n > 0)
				*len += (size_t)n;
		}
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
	close(p[0]);
	waitpid(pid, status, 0);
	return 0;
}

static double num_at(const cJSON *d, const char *path)
{
	char buf[128], *save = NULL, *k;
	const cJSON *at = d;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && at; k = strtok_r(NULL, ".", &save))
		at = cJSON_GetObjectItemCaseSensitive(at, k);
	if (cJSON_IsBool(at))
		return cJSON_IsTrue(at);
	return cJSON_IsNumber(at) ? at->valuedouble : NAN;
}

static const char *str_at(const cJSON *d, const char *key)
{
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(d, key);

	return cJSON_IsString(at) ? at->valuestring : NULL;
}

/* One client run of @size bytes in @mode. */
static int run_one(struct sweep *w, uint32_t size, int mode, struct sw_run *r,
		   char *msg, size_t msglen)
{
	static char out[SW_OUT_MAX + 1];
	cJSON *doc;
	char *args[SW_MAX_ARGS + 16], lbuf[16];
	double sb, ss, rb, rs, lcpu, rcpu, bytes, secs;
	bool noctl, rev;
	size_t len = 0;
	int n = 0, st = 0, ret;

	args[n++] = "zcperf";
	args[n++] = "-c";
	args[n++] = (char *)w->host;
	for (int i = 0; i < w->npass; i++)
		args[n++] = w->pass[i];
	snprintf(lbuf, sizeof(lbuf), "%u", size);
	args[n++] = "-l";
	args[n++] = lbuf;
	args[n++] = "--zc";
	args[n++] = mode == SW_COPY ? "off" : mode == SW_AUTO ? "auto" : "on";
	if (mode == SW_ZC_FIXED)
		args[n++] = "--fixed";
	args[n++] = "-J";
	args[n++] = "-i";
	args[n++] = "0";
	args[n] = NULL;
	ret = run_child(w, args, out, SW_OUT_MAX, &len, &st);
	if (ret < 0) {
		snprintf(msg, msglen, "cannot run a client: %s", strerror(-ret));
		return -1;
	}
	out[len] = 0;
	doc = cJSON_ParseWithLength(out, len);
	if (!doc) {
		snprintf(msg, msglen, "run exited with status %d, output not JSON",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	if (str_at(doc, "error")) {
		snprintf(msg, msglen, "%s", str_at(doc, "error"));
		cJSON_Delete(doc);
		return -1;
	}
	noctl = num_at(doc, "end.zcperf.no_control") == 1;
	rev = num_at(doc, "start.test_start.reverse") == 1;
	sb = num_at(doc, "end.sum_sent.bytes");
	ss = num_at(doc, "end.sum_sent.seconds");
	rb = num_at(doc, "end.sum_received.bytes");
	rs = num_at(doc, "end.sum_received.seconds");
	lcpu = num_at(doc, "end.zcperf.local.cpu_user_s") +
	       num_at(doc, "end.zcperf.local.cpu_sys_s");
	rcpu = num_at(doc, "end.zcperf.remote.cpu_s");
	if (noctl || !(num_at(doc, "end.zcperf.remote.zcperf") == 1))
		rcpu = NAN; /* no peer, or an iperf3 peer: only its percent */
	/* a sink reports what was sent; with a receiver, what arrived */
	bytes = noctl ? sb : rb;
	secs = noctl ? ss : rs;
	if (!(bytes > 0) || !(secs > 0)) {
		snprintf(msg, msglen, "run moved no bytes");
		cJSON_Delete(doc);
		return -1;
	}
	r->gbps = bytes * 8 / secs / 1e9;
	r->snd_cpu = (rev ? rcpu : lcpu) / (bytes / 1073741824.0);
	r->rcv_cpu = noctl ? NAN : (rev ? lcpu : rcpu) / (bytes / 1073741824.0);
	r->bytes_zc = (uint64_t)num_at(doc, rev ? "end.zcperf.remote.bytes_zc" :
				       "end.zcperf.local.bytes_zc");
	r->bytes_zc_copied = (uint64_t)num_at(doc, rev ?
		"end.zcperf.remote.bytes_zc_copied" : "end.zcperf.local.bytes_zc_copied");
	r->bytes_copied = (uint64_t)num_at(doc, rev ?
		"end.zcperf.remote.bytes_copied" : "end.zcperf.local.bytes_copied");
	cJSON_Delete(doc);
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of the known values (NAN when none). */
static double median(const struct sw_cell *c, size_t off)
{
	double v[SW_MAX_REPS];
	int n = 0;

	for (int i = 0; i < c->n; i++) {
		double x = *(const double *)((const char *)&c->r[i] + off);

		if (!isnan(x))
			v[n++] = x;
	}
	if (!n)
		return NAN;
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void cell_sum(struct sw_cell *c)
{
	c->gbps = median(c, offsetof(struct sw_run, gbps));
	c->snd_cpu = median(c, offsetof(struct sw_run, snd_cpu));
	c->rcv_cpu = median(c, offsetof(struct sw_run, rcv_cpu));
	c->gbps_min = INFINITY;
	c->gbps_max = 0;
	for (int i = 0; i < c->n; i++) {
		c->gbps_min = fmin(c->gbps_min, c->r[i].gbps);
		c->gbps_max = fmax(c->gbps_max, c->r[i].gbps);
		c->bytes_zc += c->r[i].bytes_zc;
		c->bytes_zc_copied += c->r[i].bytes_zc_copied;
		c->bytes_copied += c->r[i].bytes_copied;
	}
}

static struct sw_cell *cell(struct sweep *w, int si, int mi)
{
	return &w->cells[si * w->nmodes + mi];
}

static FILE *open_out(struct sweep *w, const char *ext, char *path, size_t n)
{
	FILE *f;

	snprintf(path, n, "%s.%s", w->out, ext);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "zcperf sweep: %s: %s\n", path, strerror(errno));
	return f;
}

static void csv_num(FILE *f, double v)
{
	if (isnan(v))
		fprintf(f, ",");
	else
		fprintf(f, ",%.4f", v);
}

/* auto against the best of the other modes, at one size; NAN without. */
static double auto_ratio(struct sweep *w, int si, int *best)
{
	double a = NAN, b = -1;

	*best = -1;
	for (int mi = 0; mi < w->nmodes; mi++) {
		struct sw_cell *c = cell(w, si, mi);

		if (c->mode == SW_AUTO)
			a = c->gbps;
		else if (c->gbps > b)
			b = c->gbps, *best = c->mode;
	}
	return *best >= 0 && b > 0 ? a / b : NAN;
}

static int write_csv(struct sweep *w)
{
	char path[4200];
	FILE *f = open_out(w, "csv", path, sizeof(path));

	if (!f)
		return -1;
	fprintf(f, "size,mode,reps,gbps,gbps_min,gbps_max,sender_cpu_s_per_gib,"
		"receiver_cpu_s_per_gib,bytes_zc,bytes_zc_copied,bytes_copied\n");
	for (int mi = 0; mi < w->nmodes; mi++) {
		for (int si = 0; si < w->nsizes; si++) {
			struct sw_cell *c = cell(w, si, mi);

			fprintf(f, "%u,%s,%d", c->size, mode_names[c->mode], c->n);
			csv_num(f, c->gbps);
			csv_num(f, c->gbps_min);
			csv_num(f, c->gbps_max);
			csv_num(f, c->snd_cpu);
			csv_num(f, c->rcv_cpu);
			fprintf(f, ",%llu,%llu,%llu\n",
				(unsigned long long)c->bytes_zc,
				(unsigned long long)c->bytes_zc_copied,
				(unsigned long long)c->bytes_copied);
		}
	}
	fclose(f);
	printf("wrote %s\n", path);
	return 0;
}

static void num_or_null(cJSON *o, const char *k, double v)
{
	if (isnan(v))
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, v);
}

static int write_json(struct sweep *w)
{
	char path[4200], *text;
	FILE *f = open_out(w, "json", path, sizeof(path));
	cJSON *j, *a, *o;

	if (!f)
		return -1;
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "host", w->host);
	a = cJSON_AddArrayToObject(j, "options");
	for (int i = 0; i < w->npass; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(w->pass[i]));
	cJSON_AddStringToObject(j, "protocol", w->udp ? "UDP" : "TCP");
	cJSON_AddNumberToObject(j, "reps", w->reps);
	a = cJSON_AddArrayToObject(j, "cells");
	for (int mi = 0; mi < w->nmodes; mi++) {
		for (int si = 0; si < w->nsizes; si++) {
			struct sw_cell *c = cell(w, si, mi);
			cJSON *runs;

			o = cJSON_CreateObject();
			cJSON_AddItemToArray(a, o);
			cJSON_AddNumberToObject(o, "size", c->size);
			cJSON_AddStringToObject(o, "mode", mode_names[c->mode]);
			cJSON_AddNumberToObject(o, "gbps", c->gbps);
			cJSON_AddNumberToObject(o, "gbps_min", c->gbps_min);
			cJSON_AddNumberToObject(o, "gbps_max", c->gbps_max);
			num_or_null(o, "sender_cpu_s_per_gib", c->snd_cpu);
			num_or_null(o, "receiver_cpu_s_per_gib", c->rcv_cpu);
			cJSON_AddNumberToObject(o, "bytes_zc", (double)c->bytes_zc);
			cJSON_AddNumberToObject(o, "bytes_zc_copied",
						(double)c->bytes_zc_copied);
			cJSON_AddNumberToObject(o, "bytes_copied",
						(double)c->bytes_copied);
			runs = cJSON_AddArrayToObject(o, "runs");
			for (int i = 0; i < c->n; i++) {
				cJSON *r = cJSON_CreateObject();

				cJSON_AddItemToArray(runs, r);
				cJSON_AddNumberToObject(r, "gbps", c->r[i].gbps);
				num_or_null(r, "sender_cpu_s_per_gib",
					    c->r[i].snd_cpu);
				num_or_null(r, "receiver_cpu_s_per_gib",
					    c->r[i].rcv_cpu);
			}
		}
	}
	a = cJSON_AddArrayToObject(j, "auto_vs_best");
	for (int si = 0; si < w->nsizes; si++) {
		int best;
		double r = auto_ratio(w, si, &best);

		if (isnan(r))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(a, o);
		cJSON_AddNumberToObject(o, "size", w->sizes[si]);
		cJSON_AddStringToObject(o, "best_mode", mode_names[best]);
		cJSON_AddNumberToObject(o, "ratio", r);
	}
	text = cJSON_Print(j);
	cJSON_Delete(j);
	if (!text) {
		fclose(f);
		return -1;
	}
	fprintf(f, "%s\n", text);
	free(text);
	fclose(f);
	printf("wrote %s\n", path);
	return 0;
}

/* Finds a program on PATH. */
static bool on_path(const char *prog, char *full, size_t n)
{
	const char *p = getenv("PATH");
	char dirs[4096], *save = NULL, *d;

	snprintf(dirs, sizeof(dirs), "%s", p ? p : "/usr/bin:/bin");
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(full, n, "%s/%s", d, prog);
		if (access(full, X_OK) == 0)
			return true;
	}
	return false;
}

/* The chart: throughput and sender CPU per GiB against the message
 * size, one line per mode. Data as gnuplot blocks, one per mode. */
static int write_chart(struct sweep *w)
{
	char gp[4200], dat[4200], png[4200], gnuplot[4200];
	FILE *f;
	pid_t pid;
	int st = 0;

	f = open_out(w, "dat", dat, sizeof(dat));
	if (!f)
		return -1;
	for (int mi = 0; mi < w->nmodes; mi++) {
		fprintf(f, "# %s: size gbps sender_cpu_s_per_gib\n",
			mode_names[w->modes[mi]]);
		for (int si = 0; si < w->nsizes; si++) {
			struct sw_cell *c = cell(w, si, mi);

			fprintf(f, "%u %.4f ", c->size, c->gbps);
			if (isnan(c->snd_cpu))
				fprintf(f, "NaN\n");
			else
				fprintf(f, "%.4f\n", c->snd_cpu);
		}
		fprintf(f, "\n\n");
	}
	fclose(f);
	f = open_out(w, "gp", gp, sizeof(gp));
	if (!f)
		return -1;
	snprintf(png, sizeof(png), "%s.png", w->out);
	fprintf(f,
		"# zcperf sweep chart: gnuplot %s\n"
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"  set terminal pngcairo size 1000,760 font 'sans,10'\n"
		"} else {\n"
		"  set terminal png size 1000,760\n"
		"}\n"
		"set output '%s'\n"
		"set multiplot layout 2,1 title 'zcperf sweep: %s to %s, %d run(s) per point (median)'\n"
		"set logscale x 2\n"
		"set grid\n"
		"set key outside right\n"

		"set xlabel 'message size (bytes)'\n"
		"set ylabel 'throughput (Gbit/s)'\n"
		"set yrange [0:*]\n",
		gp, png, w->udp ? "UDP" : "TCP", w->host, w->reps);
	fprintf(f, "set xtics (");
	for (int si = 0; si < w->nsizes; si++) {
		uint32_t v = w->sizes[si];

		if (v % (1u << 20) == 0)
			fprintf(f, "%s'%uM' %u", si ? ", " : "", v >> 20, v);
		else if (v % 1024 == 0)
			fprintf(f, "%s'%uK' %u", si ? ", " : "", v >> 10, v);
		else
			fprintf(f, "%s'%u' %u", si ? ", " : "", v, v);
	}
	fprintf(f, ")\n");
	fprintf(f, "modes = '");
	for (int mi = 0; mi < w->nmodes; mi++)
		fprintf(f, "%s%s", mi ? " " : "", mode_names[w->modes[mi]]);
	fprintf(f, "'\n"
		"plot for [i=1:words(modes)] '%s' index (i-1) using 1:2 with linespoints lw 2 title word(modes, i)\n"
		"set ylabel 'sender CPU (s per GiB)'\n"
		"plot for [i=1:words(modes)] '%s' index (i-1) using 1:3 with linespoints lw 2 title word(modes, i)\n"
		"unset multiplot\n", dat, dat);
	fclose(f);
	printf("wrote %s\n", gp);
	if (!on_path("gnuplot", gnuplot, sizeof(gnuplot))) {
		printf("no PNG: gnuplot is not installed (Debian: gnuplot-nox); "
		       "run 'gnuplot %s' later\n", gp);
		return 0;
	}
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(gnuplot, "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) || access(png, R_OK)) {
		fprintf(stderr, "zcperf sweep: gnuplot failed on %s\n", gp);
		return -1;
	}
	printf("wrote %s\n", png);
	return 0;
}

static void print_table(struct sweep *w)
{
	printf("%10s %-9s %9s %17s %12s %12s %8s\n", "size", "mode", "Gbit/s",
	       "(min..max)", "snd CPU s/GiB", "rcv CPU s/GiB", "zc %");
	for (int si = 0; si < w->nsizes; si++) {
		for (int mi = 0; mi < w->nmodes; mi++) {
			struct sw_cell *c = cell(w, si, mi);
			uint64_t all = c->bytes_zc + c->bytes_zc_copied +
				       c->bytes_copied;

			printf("%10u %-9s %9.2f  (%6.2f..%6.2f) %12.3f %13.3f %8.1f\n",
			       c->size, mode_names[c->mode], c->gbps,
			       c->gbps_min, c->gbps_max, c->snd_cpu, c->rcv_cpu,
			       all ? 100.0 * c->bytes_zc / all : 0.0);
		}
		{
			int best;
			double r = auto_ratio(w, si, &best);

			if (!isnan(r))
				printf("%10u auto/best (%s): %.2fx\n", w->sizes[si],
				       mode_names[best], r);
		}
	}
}

static void sweep_usage(void)
{
	printf("Usage: zcperf sweep -c HOST [--sizes LIST] [--modes LIST] [--reps N]\n"
	       "                    [--out PREFIX] [client options...]\n"
	       "  --sizes LIST   message sizes (-l), e.g. 4K,64K,1M\n"
	       "                 (TCP default 4K,16K,64K,256K,1M,4M; UDP 1400,8000,32000,64000)\n"
	       "  --modes LIST   of copy (--zc off), zc (--zc on), zc-fixed (--zc on\n"
	       "                 --fixed), auto (--zc auto); default all four\n"
	       "  --reps N       runs per cell, round-robin; the median is reported (3)\n"
	       "  --out PREFIX   PREFIX.csv, .json, .dat, .gp, .png (zcperf-sweep)\n"
	       "Other options go to every run (-p, -t, -u, -b, --gso, --no-control,\n"
	       "-R, -P, --backend, ...); -l, --zc, --fixed, -J, -i are the sweep's.\n");
}

int zp_run_sweep(const struct zp_opts *unused, int argc, char **argv)
{
	struct sweep w = { 0 };
	char msg[400];
	ssize_t n;
	int ret, total, done = 0;

	(void)unused;
	ret = sweep_args(&w, argc, argv);
	if (ret == 1) {
		sweep_usage();
		return 0;
	}
	if (ret < 0)
		return 1;
	n = readlink("/proc/self/exe", w.exe, sizeof(w.exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "zcperf sweep: cannot find my own binary\n");
		return 1;
	}
	w.exe[n] = 0;
	w.cells = calloc((size_t)w.nsizes * w.nmodes, sizeof(*w.cells));
	if (!w.cells)
		return 1;
	for (int si = 0; si < w.nsizes; si++)
		for (int mi = 0; mi < w.nmodes; mi++) {
			cell(&w, si, mi)->size = w.sizes[si];
			cell(&w, si, mi)->mode = w.modes[mi];
		}
	setvbuf(stdout, NULL, _IOLBF, 0);
	total = w.reps * w.nsizes * w.nmodes;
	for (int rep = 0; rep < w.reps; rep++) {
		for (int si = 0; si < w.nsizes; si++) {
			for (int mi = 0; mi < w.nmodes; mi++) {
				struct sw_cell *c = cell(&w, si, mi);
				int k;

				for (k = 0; k < SW_TRIES; k++) {
					if (run_one(&w, c->size, c->mode, &c->r[c->n],
						    msg, sizeof(msg)) == 0)
						break;
					usleep(300 * 1000); /* a busy server */
				}
				if (k == SW_TRIES) {
					fprintf(stderr, "zcperf sweep: %u bytes, %s: %s\n",
						c->size, mode_names[c->mode], msg);
					free(w.cells);
					return 1;
				}
				done++;
				fprintf(stderr, "[%d/%d] %u %s: %.2f Gbit/s\n", done,
					total, c->size, mode_names[c->mode],
					c->r[c->n].gbps);
				c->n++;
			}
		}
	}
	for (int i = 0; i < w.nsizes * w.nmodes; i++)
		cell_sum(&w.cells[i]);
	print_table(&w);
	ret = write_csv(&w) | write_json(&w) | write_chart(&w);
	free(w.cells);
	return ret ? 1 : 0;
}
