// SPDX-License-Identifier: MIT
/*
 * unit-knobs.c - the pure logic of knobs.c: size and mode parsing,
 * inheritance engine -> socket -> job, and the auto mode's state machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "unit.h"

static void test_parse_size(void)
{
	uint64_t v = 0;

	CHECK(zc__parse_size("4096", &v) == 0 && v == 4096);
	CHECK(zc__parse_size("16k", &v) == 0 && v == 16384);
	CHECK(zc__parse_size("1M", &v) == 0 && v == 1048576);
	CHECK(zc__parse_size("2GiB", &v) == 0 && v == 2ull << 30);
	CHECK(zc__parse_size("0x10", &v) == 0 && v == 16);
	CHECK(zc__parse_size("", &v) == -EINVAL);
	CHECK(zc__parse_size(NULL, &v) == -EINVAL);
	CHECK(zc__parse_size("-1", &v) == -EINVAL);
	CHECK(zc__parse_size("12q", &v) == -EINVAL);
	CHECK(zc__parse_size("k", &v) == -EINVAL);
	CHECK(zc__parse_size("99999999999999999999", &v) == -EINVAL);
	CHECK(zc__parse_size("17179869184G", &v) == -ERANGE);
}

static void test_parse_tx(void)
{
	int v = -5;

	CHECK(zc__parse_tx_zcopy("off", &v) == 0 && v == ZC_TX_OFF);
	CHECK(zc__parse_tx_zcopy("ON", &v) == 0 && v == ZC_TX_ON);
	CHECK(zc__parse_tx_zcopy("auto", &v) == 0 && v == ZC_TX_AUTO);
	CHECK(zc__parse_tx_zcopy("0", &v) == 0 && v == ZC_TX_OFF);
	CHECK(zc__parse_tx_zcopy("yes", &v) == -EINVAL);
	CHECK(zc__parse_tx_zcopy(NULL, &v) == -EINVAL);
}

static void test_env(void)
{
	struct zc__knobs k;
	uint64_t budget, reprobe;

	setenv("ZCAIO_TX_ZCOPY", "off", 1);
	setenv("ZCAIO_ZC_THRESHOLD", "64k", 1);
	setenv("ZCAIO_SEG_MAX", "0", 1); /* invalid: default stays */
	setenv("ZCAIO_PIN_BUDGET", "8M", 1);
	setenv("ZCAIO_AUTO_REPROBE", "junk", 1);
	setenv("ZCAIO_DEADLINE_MS", "1500", 1);
	zc__knobs_from_env(&k, &budget, &reprobe);
	CHECK(k.tx_zcopy == ZC_TX_OFF);
	CHECK(k.zc_threshold == 65536);
	CHECK(k.seg_max == ZC__DEFAULT_SEG_MAX);
	CHECK(budget == 8u << 20);
	CHECK(reprobe == ZC__DEFAULT_AUTO_REPROBE);
	CHECK(k.deadline_ms == 1500);
	unsetenv("ZCAIO_DEADLINE_MS");
	unsetenv("ZCAIO_TX_ZCOPY");
	unsetenv("ZCAIO_ZC_THRESHOLD");
	unsetenv("ZCAIO_SEG_MAX");
	unsetenv("ZCAIO_PIN_BUDGET");
	unsetenv("ZCAIO_AUTO_REPROBE");
	zc__knobs_from_env(&k, &budget, &reprobe);
	CHECK(k.tx_zcopy == ZC__DEFAULT_TX_ZCOPY);
	CHECK(budget == ZC__DEFAULT_PIN_BUDGET);
}

static void test_resolve(void)
{
	struct zc__knobs eng = { ZC_TX_ON, 100, 1000, 0 };
	struct zc__knobs sock = { ZC_TX_INHERIT, UINT64_MAX, UINT64_MAX,
				  UINT64_MAX };
	struct zc__knobs k;

	k = zc__knobs_resolve(&eng, &sock, ZC_TX_INHERIT);
	CHECK(k.tx_zcopy == ZC_TX_ON && k.zc_threshold == 100 &&
	      k.seg_max == 1000);
	sock.tx_zcopy = ZC_TX_OFF;
	sock.seg_max = 50;
	k = zc__knobs_resolve(&eng, &sock, ZC_TX_INHERIT);
	CHECK(k.tx_zcopy == ZC_TX_OFF && k.seg_max == 50 &&
	      k.zc_threshold == 100);
	k = zc__knobs_resolve(&eng, &sock, ZC_TX_AUTO);
	CHECK(k.tx_zcopy == ZC_TX_AUTO);
	CHECK(k.deadline_ms == 0);
	sock.deadline_ms = 250;
	k = zc__knobs_resolve(&eng, &sock, ZC_TX_INHERIT);
	CHECK(k.deadline_ms == 250);
}

static void test_auto(void)
{
	struct zc__auto a = { 0 };
	int zc = 0;

	CHECK(!zc__send_is_zc(ZC_TX_OFF, 0, 1 << 20, &a));
	CHECK(zc__send_is_zc(ZC_TX_ON, 0, 1 << 20, &a));
	CHECK(!zc__send_is_zc(ZC_TX_ON, 4096, 100, &a)); /* threshold */
	CHECK(zc__send_is_zc(ZC_TX_AUTO, 0, 1, &a));
	/* Reports of zero-copy keep it on. */
	CHECK(!zc__auto_report(&a, false, 3));
	CHECK(zc__auto_want_zc(&a));
	/* The first copied report switches, later stale ones do not. */
	CHECK(zc__auto_report(&a, true, 3));
	CHECK(!zc__auto_report(&a, true, 3));
	for (int i = 0; i < 3; i++)
		zc += zc__auto_want_zc(&a);
	CHECK(zc == 0);
	/* Then one probe, and nothing more until its report. */
	CHECK(zc__auto_want_zc(&a));
	CHECK(!zc__auto_want_zc(&a));
	CHECK(!zc__auto_want_zc(&a));
	/* The probe copied too: another 3 copies, not counted as a switch. */
	CHECK(!zc__auto_report(&a, true, 3));
	zc = 0;
	for (int i = 0; i < 3; i++)
		zc += zc__auto_want_zc(&a);
	CHECK(zc == 0);
	CHECK(zc__auto_want_zc(&a));
	/* A probe granted but not sent (held back) is given back. */
	zc__auto_unwant(&a);
	CHECK(zc__auto_want_zc(&a)); /* the probe again */
	CHECK(!zc__auto_want_zc(&a));
	/* Giving back when no probe is out changes nothing. */
	{
		struct zc__auto b = { 0 };

		zc__auto_unwant(&b);
		CHECK(zc__auto_want_zc(&b) && !b.copying);
	}
	/* The probe went zero-copy: back to zero-copy for good. */
	CHECK(!zc__auto_report(&a, false, 3));
	CHECK(zc__auto_want_zc(&a) && zc__auto_want_zc(&a));
}

int main(void)
{
	test_parse_size();
	test_parse_tx();
	test_env();
	test_resolve();
	test_auto();
	return unit_verdict();
}
