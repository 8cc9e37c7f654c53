// SPDX-License-Identifier: MIT
/*
 * output.c - zcperf's output stream (output.h): a fopencookie() stream
 * put in place of stdout, so every printf of every part gets the same
 * prefixes, destination and flushing as iperf3's --logfile,
 * --timestamps, -T and --forceflush give.
 */
#include "output.h"
#include "zcperf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ZP_CAPTURE_MAX (512 * 1024) /* fits a results message */

static struct {
	int fd;
	const char *tsfmt;	/* strftime() format, or NULL */
	const char *title;
	bool bol;		/* at the beginning of a line */
	bool capturing, truncated;
	char *cap;
	size_t cap_len, cap_size;
} out = { .fd = -1, .bol = true };

static void write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(out.fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere to report it: the output is gone */
		p += w;
		n -= (size_t)w;
	}
}

static void capture(const char *p, size_t n)
{
	if (!out.capturing)
		return;
	if (out.cap_len + n > ZP_CAPTURE_MAX) {
		out.truncated = true;
		return;
	}
	if (out.cap_len + n + 1 > out.cap_size) {
		size_t sz = (out.cap_len + n + 1) * 2;
		char *c = realloc(out.cap, sz);

		if (!c)
			return;
		out.cap = c;
		out.cap_size = sz;
	}
	memcpy(out.cap + out.cap_len, p, n);
	out.cap_len += n;
	out.cap[out.cap_len] = '\0';
}

static void prefix(void)
{
	char buf[512];
	size_t n = 0;

	if (out.tsfmt) {
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		/* the user's format, as iperf3 takes it */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		n = strftime(buf, sizeof(buf), out.tsfmt, &tm);
#pragma GCC diagnostic pop
	}
	if (out.title)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s:  ", out.title);
	write_all(buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

static ssize_t out_write(void *cookie, const char *buf, size_t size)
{
	size_t done = 0;

	(void)cookie;
	while (done < size) {
		const char *nl = memchr(buf + done, '\n', size - done);
		size_t n = nl ? (size_t)(nl - (buf + done)) + 1 : size - done;

		if (out.bol && (out.tsfmt || out.title))
			prefix();
		write_all(buf + done, n);
		capture(buf + done, n);
		out.bol = nl != NULL;
		done += n;
	}
	return (ssize_t)size;
}

int zp_output_setup(const struct zp_opts *o, char *err, size_t errlen)
{
	cookie_io_functions_t io = { .write = out_write };
	FILE *f;

	if (!o->logfile && !o->timestamps && !o->title && !o->server)
		return 0;
	out.fd = o->logfile ? open(o->logfile, O_WRONLY | O_CREAT | O_APPEND |
				   O_CLOEXEC, 0644) : dup(STDOUT_FILENO);
	if (out.fd < 0) {
		int e = errno;

		snprintf(err, errlen, "--logfile %s: %s", o->logfile ?
			 o->logfile : "(stdout)", strerror(e));
		return -e;
	}
	/* JSON stays JSON: iperf3 prefixes only its text */
	out.tsfmt = o->json ? NULL : o->timestamps;
	out.title = o->json ? NULL : o->title;
	f = fopencookie(NULL, "w", io);
	if (!f) {
		snprintf(err, errlen, "output stream: %s", strerror(errno));
		return -ENOMEM;
	}
	/* a log file is written in blocks unless --forceflush, as iperf3 */
	setvbuf(f, NULL, o->logfile && !o->forceflush ? _IOFBF : _IOLBF, 0);
	fflush(stdout);
	stdout = f;
	if (o->logfile)
		dup2(out.fd, STDERR_FILENO);
	return 0;
}

void zp_output_capture_start(void)
{
	fflush(stdout);
	out.cap_len = 0;
	out.capturing = true;
	out.truncated = false;
}

char *zp_output_capture_take(void)
{
	static const char note[] =
		"\n(the rest of the server's output, past 512 KiB, is not sent)\n";
	char *c;

	fflush(stdout);
	if (out.truncated) {
		out.truncated = false;
		if (out.cap_len > ZP_CAPTURE_MAX - sizeof(note))
			out.cap_len = ZP_CAPTURE_MAX - sizeof(note);
		out.capturing = true;
		capture(note, sizeof(note) - 1);
	}
	c = out.cap_len ? out.cap : NULL;
	if (!c)
		free(out.cap);
	out.cap = NULL;
	out.cap_len = out.cap_size = 0;
	out.capturing = false;
	return c;
}
