#!/bin/sh
# SPDX-License-Identifier: MIT
# interop.sh ZCPERF ROLE PORT [test options] - zcperf against Debian's
# iperf3 on loopback. ROLE "client": zcperf -c to iperf3 -s; "server":
# iperf3 -c to zcperf -s; "self": zcperf on both ends. Passes when both exit 0 and both sides' JSON
# agree on the byte counts (the server's own count is compared with the
# client's view of it), the receiver got bytes, and a test of -t T ended
# at its time: the client reports at most T + 1.5 s and is done within
# T + 4 s of wall time (a test against an iperf3 server once ran 5 s too
# long: the client waited for the receive side to go quiet; the slack is
# for a machine with a load average of 20, where CI runs).
set -u
. "$(dirname "$0")/lib.sh"
Z=$1 ROLE=$2 PORT=$3
PORT=$(free_port "$PORT")
shift 3
[ "$ROLE" = self ] || command -v iperf3 >/dev/null ||
	{ echo "SKIP: iperf3 not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
with_tmp
if [ "$ROLE" = client ]; then
	timeout 30 iperf3 -s -1 -J -p "$PORT" >"$dir/s.json" 2>&1 &
	spid=$!
	CLI="timeout 30 $Z"
else
	timeout 30 "$Z" -s -1 -J -p "$PORT" >"$dir/s.json" 2>&1 &
	spid=$!
	CLI="timeout 30 iperf3"
	[ "$ROLE" = self ] && CLI="timeout 30 $Z"
fi
# wait (bounded) for the server to listen
wait_listen "$PORT" "$spid" || { echo "FAIL: server did not start"; exit 1; }
t0=$(date +%s.%N)
$CLI -c 127.0.0.1 -p "$PORT" -J "$@" >"$dir/c.json" 2>"$dir/c.err"
crc=$?
wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
wait "$spid"; src=$?; spid=""
if [ $crc -ne 0 ] || [ $src -ne 0 ]; then
	echo "FAIL: client rc=$crc server rc=$src"; cat "$dir/c.err" "$dir/c.json" "$dir/s.json" | head -50; exit 1
fi
rev=0
case " $* " in *" -R "*) rev=1 ;; esac
# the server's local count: what it received (forward) or sent (-R)
if [ $rev -eq 1 ]; then key=sum_sent; else key=sum_received; fi
sb=$(jq -r ".end.$key.bytes" "$dir/s.json")
cb=$(jq -r ".end.$key.bytes" "$dir/c.json")
rb=$(jq -r '.end.sum_received.bytes' "$dir/c.json")
sent=$(jq -r '.end.sum_sent.bytes' "$dir/c.json")
echo "server $key=$sb client $key=$cb client sent=$sent received=$rb, wall ${wall} s"
[ "$sb" = "$cb" ] || { echo "FAIL: byte counts differ"; exit 1; }
[ "$rb" -gt 0 ] 2>/dev/null || { echo "FAIL: nothing received"; exit 1; }
[ "$rb" -le "$sent" ] || { echo "FAIL: received more than sent"; exit 1; }
T=$(echo " $* " | sed -n 's/.* -t \([0-9]*\) .*/\1/p')
if [ -n "$T" ]; then
	secs=$(jq -r '[.end.sum_sent.seconds, .end.sum_received.seconds] | max' "$dir/c.json")
	echo "test of $T s: the client reports $secs s"
	awk -v s="$secs" -v t="$T" 'BEGIN { exit !(s <= t + 1.5) }' ||
		{ echo "FAIL: reported $secs s for a $T s test"; exit 1; }
	awk -v w="$wall" -v t="$T" 'BEGIN { exit !(w <= t + 4) }' ||
		{ echo "FAIL: a $T s test took $wall s"; exit 1; }
fi
echo PASS
