#!/bin/bash
# SPDX-License-Identifier: MIT
# zerowin - a zero window for ever, across the veth: the receiver has a
# 4 KiB receive buffer and reads nothing for 1.5 s; the socket has a 1 s
# deadline. Must hold, on every backend and mode: jobs fail -ETIMEDOUT near
# the deadline (the first not before 0.9 s, each by its deadline + 1 s),
# each job exactly once, pinned bytes back to 0; and the sender waits
# without a busy loop (CPU time under 30 % of the wall time).
. "$(dirname "$0")/lib.sh"
DEADLINE=1000

rig_init zerowin
rig_say "must hold: jobs fail -ETIMEDOUT by the deadline ($DEADLINE ms) + 1 s, each job once, pinned 0 at the end, sender CPU < 30 % of wall time"
for b in $RIG_BACKENDS; do
	for m in $RIG_MODES; do
		rig_xfer "$b/$m" "$b" "$m" "-R 4096 -H 1500 -A" \
			"-b 16M -q 8 -d $DEADLINE -E deadline -C 30"
	done
done
rig_end
