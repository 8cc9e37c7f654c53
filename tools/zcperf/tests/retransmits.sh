#!/bin/bash
# SPDX-License-Identifier: MIT
# retransmits.sh ZCPERF PORT - a lossy path (2 % of the packets reaching
# the receiver dropped: iptables statistic on its INPUT, two namespaces
# joined by a veth pair, 198.18.0.0/15): zcperf reports the sender's real
# retransmits, in -J (per interval, per stream, in the sums) and in the
# text's Retr column, and the receiving server reports none (it cannot
# measure them). Needs root (skips without).
Z=$1 PORT=$2
RIG_XFER=$Z # the rig library checks for a transfer program: ours
. "$(dirname "$0")/../../../tests/rig/lib.sh"
rig_init zcperf-retransmits
rig_need iptables jq
rig_rcv iptables -A INPUT -p tcp -m statistic --mode random \
	--probability 0.02 -j DROP 2>"$RIG_TMP/err" ||
	rig_skip "iptables statistic match unusable: $(cat "$RIG_TMP/err")"
. "$(dirname "$0")/lib.sh"
server() {
	rig_bg rig_rcv timeout 60 "$Z" -s -1 -p "$PORT" "$@"
	rig_rcv sh -c '. "$1"; wait_listen "$2"' sh "$(dirname "$0")/lib.sh" \
		"$PORT" && return
	rig_fail "server did not listen"; exit 1
}
server -J >"$RIG_TMP/s.json"
rig_snd timeout 60 "$Z" -c "$RIG_RCV_IP" -p "$PORT" -t 2 -J >"$RIG_TMP/c.json" ||
	{ head -c 2000 "$RIG_TMP/c.json"; rig_fail "client failed"; exit 1; }
wait "$RIG_LAST"
jq -c '[.end.sum_sent.retransmits, [.intervals[].streams[0].retransmits],
	.end.streams[0].sender.max_snd_cwnd, .end.streams[0].sender.mean_rtt]' \
	"$RIG_TMP/c.json"
jq -e '.end.sum_sent.retransmits > 0' "$RIG_TMP/c.json" >/dev/null ||
	rig_fail "-J: sum_sent.retransmits not > 0 on a lossy path"
jq -e '.end.streams[0].sender.retransmits == .end.sum_sent.retransmits' \
	"$RIG_TMP/c.json" >/dev/null || rig_fail "-J: stream and sum disagree"
jq -e '[.intervals[].streams[0].retransmits] | add > 0' "$RIG_TMP/c.json" \
	>/dev/null || rig_fail "-J: no retransmits in the intervals"
jq -e '.intervals[0].streams[0] | .snd_cwnd > 0 and .rtt > 0 and .pmtu > 0' \
	"$RIG_TMP/c.json" >/dev/null || rig_fail "-J: no cwnd/rtt/pmtu per interval"
jq -e '.end.streams[0].sender | .max_snd_cwnd > 0 and .min_rtt > 0 and
	.min_rtt <= .mean_rtt and .mean_rtt <= .max_rtt' "$RIG_TMP/c.json" \
	>/dev/null || rig_fail "-J: max/min/mean RTT or cwnd missing"
jq -e '[.intervals[].streams[] | has("retransmits")] | any | not' \
	"$RIG_TMP/s.json" >/dev/null ||
	rig_fail "the receiving server reports retransmits it cannot measure"
# the text: Retr and Cwnd columns per interval, Retr on the sender's line
server >"$RIG_TMP/s.txt"
rig_snd timeout 60 "$Z" -c "$RIG_RCV_IP" -p "$PORT" -t 2 >"$RIG_TMP/c.txt" ||
	{ cat "$RIG_TMP/c.txt"; rig_fail "client failed"; exit 1; }
wait "$RIG_LAST"
cat "$RIG_TMP/c.txt"
grep -q 'Bitrate         Retr  Cwnd$' "$RIG_TMP/c.txt" ||
	rig_fail "text: no Retr and Cwnd columns"
r=$(awk '/ sender$/ { print $(NF - 1) }' "$RIG_TMP/c.txt")
[ -n "$r" ] && [ "$r" -gt 0 ] 2>/dev/null ||
	rig_fail "text: the sender's Retr is '$r', not > 0"
rig_end
