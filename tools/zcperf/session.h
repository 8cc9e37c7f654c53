/* SPDX-License-Identifier: MIT */
/* session.h - the parts of a test that client and server share. */
#ifndef ZCPERF_SESSION_H
#define ZCPERF_SESSION_H

#include "zcperf.h"

/* longest sleep inside the engine before looking at control fds */
#define ZP_ENGINE_SLICE_MS 5

void zp_test_init(struct zp_test *t, const struct zp_opts *o, bool server);
void zp_test_choose(struct zp_test *t);
int zp_test_start_streams(struct zp_test *t, char *err, size_t errlen);
int zp_test_tick(struct zp_test *t, int max_ms);
bool zp_test_turn(struct zp_test *t, int extra_fd, int max_ms);
void zp_test_stop_clock(struct zp_test *t);
void zp_test_drain_senders(struct zp_test *t, double max_s, double stall_s);
void zp_test_drain_receivers(struct zp_test *t, double max_s, bool to_eof);
void zp_test_close_streams(struct zp_test *t, double max_s);
void zp_test_free(struct zp_test *t);
/* Waits for one control message (driving the engine meanwhile). */
int zp_ctl_wait(struct zp_test *t, enum zp_rx_mode mode, double timeout_s,
		const char **err);

#endif
