// SPDX-License-Identifier: MIT
/*
 * options.c - the command line: iperf3's options where they overlap,
 * zcperf's own, and a clear refusal for iperf3 options zcperf does not
 * implement (a silently ignored option would measure something else).
 * Pure: no exit(), no printing, so a fuzzer can drive it.
 */
#include "zcperf.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_BIDIR = 256, OPT_ZC, OPT_BACKEND, OPT_FIXED, OPT_INFLIGHT,
	OPT_READ_DEPTH, OPT_VERIFY, OPT_RR, OPT_GSO, OPT_MAX_CONNS,
	OPT_CTL_TIMEOUT, OPT_UDP64, OPT_SEED, OPT_OUT, OPT_SIZES, OPT_MODES,
	OPT_NO_CONTROL, OPT_NO_FIXED, OPT_JSON_STREAM, OPT_LOGFILE,
	OPT_FORCEFLUSH, OPT_TIMESTAMPS, OPT_GET_SERVER_OUTPUT, OPT_CPORT,
	OPT_UNSUPPORTED = 1000,
};

static const struct option longopts[] = {
	{ "server", no_argument, NULL, 's' },
	{ "client", required_argument, NULL, 'c' },
	{ "port", required_argument, NULL, 'p' },
	{ "time", required_argument, NULL, 't' },
	{ "bytes", required_argument, NULL, 'n' },
	{ "length", required_argument, NULL, 'l' },
	{ "parallel", required_argument, NULL, 'P' },
	{ "reverse", no_argument, NULL, 'R' },
	{ "bidir", no_argument, NULL, OPT_BIDIR },
	{ "udp", no_argument, NULL, 'u' },
	{ "bitrate", required_argument, NULL, 'b' },
	{ "bandwidth", required_argument, NULL, 'b' },
	{ "interval", required_argument, NULL, 'i' },
	{ "json", no_argument, NULL, 'J' },
	{ "version4", no_argument, NULL, '4' },
	{ "version6", no_argument, NULL, '6' },
	{ "verbose", no_argument, NULL, 'V' },
	{ "one-off", no_argument, NULL, '1' },
	{ "window", required_argument, NULL, 'w' },
	{ "set-mss", required_argument, NULL, 'M' },
	{ "no-delay", no_argument, NULL, 'N' },
	{ "udp-counters-64bit", no_argument, NULL, OPT_UDP64 },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'v' },
	{ "zc", required_argument, NULL, OPT_ZC },
	{ "backend", required_argument, NULL, OPT_BACKEND },
	{ "fixed", no_argument, NULL, OPT_FIXED },
	{ "no-fixed", no_argument, NULL, OPT_NO_FIXED },
	{ "inflight", required_argument, NULL, OPT_INFLIGHT },
	{ "read-depth", required_argument, NULL, OPT_READ_DEPTH },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "rr", no_argument, NULL, OPT_RR },
	{ "gso", no_argument, NULL, OPT_GSO },
	{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
	{ "ctl-timeout", required_argument, NULL, OPT_CTL_TIMEOUT },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "sizes", required_argument, NULL, OPT_SIZES },
	{ "modes", required_argument, NULL, OPT_MODES },
	{ "no-control", no_argument, NULL, OPT_NO_CONTROL },
	{ "blockcount", required_argument, NULL, 'k' },
	{ "congestion", required_argument, NULL, 'C' },
	{ "linux-congestion", required_argument, NULL, 'C' },
	{ "affinity", required_argument, NULL, 'A' },
	{ "daemon", no_argument, NULL, 'D' },
	{ "pidfile", required_argument, NULL, 'I' },
	{ "cport", required_argument, NULL, OPT_CPORT },
	{ "sink", no_argument, NULL, OPT_NO_CONTROL },
	{ "omit", required_argument, NULL, 'O' },
	{ "title", required_argument, NULL, 'T' },
	{ "json-stream", no_argument, NULL, OPT_JSON_STREAM },
	{ "logfile", required_argument, NULL, OPT_LOGFILE },
	{ "forceflush", no_argument, NULL, OPT_FORCEFLUSH },
	{ "timestamps", optional_argument, NULL, OPT_TIMESTAMPS },
	{ "get-server-output", no_argument, NULL, OPT_GET_SERVER_OUTPUT },
	/* iperf3 options zcperf refuses */
	{ "zerocopy", no_argument, NULL, OPT_UNSUPPORTED },
	{ "tos", required_argument, NULL, OPT_UNSUPPORTED },
	{ "dscp", required_argument, NULL, OPT_UNSUPPORTED },
	{ "flowlabel", required_argument, NULL, OPT_UNSUPPORTED },
	{ "file", required_argument, NULL, OPT_UNSUPPORTED },
	{ "format", required_argument, NULL, OPT_UNSUPPORTED },
	{ "username", required_argument, NULL, OPT_UNSUPPORTED },
	{ "rsa-public-key-path", required_argument, NULL, OPT_UNSUPPORTED },
	{ "rsa-private-key-path", required_argument, NULL, OPT_UNSUPPORTED },
	{ "authorized-users-path", required_argument, NULL, OPT_UNSUPPORTED },
	{ "bind", required_argument, NULL, OPT_UNSUPPORTED },
	{ "bind-dev", required_argument, NULL, OPT_UNSUPPORTED },
	{ "fq-rate", required_argument, NULL, OPT_UNSUPPORTED },
	{ "pacing-timer", required_argument, NULL, OPT_UNSUPPORTED },
	{ "connect-timeout", required_argument, NULL, OPT_UNSUPPORTED },
	{ "dont-fragment", no_argument, NULL, OPT_UNSUPPORTED },
	{ "debug", optional_argument, NULL, OPT_UNSUPPORTED },
	{ "sctp", no_argument, NULL, OPT_UNSUPPORTED },
	{ "nstreams", required_argument, NULL, OPT_UNSUPPORTED },
	{ "extra-data", required_argument, NULL, OPT_UNSUPPORTED },
	{ "idle-timeout", required_argument, NULL, OPT_UNSUPPORTED },
	{ "rcv-timeout", required_argument, NULL, OPT_UNSUPPORTED },
	{ "snd-timeout", required_argument, NULL, OPT_UNSUPPORTED },
	{ "repeating-payload", no_argument, NULL, OPT_UNSUPPORTED },
	{ "skip-rx-copy", no_argument, NULL, OPT_UNSUPPORTED },
	{ "mptcp", no_argument, NULL, OPT_UNSUPPORTED },
	{ "server-bitrate-limit", required_argument, NULL, OPT_UNSUPPORTED },
	{ "use-pkcs1-padding", no_argument, NULL, OPT_UNSUPPORTED },
	{ NULL, 0, NULL, 0 },
};

/* iperf3's short options zcperf does not implement, with their names. */
static const char *unsupported_short(int c)
{
	switch (c) {
	case 'Z': return "-Z/--zerocopy (use --zc on)";
	case 'S': return "-S/--tos";
	case 'L': return "-L/--flowlabel";
	case 'F': return "-F/--file";
	case 'f': return "-f/--format";
	case 'B': return "-B/--bind";
	case 'd': return "-d/--debug";
	case 'X': return "-X/--xbind";
	case 'm': return "-m/--mptcp";
	}
	return NULL;
}

/* A size with iperf3's suffixes: K, M, G, T (powers of @base). */
static int parse_size(const char *s, double base, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v *= base; end++; break;
	case 'm': case 'M': v *= base * base; end++; break;
	case 'g': case 'G': v *= base * base * base; end++; break;
	case 't': case 'T': v *= base * base * base * base; end++; break;
	}
	if (*end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* What each option with a value accepts, for the error that names it. */
static const char *range_of(int c)
{
	switch (c) {
	case 'p': return "1..65535";
	case 't': return "1..86400 (seconds)";
	case 'n': return "1..1e15 (bytes; suffix K, M, G, T)";
	case 'l': return "1..16M (bytes; suffix K, M; UDP: 16..65507)";
	case 'P': return "1..128";
	case 'b': return "0..10T (bit/s; suffix K, M, G, T; 0 = unlimited)";
	case 'i': return "0 or 0.1..60 (seconds)";
	case 'w': return "0..1G (bytes; suffix K, M, G)";
	case 'M': return "88..9216 (bytes)";
	case 'k': return "1..1e12 (writes; suffix K, M, G)";
	case 'C': return "a name of 1..15 characters (cubic, reno, bbr...)";
	case 'A': return "0..1023 (a CPU; the server's own with zcperf -s -A)";
	case 'I': return "a file name";
	case OPT_CPORT: return "1..65535";
	case OPT_ZC: return "off, on or auto";
	case OPT_BACKEND: return "auto, io_uring, msg_zerocopy or copy";
	case OPT_INFLIGHT: return "1..1024";
	case OPT_READ_DEPTH: return "1..1024";
	case OPT_SEED: return "0..9007199254740991 (2^53 - 1)";
	case OPT_MAX_CONNS: return "1..4096";
	case OPT_CTL_TIMEOUT: return "100..3600000 (ms)";
	case 'O': return "0..600 (seconds)";
	case 'T': return "1..255 characters";
	case OPT_LOGFILE: return "a file name";
	}
	return "valid for the option";
}

/* "-l/--length" from the option table. */
static void name_opt(int c, char *buf, size_t n)
{
	const struct option *lo = longopts;

	while (lo->name && lo->val != c)
		lo++;
	if (c < 256 && lo->name)
		snprintf(buf, n, "-%c/--%s", c, lo->name);
	else if (lo->name)
		snprintf(buf, n, "--%s", lo->name);
	else
		snprintf(buf, n, "-%c", c);
}

static int name_of(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int zp_opts_parse(struct zp_opts *o, int argc, char **argv, char *err,
		  size_t errlen)
{
	static const char *const zcn[] = { "off", "on", "auto" };
	static const char *const ben[] = { "auto", "io_uring", "msg_zerocopy", "copy" };
	double d;
	int c, idx = 0;

	memset(o, 0, sizeof(*o));
	zp_params_default(&o->p);
	o->port = 5201;
	o->family = AF_UNSPEC;
	o->interval = 1;
	o->zc = -1;
	o->backend = -1;
	o->fixed = -1;
	o->max_conns = 16;
	o->ctl_timeout_ms = 10000;
	o->affinity = -1;
	optind = 0; /* GNU: full reinitialisation, so parsing can repeat */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":sc:p:t:n:l:P:Rub:i:J46V1w:M:NhvO:T:k:ZC:SLA:FfDI:BdXm",
				longopts, &idx)) != -1) {
		const char *arg = optarg;
		const char *u;

		switch (c) {
		case 's': o->server = true; break;
		case 'c': o->client = true; o->host = arg; break;
		case 'p':
			if (parse_int(arg, 1, 65535, &o->port))
				goto bad;
			break;
		case 't':
			if (parse_int(arg, 1, ZP_MAX_TIME, &o->p.time))
				goto bad;
			break;
		case 'n':
			if (parse_size(arg, 1024, 1e15, &d) || d < 1)
				goto bad;
			o->p.num = (uint64_t)d;
			break;
		case 'l':
			if (parse_size(arg, 1024, ZP_MAX_TCP_LEN, &d) || d < 1)
				goto bad;
			o->p.len = (uint32_t)d;
			o->len_set = true;
			break;
		case 'P':
			if (parse_int(arg, 1, ZP_MAX_STREAMS, &o->p.parallel))
				goto bad;
			break;
		case 'R': o->p.reverse = true; break;
		case OPT_BIDIR: o->p.bidir = true; break;
		case 'u': o->p.udp = true; break;
		case 'b':
			if (parse_size(arg, 1000, 1e13, &d))
				goto bad;
			o->p.bandwidth = (uint64_t)d;
			o->rate_set = true;
			break;
		case 'i':
			if (parse_size(arg, 1, 60, &d) || (d > 0 && d < 0.1))
				goto bad;
			o->interval = d;
			break;
		case 'J': o->json = true; break;
		case '4': o->family = AF_INET; break;
		case '6': o->family = AF_INET6; break;
		case 'V': o->verbose = true; break;
		case '1': o->one_off = true; break;
		case 'w':
			if (parse_size(arg, 1024, 1 << 30, &d))
				goto bad;
			o->p.window = (int)d;
			break;
		case 'M':
			if (parse_int(arg, 88, 9216, &o->p.mss))
				goto bad;
			break;
		case 'N': o->p.nodelay = true; break;
		case OPT_UDP64: o->p.udp64 = true; break;
		case 'h': snprintf(err, errlen, "help"); return 1;
		case 'v': snprintf(err, errlen, "version"); return 2;
		case OPT_ZC:
			if ((o->zc = name_of(arg, zcn, 3)) < 0)
				goto bad;
			break;
		case OPT_BACKEND:
			if ((o->backend = name_of(arg, ben, 4)) < 0)
				goto bad;
			break;
		case OPT_FIXED: o->fixed = 1; break;
		case OPT_NO_FIXED: o->fixed = 0; break;
		case OPT_INFLIGHT:
			if (parse_int(arg, 1, 1024, &o->inflight))
				goto bad;
			break;
		case OPT_READ_DEPTH:
			if (parse_int(arg, 1, 1024, &o->read_depth))
				goto bad;
			break;
		case OPT_VERIFY: o->p.verify = true; break;
		case OPT_SEED:
			if (parse_size(arg, 1, 9007199254740991.0, &d))
				goto bad;
			o->p.seed = (uint64_t)d;
			break;
		case OPT_RR: o->p.rr = true; break;
		case OPT_GSO: o->gso = true; break;
		case OPT_MAX_CONNS:
			if (parse_int(arg, 1, 4096, &o->max_conns))
				goto bad;
			break;
		case OPT_CTL_TIMEOUT:
			if (parse_int(arg, 100, 3600000, &o->ctl_timeout_ms))
				goto bad;
			break;
		case OPT_OUT: o->out_prefix = arg; break;
		case OPT_SIZES: o->sizes = arg; break;
		case OPT_MODES: o->modes = arg; break;
		case OPT_NO_CONTROL: o->no_control = true; break;
		case 'O':
			if (parse_int(arg, 0, ZP_MAX_OMIT, &o->p.omit))
				goto bad;
			break;
		case 'T':
			if (!arg[0] || strlen(arg) >= sizeof(o->p.title))
				goto bad;
			o->title = arg;
			snprintf(o->p.title, sizeof(o->p.title), "%s", arg);
			break;
		case OPT_JSON_STREAM: o->json = o->json_stream = true; break;
		case OPT_LOGFILE:
			if (!arg[0])
				goto bad;
			o->logfile = arg;
			break;
		case OPT_FORCEFLUSH: o->forceflush = true; break;
		case OPT_TIMESTAMPS:
			/* iperf3's default: ctime-like, then a space */
			o->timestamps = arg && arg[0] ? arg : "%c ";
			break;
		case OPT_GET_SERVER_OUTPUT: o->p.get_server_output = true; break;
		case 'k':
			if (parse_size(arg, 1024, 1e12, &d) || d < 1)
				goto bad;
			o->blocks = (uint64_t)d;
			break;
		case 'C':
			if (!arg[0] || strlen(arg) >= sizeof(o->p.congestion))
				goto bad;
			snprintf(o->p.congestion, sizeof(o->p.congestion), "%s", arg);
			break;
		case 'A':
			if (parse_int(arg, 0, 1023, &o->affinity))
				goto bad;
			break;
		case 'D': o->daemon = true; break;
		case 'I':
			if (!arg[0])
				goto bad;
			o->pidfile = arg;
			break;
		case OPT_CPORT:
			if (parse_int(arg, 1, 65535, &o->cport))
				goto bad;
			break;
		case OPT_UNSUPPORTED:
			snprintf(err, errlen, "option --%s is not supported by zcperf",
				 longopts[idx].name);
			return -EINVAL;
		case ':':
			snprintf(err, errlen, "option %s needs a value",
				 argv[optind - 1]);
			return -EINVAL;
		case '?':
			snprintf(err, errlen, "unknown option %s", argv[optind - 1]);
			return -EINVAL;
		default:
			u = unsupported_short(c);
			snprintf(err, errlen, "option %s is not supported by zcperf",
				 u ? u : "?");
			return -EINVAL;
		}
		continue;
bad: {
		char name[40];

		name_opt(c, name, sizeof(name));
		snprintf(err, errlen, "%s: '%s' is not %s", name, arg ? arg : "",
			 range_of(c));
		return -EINVAL;
	}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (o->server == o->client) {
		snprintf(err, errlen, "give exactly one of -s and -c HOST");
		return -EINVAL;
	}
	if (o->p.reverse && o->p.bidir) {
		snprintf(err, errlen, "-R and --bidir exclude each other");
		return -EINVAL;
	}
	if (o->cport && o->cport - 1 + (o->p.bidir ? 2 : 1) * o->p.parallel > 65535) {
		snprintf(err, errlen, "--cport %d with %d data connections needs "
			 "ports up to %d (at most 65535)", o->cport,
			 (o->p.bidir ? 2 : 1) * o->p.parallel,
			 o->cport - 1 + (o->p.bidir ? 2 : 1) * o->p.parallel);
		return -EINVAL;
	}
	if (o->p.num && o->blocks) {
		snprintf(err, errlen, "-n/--bytes and -k/--blockcount exclude each other");
		return -EINVAL;
	}
	if (o->daemon && !o->server) {
		snprintf(err, errlen, "-D/--daemon is for the server (-s)");
		return -EINVAL;
	}
	if (o->server && (o->cport || o->blocks || o->p.congestion[0])) {
		snprintf(err, errlen, "%s is a client option (-c HOST)",
			 o->cport ? "--cport" : o->blocks ? "-k/--blockcount" :
			 "-C/--congestion");
		return -EINVAL;
	}
	if (o->p.udp) {
		if (!o->len_set)
			o->p.len = 1448; /* one Ethernet-sized datagram */
		if (o->p.len < ZP_MIN_UDP_LEN || o->p.len > ZP_MAX_UDP_LEN) {
			snprintf(err, errlen, "-l/--length: '%u' is not %u..%u "
				 "(bytes of a UDP datagram)", o->p.len,
				 ZP_MIN_UDP_LEN, ZP_MAX_UDP_LEN);
			return -EINVAL;
		}
		if (!o->rate_set)
			o->p.bandwidth = 1000000; /* iperf3's UDP default */
		if (o->p.verify && o->p.len < 24) {
			snprintf(err, errlen, "--verify over UDP needs -l 24 or more");
			return -EINVAL;
		}
	} else if (o->gso) {
		snprintf(err, errlen, "--gso is for UDP (-u)");
		return -EINVAL;
	}
	if (o->p.rr && (o->p.udp || o->p.reverse || o->p.bidir)) {
		snprintf(err, errlen, "--rr is TCP, client to server only");
		return -EINVAL;
	}
	if (o->no_control &&
	    (!o->client || !o->p.udp || o->p.reverse || o->p.bidir ||
	     o->p.verify || o->p.rr)) {
		snprintf(err, errlen, "--no-control is a UDP client that only "
			 "sends (-c HOST -u; not -R, --bidir, --verify, --rr)");
		return -EINVAL;
	}
	if (o->p.rr && !o->len_set)
		o->p.len = 64;
	if (o->server && (o->title || o->p.get_server_output || o->p.omit)) {
		snprintf(err, errlen, "%s is a client option (-c HOST)",
			 o->title ? "-T/--title" : o->p.omit ? "-O/--omit" :
			 "--get-server-output");
		return -EINVAL;
	}
	if (o->p.get_server_output && o->no_control) {
		snprintf(err, errlen, "--get-server-output needs a server (not --no-control)");
		return -EINVAL;
	}
	/* -k: as many writes of -l bytes (for UDP, datagrams); sent to the
	 * server as bytes, which both iperf3 and zcperf end on alike */
	if (o->blocks) {
		if (o->blocks > (uint64_t)1e15 / o->p.len) {
			snprintf(err, errlen, "-k/--blockcount: %llu writes of %u "
				 "bytes is over 1e15 bytes",
				 (unsigned long long)o->blocks, o->p.len);
			return -EINVAL;
		}
		o->p.num = o->blocks * o->p.len;
	}
	if (o->p.num)
		o->p.time = 0; /* -n ends the test, as in iperf3 */
	return 0;
}

void zp_usage(FILE *f)
{
	fprintf(f,
"Usage: zcperf -s [options]\n"
"       zcperf -c HOST [options]\n"
"       zcperf sweep -c HOST [--sizes LIST] [--modes LIST] [--reps N]\n"
"                    [--out PREFIX] [client options] (zcperf sweep --help)\n"
"iperf3's options (same meaning; a value out of range is refused):\n"
"  -s, --server        serve tests, one at a time\n"
"  -c, --client HOST   run a test against HOST\n"
"  -p, --port N        server port, 1..65535 (5201)\n"
"  -t, --time S        seconds to transmit, 1..86400 (10)\n"
"  -n, --bytes N[KMGT] bytes to transmit instead of -t, 1..1e15\n"
"  -l, --length N[KM]  length of each write, 1..16M (128K TCP);\n"
"                      UDP: one datagram, 16..65507 (1448)\n"
"  -P, --parallel N    parallel streams, 1..128 (1)\n"
"  -R, --reverse       the server sends\n"
"      --bidir         both send\n"
"  -u, --udp           UDP (default rate 1M)\n"
"  -b, --bitrate N[KMGT] target bit/s per stream, 0..10T, 0 = unlimited\n"
"                      (also --bandwidth)\n"
"  -i, --interval S    seconds between reports, 0 or 0.1..60 (1, 0 = none)\n"
"  -J, --json          JSON output\n"
"      --json-stream   JSON output, one object per line as events happen\n"
"                      (start, interval, end; error)\n"
"  -O, --omit N        leave the first N seconds (0..600) out of the totals;\n"
"                      the test then runs N + -t seconds\n"
"  -T, --title STR     client: prefix every line with STR (1..255 chars)\n"
"      --logfile FILE  append the output (and errors) to FILE\n"
"      --forceflush    flush the output after every line\n"
"      --timestamps[=FORMAT]  prefix every line with the time (strftime(3)\n"
"                      FORMAT, default \"%%c \")\n"
"      --get-server-output  client: print the server's report too\n"
"  -4, -6              IPv4 or IPv6 only (--version4, --version6)\n"
"  -w, --window N[KMG] socket buffer, 0..1G (0 = the system's)\n"
"  -M, --set-mss N     TCP MSS, 88..9216\n"
"  -N, --no-delay      TCP_NODELAY\n"
"      --udp-counters-64bit  UDP: 64-bit packet numbers\n"
"  -k, --blockcount N[KMG] writes of -l bytes to send instead of -t,\n"
"                      1..1e12\n"
"  -C, --congestion ALGO  TCP congestion control of the data connections\n"
"                      (--linux-congestion; cubic, reno, bbr...)\n"
"      --cport N       client: data connections from local ports N, N+1, ...\n"
"                      (1..65535)\n"
"  -A, --affinity CPU  run on that CPU only, 0..1023\n"
"  -D, --daemon        server: run in the background (output to /dev/null)\n"
"  -I, --pidfile FILE  write the process id to FILE (removed at exit)\n"
"  -1, --one-off       server: one test, then exit\n"
"  -V, --verbose       server: why a client was refused; both: reads made\n"
"  -v, --version; -h, --help\n"
"zcperf's own:\n"
"  --zc off|on|auto    zero-copy mode of the local sends (library default auto)\n"
"  --backend auto|io_uring|msg_zerocopy|copy\n"
"  --fixed             send from a registered (pinned) buffer pool\n"
"                      (the default with --zc auto)\n"
"  --no-fixed          send from plain memory, also with --zc auto\n"
"  --inflight N        write jobs queued per stream, 1..1024 (automatic)\n"
"  --read-depth N      read jobs queued per stream, 1..1024 (2; UDP 64)\n"
"  --verify            offset-derived payload, checked byte by byte by a\n"
"                      receiving zcperf (corrupt, lost, reordered bytes);\n"
"                      needs a zcperf peer\n"
"  --seed N            --verify: the payload's seed, 0..2^53-1 (random)\n"
"  --gso               UDP: send batches of datagrams with UDP_SEGMENT\n"
"  --rr                request/response: transactions/s and latency\n"
"                      (-l: request size, 64); needs a zcperf server\n"
"  --no-control, --sink  UDP client: send to HOST:PORT without a server\n"
"                      (no control channel; a sink that drops the\n"
"                      datagrams, e.g. into an ifb device); reports the\n"
"                      sender's side only\n"
"  --max-conns N       server: connections waiting for their cookie,\n"
"                      1..4096 (16)\n"
"  --ctl-timeout MS    server: control-channel timeout, 100..3600000 (10000)\n");
}
