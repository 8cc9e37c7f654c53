#!/bin/bash
# SPDX-License-Identifier: MIT
# sink.sh ZCPERF PORT - the UDP client without a server (--no-control):
# datagrams to a bound UDP socket on loopback that never reads (the
# stand-in for the ifb sink of the benchmark, which needs a namespace),
# in every zero-copy mode, with and without GSO. Checks the JSON: bytes
# sent, no receiver numbers, the zero-copy counters add up, and that
# --no-control refuses what needs a server.
set -u
. "$(dirname "$0")/lib.sh"
Z=$1 PORT=$2
PORT=$(free_port "$PORT")
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
dir=$(mktemp -d)
rpid=""
cleanup() { [ -n "$rpid" ] && kill "$rpid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

for bad in "" "-u -R" "-u --bidir" "-u --verify" "-u -s"; do
	"$Z" -c 127.0.0.1 -p "$PORT" --no-control $bad >/dev/null 2>&1 &&
		fail "--no-control accepted with '$bad'"
done
echo "ok: --no-control refuses TCP, -R, --bidir, --verify"

# a port that is open (no ICMP "port unreachable") and never read
timeout 60 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', $PORT))
open('$dir/bound', 'w').close()
time.sleep(60)" &
rpid=$!
# Send only once the port is bound: before, the kernel answers with ICMP
# port unreachable and the client's stream ends (seen once, on a busy box).
for i in $(seq 100); do
	[ -e "$dir/bound" ] && break
	sleep 0.1
done
[ -e "$dir/bound" ] || fail "the sink did not bind within 10 s"
for args in "--zc off" "--zc on" "--zc on --fixed" "--zc auto" \
	    "--zc on --fixed --gso -l 1400" "--zc off --gso -l 8000"; do
	timeout 20 "$Z" -c 127.0.0.1 -p "$PORT" -u --sink -b 500M -l 32000 \
		-t 1 -J $args >"$dir/c.json" 2>"$dir/c.err" ||
		{ cat "$dir/c.err"; head -c 1500 "$dir/c.json"; fail "client: $args"; }
	jq -e '.end.zcperf.no_control == true and .end.sum_sent.bytes > 0 and
		.end.sum_received.bytes == 0 and
		(.end.zcperf.local | .bytes_zc + .bytes_zc_copied + .bytes_copied) ==
		.end.sum_sent.bytes and (has("error") | not)' "$dir/c.json" >/dev/null ||
		{ head -c 3000 "$dir/c.json"; fail "JSON of '$args'"; }
	echo "ok: $args: $(jq -c '[.end.sum_sent.bytes, .end.zcperf.local.bytes_zc,
		.end.zcperf.local.bytes_zc_copied, .end.zcperf.local.bytes_copied]' "$dir/c.json")"
done
timeout 20 "$Z" -c 127.0.0.1 -p "$PORT" -u --sink -b 100M -t 1 >"$dir/c.txt" 2>&1 ||
	fail "text output"
grep -q "sender" "$dir/c.txt" && ! grep -q "receiver$" "$dir/c.txt" ||
	{ cat "$dir/c.txt"; fail "text report"; }
echo PASS
