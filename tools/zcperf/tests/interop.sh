#!/bin/sh
# SPDX-License-Identifier: MIT
# interop.sh ZCPERF ROLE PORT [test options] - zcperf against Debian's
# iperf3 on loopback. ROLE "client": zcperf -c to iperf3 -s; "server":
# iperf3 -c to zcperf -s. Passes when both exit 0 and both sides' JSON
# agree on the byte counts (the server's own count is compared with the
# client's view of it), and the receiver got bytes.
set -u
Z=$1 ROLE=$2 PORT=$3
shift 3
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
dir=$(mktemp -d)
spid=""
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
if [ "$ROLE" = client ]; then
	timeout 30 iperf3 -s -1 -J -p "$PORT" >"$dir/s.json" 2>&1 &
	spid=$!
	CLI="timeout 30 $Z"
else
	timeout 30 "$Z" -s -1 -J -p "$PORT" >"$dir/s.json" 2>&1 &
	spid=$!
	CLI="timeout 30 iperf3"
fi
# wait (bounded) for the server to listen
i=0
while ! ss -ltn "sport = :$PORT" | grep -q LISTEN; do
	i=$((i + 1)); [ $i -gt 50 ] && { echo "FAIL: server did not start"; exit 1; }
	sleep 0.1
done
$CLI -c 127.0.0.1 -p "$PORT" -J "$@" >"$dir/c.json" 2>"$dir/c.err"
crc=$?
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
echo "server $key=$sb client $key=$cb client sent=$sent received=$rb"
[ "$sb" = "$cb" ] || { echo "FAIL: byte counts differ"; exit 1; }
[ "$rb" -gt 0 ] 2>/dev/null || { echo "FAIL: nothing received"; exit 1; }
[ "$rb" -le "$sent" ] || { echo "FAIL: received more than sent"; exit 1; }
echo PASS
