#!/bin/sh
# SPDX-License-Identifier: MIT
# peer-iperf3.sh ZCPERF PORT - --verify and --rr need a zcperf server:
# against Debian's iperf3 (which ignores zcperf's parameters: it would
# check no byte, echo no request) the client refuses with a clear message
# and the iperf3 server serves on; against a zcperf server both run.
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/lib.sh"
Z=$1 PORT=$2
PORT=$(free_port "$PORT")
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 not installed"; exit 77; }
with_tmp
fail() { echo "FAIL: $*"; cat "$dir/c.txt"; exit 1; }

timeout 60 iperf3 -s -p "$PORT" >"$dir/s.txt" 2>&1 &
spid=$!
wait_listen "$PORT" "$spid" || fail "iperf3 did not start"
for opt in --verify --rr; do
	timeout 20 "$Z" -c 127.0.0.1 -p "$PORT" -t 1 $opt >"$dir/c.txt" 2>&1 &&
		fail "$opt against iperf3 ran"
	grep -q -- "$opt needs a zcperf server" "$dir/c.txt" ||
		fail "$opt against iperf3: no clear refusal"
	echo "ok: $(grep -- 'needs a zcperf' "$dir/c.txt")"
	timeout 20 "$Z" -c 127.0.0.1 -p "$PORT" -t 1 -i 0 >"$dir/c.txt" 2>&1 ||
		fail "iperf3 did not serve a test after refusing $opt"
done
kill "$spid"; wait "$spid" 2>/dev/null; spid=""

timeout 60 "$Z" -s -p "$PORT" >"$dir/s.txt" 2>&1 &
spid=$!
wait_listen "$PORT" "$spid" || fail "zcperf did not start"
timeout 20 "$Z" -c 127.0.0.1 -p "$PORT" -t 1 -i 0 --verify >"$dir/c.txt" 2>&1 ||
	fail "--verify against zcperf"
grep -q 'Verify: [1-9][0-9]* bytes checked, 0 corrupt' "$dir/c.txt" ||
	fail "--verify against zcperf checked nothing"
timeout 20 "$Z" -c 127.0.0.1 -p "$PORT" -t 1 -i 0 --rr -J >"$dir/c.txt" 2>&1 ||
	fail "--rr against zcperf"
jq -e '.end.zcperf.rr.transactions > 0' "$dir/c.txt" >/dev/null ||
	fail "--rr against zcperf: no transactions"
echo "ok: --verify and --rr against zcperf"
echo PASS
