#!/bin/bash
# SPDX-License-Identifier: MIT
# rate - a slow link: tbf at 50 Mbit/s on the sender's side of the veth,
# 32 jobs of 256 KiB queued at once, a pinned-bytes budget of 2 MiB (a
# quarter of what is queued). Must hold, on every backend and mode: the
# library never pins more than its budget (it throttles new zero-copy
# sends instead), the stream arrives intact, every job completes exactly
# once after its release, nothing stays pinned; and the transfer took as
# long as 50 Mbit/s says, so the rate limit really acted.
. "$(dirname "$0")/lib.sh"
BYTES=${RIG_BYTES:-8M}
BUDGET=2M

rig_init rate
rig_need tc
rig_snd tc qdisc add dev zcs root tbf rate 50mbit burst 64kb \
	latency 100ms 2>"$RIG_TMP/err" ||
	rig_skip "tc tbf unusable: $(cat "$RIG_TMP/err")"
rig_say "must hold: $BYTES intact per run with 32 jobs in flight, most pinned <= $BUDGET, each job once, pinned 0 at the end, rate <= 50 Mbit/s (+10 %)"
for b in $RIG_BACKENDS; do
	for m in $RIG_MODES; do
		rig_xfer "$b/$m" "$b" "$m" "-n $BYTES" \
			"-b $BYTES -j 256K -q 32 -B $BUDGET" || continue
		ms=$(rig_recv_ms "$b/$m")
		bytes=$(( $(numfmt --from=iec "$BYTES") ))
		mbit=$((bytes * 8 / 1000 / ${ms:-1}))
		rig_say "  [$b/$m] measured $mbit Mbit/s at the receiver"
		[ "$mbit" -le 55 ] ||
			rig_fail "$b/$m: $mbit Mbit/s through a 50 Mbit/s tbf: the limit did not act"
	done
done
rig_say "tbf: $(rig_snd tc -s qdisc show dev zcs | awk '/Sent/{print "sent " $2 " bytes, dropped " $7}')"
rig_end
