// SPDX-License-Identifier: MIT
/*
 * knobs.c - the run-time switches: parsing, inheritance, and the auto
 * mode's decision. Pure logic, no I/O, unit tested in tests/unit-knobs.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

int zc__parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default: break;
	}
	if (*end == 'i' && shift)
		end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

struct zc__name {
	const char *name;
	int v;
};

/* Case-insensitive lookup of s in a table of names. */
static int zc__lookup(const struct zc__name *names, size_t n, const char *s,
		      int *out)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!strcasecmp(s, names[i].name)) {
			*out = names[i].v;
			return 0;
		}
	}
	return -EINVAL;
}

#define ZC__LOOKUP(names, s, out) \
	zc__lookup(names, sizeof(names) / sizeof(names[0]), s, out)

int zc__parse_tx_zcopy(const char *s, int *out)
{
	static const struct zc__name names[] = {
		{ "off", ZC_TX_OFF },	{ "0", ZC_TX_OFF },
		{ "on", ZC_TX_ON },	{ "1", ZC_TX_ON },
		{ "auto", ZC_TX_AUTO },
	};

	return ZC__LOOKUP(names, s, out);
}

/* Malformed variables are ignored: the defaults stay, nothing prints. */
void zc__knobs_from_env(struct zc__knobs *k, uint64_t *pin_budget,
			uint64_t *auto_reprobe)
{
	uint64_t v;
	int tx;

	k->tx_zcopy = ZC__DEFAULT_TX_ZCOPY;
	k->zc_threshold = ZC__DEFAULT_THRESHOLD;
	k->seg_max = ZC__DEFAULT_SEG_MAX;
	k->deadline_ms = 0;
	*pin_budget = ZC__DEFAULT_PIN_BUDGET;
	*auto_reprobe = ZC__DEFAULT_AUTO_REPROBE;

	if (!zc__parse_tx_zcopy(getenv("ZCAIO_TX_ZCOPY"), &tx))
		k->tx_zcopy = tx;
	if (!zc__parse_size(getenv("ZCAIO_ZC_THRESHOLD"), &v))
		k->zc_threshold = v;
	if (!zc__parse_size(getenv("ZCAIO_SEG_MAX"), &v) && v > 0)
		k->seg_max = v;
	if (!zc__parse_size(getenv("ZCAIO_DEADLINE_MS"), &v) && v <= INT32_MAX)
		k->deadline_ms = v;
	if (!zc__parse_size(getenv("ZCAIO_PIN_BUDGET"), &v) && v > 0)
		*pin_budget = v;
	if (!zc__parse_size(getenv("ZCAIO_AUTO_REPROBE"), &v) && v > 0)
		*auto_reprobe = v;
}

struct zc__knobs zc__knobs_resolve(const struct zc__knobs *engine,
				   const struct zc__knobs *sock, int job_tx)
{
	struct zc__knobs k = *engine;

	if (sock->tx_zcopy != ZC_TX_INHERIT)
		k.tx_zcopy = sock->tx_zcopy;
	if (sock->zc_threshold != UINT64_MAX)
		k.zc_threshold = sock->zc_threshold;
	if (sock->seg_max != UINT64_MAX)
		k.seg_max = sock->seg_max;
	if (sock->deadline_ms != UINT64_MAX)
		k.deadline_ms = sock->deadline_ms;
	if (job_tx != ZC_TX_INHERIT)
		k.tx_zcopy = job_tx;
	return k;
}

bool zc__auto_want_zc(struct zc__auto *a)
{
	if (!a->copying)
		return true;
	if (a->until_probe == UINT64_MAX)
		return false; /* a probe is out; wait for its report */
	if (a->until_probe > 0) {
		a->until_probe--;
		return false;
	}
	/* Probe: one zero-copy send; its report decides what follows. */
	a->until_probe = UINT64_MAX;
	return true;
}

void zc__auto_unwant(struct zc__auto *a)
{
	if (a->copying && a->until_probe == UINT64_MAX)
		a->until_probe = 0; /* the next send is the probe again */
}

bool zc__auto_report(struct zc__auto *a, bool copied, uint64_t reprobe)
{
	if (!copied) {
		a->copying = false;
		return false;
	}
	if (a->copying && a->until_probe != UINT64_MAX)
		return false; /* a late report of a send before the switch */
	bool switched = !a->copying;

	a->copying = true;
	a->until_probe = reprobe;
	return switched;
}

bool zc__send_is_zc(int tx, uint64_t threshold, size_t seg, struct zc__auto *a)
{
	if (tx == ZC_TX_OFF || seg < threshold)
		return false;
	if (tx == ZC_TX_ON)
		return true;
	return zc__auto_want_zc(a);
}

int zc__parse_backend(const char *s, int *out)
{
	static const struct zc__name names[] = {
		{ "auto", ZC_BACKEND_AUTO },
		{ "io_uring", ZC_BACKEND_URING },
		{ "uring", ZC_BACKEND_URING },
		{ "msg_zerocopy", ZC_BACKEND_MSG_ZEROCOPY },
		{ "msgzc", ZC_BACKEND_MSG_ZEROCOPY },
		{ "epoll", ZC_BACKEND_MSG_ZEROCOPY },
		{ "copy", ZC_BACKEND_COPY },
	};

	return ZC__LOOKUP(names, s, out);
}
