#!/bin/bash
# SPDX-License-Identifier: MIT
# loss - 2 % of the packets reaching the receiver dropped at random
# (iptables statistic on its INPUT). Must hold, on every backend and mode:
# the stream arrives intact, every job completes exactly once after its
# release (the sender overwrites each buffer at completion: an early
# completion would put garbage on the wire at the next retransmit),
# nothing stays pinned; and the sender's retransmit counter moved, so the
# rule really dropped packets. Once more on io_uring with a completion
# queue of 8 entries under 64 jobs in flight. And the test of the test:
# jobs completed early on purpose must show as a corrupt stream.
. "$(dirname "$0")/lib.sh"
BYTES=${RIG_BYTES:-64M}
RIG_MODES=${RIG_MODES:-on pool off}

rig_init loss
rig_need iptables
rig_rcv iptables -A INPUT -p tcp -m statistic --mode random \
	--probability 0.02 -j DROP 2>"$RIG_TMP/err" ||
	rig_skip "iptables statistic match unusable: $(cat "$RIG_TMP/err")"
rig_say "must hold: $BYTES intact per run, each job once, pinned 0 at the end, retransmits > 0"
for b in $RIG_BACKENDS; do
	for m in $RIG_MODES; do
		r0=$(rig_retrans)
		rig_xfer "$b/$m" "$b" "$m" "-n $BYTES" "-b $BYTES -q 8"
		r1=$(rig_retrans)
		rig_say "  [$b/$m] retransmitted segments: $((r1 - r0))"
		[ $((r1 - r0)) -gt 0 ] ||
			rig_fail "$b/$m: no retransmits: the loss rule did not act"
	done
done
# A completion queue of 8 entries under 64 jobs of 256 KiB, in 16 KiB
# sends (two completions each when zero-copy), with the loss.
if [ "${RIG_BACKENDS#*io_uring}" != "$RIG_BACKENDS" ]; then
	rig_xfer "io_uring/on/cq8" io_uring on "-n $BYTES" \
		"-b $BYTES -j 256K -q 64 -c 8 -S 16K"
fi
# The test of the test: with jobs completed before their release on
# purpose (the early-completion test hook), the retransmits from buffers the
# sender already overwrote must show at the receiver (up to 3 tries).
for b in $RIG_BACKENDS; do
	[ "$b" = copy ] && continue
	caught=0
	for try in 1 2 3; do
		if RIG_EXPECT=corrupt rig_xfer "$b/on/unsafe-$try" "$b" on \
			"-n $BYTES" "-b $BYTES -q 8 -U"; then
			caught=1
			break
		fi
	done
	if [ "$caught" -eq 1 ]; then
		rig_say "  [$b/on/unsafe] the receiver caught the early completions (try $try)"
	else
		rig_fail "$b/on/unsafe: early completions went unnoticed: the rig cannot see them"
	fi
done
rig_say "iptables on the receiver: $(rig_rcv iptables -L INPUT -v -n -x | awk '/DROP/{print $1 " packets dropped"}')"
rig_end
