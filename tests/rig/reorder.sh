#!/bin/bash
# SPDX-License-Identifier: MIT
# reorder - delay, jitter and reordering: every packet to the receiver goes
# through an NFQUEUE program of ours (rig-nfq-delay) that holds it 5 +- 5 ms,
# so later packets overtake earlier ones. Must hold, on every backend and
# mode: the stream arrives intact, every job completes exactly once after
# its release, nothing stays pinned; and the program reports that it
# really reordered packets.
. "$(dirname "$0")/lib.sh"
BYTES=${RIG_BYTES:-32M}
QUEUE=7

rig_init reorder
[ -x "${RIG_NFQ:-}" ] ||
	rig_skip "rig-nfq-delay was not built (libnetfilter-queue-dev missing?)"
rig_need iptables
rig_rcv iptables -A INPUT -p tcp --dport "$RIG_PORT" -j NFQUEUE \
	--queue-num "$QUEUE" 2>"$RIG_TMP/err" ||
	rig_skip "iptables NFQUEUE target unusable: $(cat "$RIG_TMP/err")"
rig_say "must hold: $BYTES intact per run, each job once, pinned 0 at the end, reordered packets > 0"
for b in $RIG_BACKENDS; do
	for m in $RIG_MODES; do
		ready="$RIG_TMP/ready"
		rm -f "$ready"
		rig_bg ip netns exec "$RIG_RCV" "$RIG_NFQ" -q "$QUEUE" -d 5 -j 5 -t 100 \
			-r "$ready" >"$RIG_TMP/nfq" 2>&1
		nfq=$RIG_LAST
		for _ in $(seq 100); do
			[ -e "$ready" ] && break
			sleep 0.05
		done
		if [ ! -e "$ready" ]; then
			cat "$RIG_TMP/nfq"
			rig_fail "$b/$m: rig-nfq-delay did not bind its queue"
			continue
		fi
		rig_xfer "$b/$m" "$b" "$m" "-n $BYTES" "-b $BYTES -q 8"
		kill -TERM "$nfq"
		wait "$nfq"
		rig_forget "$nfq"
		sed "s|^|  [$b/$m] |" "$RIG_TMP/nfq"
		reord=$(awk '/^nfq:/{print $5}' "$RIG_TMP/nfq")
		[ "${reord:-0}" -gt 0 ] ||
			rig_fail "$b/$m: no packet was reordered"
	done
done
rig_end
