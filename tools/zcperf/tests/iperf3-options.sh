#!/bin/bash
# SPDX-License-Identifier: MIT
# iperf3-options.sh ZCPERF PORT - iperf3's options that zcperf once
# refused, each doing what iperf3's does:
#   -C ALGO   the data connections use that congestion control (ss shows
#             it); an unknown one is a clear error
#   --cport N the data connections come from ports N, N+1, ... (the iperf3
#             server's JSON shows them)
#   -k N      N writes of -l bytes, exactly (and the iperf3 server stops)
#   -A CPU    the process runs on that CPU only
#   -D -I F   the server goes to the background, F holds its pid, it
#             serves, and SIGTERM ends it and removes F
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/lib.sh"
Z=$1 PORT=$2
PORT=$(free_port "$PORT")
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
with_tmp
fail() { echo "FAIL: $*"; for f in "$dir"/*; do echo "== $f"; tail -5 "$f"; done; exit 1; }
iperf3_server() {
	timeout 60 iperf3 -s -1 -J -p "$PORT" >"$dir/s.json" 2>&1 &
	spid=$!
	wait_listen "$PORT" "$spid" || fail "iperf3 did not start"
}
server_done() { wait "$spid"; spid=""; }

# -C
cc=$(cat /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null)
case " $cc " in
*" reno "*)
	iperf3_server
	"$Z" -c 127.0.0.1 -p "$PORT" -t 3 -i 0 -C reno >"$dir/c.txt" 2>&1 &
	c=$!
	seen=""
	for _ in $(seq 100); do
		seen=$(ss -tin "dport = :$PORT" | grep -o ' reno ' | head -1)
		[ -n "$seen" ] && break
		sleep 0.1
	done
	wait $c || fail "-C reno: client failed"
	server_done
	[ -n "$seen" ] || fail "-C reno: no data connection used reno"
	echo "ok: -C reno: the data connection runs reno"
	;;
*) echo "note: reno not available here ($cc): -C not checked" ;;
esac
iperf3_server
"$Z" -c 127.0.0.1 -p "$PORT" -t 1 -C nosuchcc >"$dir/c.txt" 2>&1 && fail "-C nosuchcc ran"
grep -q 'nosuchcc: no such congestion control' "$dir/c.txt" ||
	fail "-C nosuchcc: unclear error: $(cat "$dir/c.txt")"
echo "ok: -C nosuchcc: $(grep nosuchcc "$dir/c.txt")"
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=""

# the zcperf server takes -C (for its own sends with -R) and -k from
# iperf3 clients (it refused both)
timeout 60 "$Z" -s -1 -J -p "$PORT" >"$dir/zs.json" 2>&1 &
spid=$!
wait_listen "$PORT" "$spid" || fail "zcperf did not start"
if [ -n "${seen:-}" ]; then
	iperf3 -c 127.0.0.1 -p "$PORT" -t 3 -i 0 -R -C reno >"$dir/c.txt" 2>&1 &
	c=$!
	srv_cc=""
	for _ in $(seq 100); do
		srv_cc=$(ss -tin "sport = :$PORT" | grep -o ' reno ' | head -1)
		[ -n "$srv_cc" ] && break
		sleep 0.1
	done
	wait $c || fail "iperf3 -R -C reno against zcperf"
	server_done
	[ -n "$srv_cc" ] || fail "iperf3 -R -C reno: the zcperf server's sends did not use reno"
	echo "ok: iperf3 -R -C reno: the zcperf server sends with reno"
	timeout 60 "$Z" -s -1 -J -p "$PORT" >"$dir/zs.json" 2>&1 &
	spid=$!
	wait_listen "$PORT" "$spid" || fail "zcperf did not start"
fi
iperf3 -c 127.0.0.1 -p "$PORT" -k 50 -l 64K -R -J >"$dir/c.json" 2>&1 ||
	fail "iperf3 -k 50 -R against zcperf"
server_done
got=$(jq '.end.sum_received.bytes' "$dir/c.json")
sent=$(jq '.end.sum_sent.bytes' "$dir/zs.json")
[ "$sent" = 3276800 ] || fail "iperf3 -k 50 -l 64K -R: the zcperf server sent $sent"
echo "ok: iperf3 -k 50 -l 64K -R: the zcperf server sent $sent bytes, iperf3 got $got"

# --cport
cport=$(free_port 40000 2)
iperf3_server
"$Z" -c 127.0.0.1 -p "$PORT" -t 1 -i 0 -P 2 --cport "$cport" >"$dir/c.txt" 2>&1 ||
	fail "--cport $cport"
server_done
ports=$(jq -c '[.start.connected[].remote_port] | sort' "$dir/s.json")
[ "$ports" = "[$cport,$((cport + 1))]" ] || fail "--cport $cport: the server saw $ports"
echo "ok: --cport $cport -P 2: data from $ports"
"$Z" -c 127.0.0.1 -p "$PORT" --cport 65535 -P 2 >"$dir/c.txt" 2>&1 &&
	fail "--cport 65535 -P 2 ran (the second port would wrap)"
grep -q 'needs ports up to 65536' "$dir/c.txt" || fail "--cport 65535 -P 2: $(cat "$dir/c.txt")"
echo "ok: --cport 65535 -P 2 refused: $(cat "$dir/c.txt" | head -1)"

# -k
iperf3_server
"$Z" -c 127.0.0.1 -p "$PORT" -k 100 -l 64K -J >"$dir/c.json" 2>&1 || fail "-k 100"
server_done
sent=$(jq '.end.sum_sent.bytes' "$dir/c.json")
got=$(jq '.end.sum_received.bytes' "$dir/s.json")
[ "$sent" = 6553600 ] || fail "-k 100 -l 64K sent $sent bytes"
[ "$got" -gt 0 ] && [ "$got" -le "$sent" ] || fail "-k: the server got $got of $sent"
echo "ok: -k 100 -l 64K: sent $sent bytes, the iperf3 server read $got before TEST_END"

# a short -k test: the iperf3 server, which stops reading at TEST_END,
# must have every byte first (it counted 0 of 7000 in 4 runs of 6)
for i in 1 2 3; do
	iperf3_server
	"$Z" -c 127.0.0.1 -p "$PORT" -i 0 -k 7 -P 3 -l 1000 -J >"$dir/c.json" 2>&1 || fail "-k 7 -P 3"
	server_done
	got=$(jq '.end.sum_received.bytes' "$dir/s.json")
	[ "$got" = 7000 ] || fail "-k 7 -P 3 -l 1000: the iperf3 server read $got of 7000 bytes"
done
echo "ok: -k 7 -P 3 -l 1000: the iperf3 server read all 7000 bytes, 3 runs of 3"

# -A
cpu=$(($(nproc) - 1))
iperf3_server
"$Z" -c 127.0.0.1 -p "$PORT" -t 2 -i 0 -A "$cpu" >"$dir/c.txt" 2>&1 &
c=$!
allowed=""
for _ in $(seq 50); do
	allowed=$(awk '/Cpus_allowed_list/ { print $2 }' /proc/$c/status 2>/dev/null)
	[ "$allowed" = "$cpu" ] && break
	sleep 0.1
done
wait $c || fail "-A $cpu: the test failed"
server_done
[ "$allowed" = "$cpu" ] || fail "-A $cpu: allowed CPUs '$allowed'"
echo "ok: -A $cpu: runs on CPU $allowed"
"$Z" -c 127.0.0.1 -p "$PORT" -A 5000 >"$dir/c.txt" 2>&1 && fail "-A 5000 accepted"

# -D -I
pidf=$dir/zcperf.pid
timeout 10 "$Z" -s -D -I "$pidf" -p "$PORT" >"$dir/d.txt" 2>&1 ||
	fail "-D did not return at once"
for _ in $(seq 100); do [ -s "$pidf" ] && break; sleep 0.1; done
dpid=$(cat "$pidf" 2>/dev/null)
[ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null || fail "-I: no live pid in $pidf"
wait_listen "$PORT" "$dpid" || { kill "$dpid"; fail "the daemon does not listen"; }
timeout 20 "$Z" -c 127.0.0.1 -p "$PORT" -t 1 -i 0 >"$dir/c.txt" 2>&1 ||
	{ kill "$dpid"; fail "the daemon did not serve"; }
kill -TERM "$dpid"
for _ in $(seq 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$dpid" 2>/dev/null && { kill -9 "$dpid"; fail "the daemon ignored SIGTERM"; }
[ -e "$pidf" ] && fail "the pid file stayed after SIGTERM"
echo "ok: -D -I: pid $dpid in the background, served a test, SIGTERM ended it"
echo PASS
