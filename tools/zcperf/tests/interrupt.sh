#!/bin/bash
# SPDX-License-Identifier: MIT
# interrupt.sh ZCPERF PORT - Ctrl-C mid-test (RELIABILITY.md, "benchmark
# interruption"), as iperf3 3.12 behaves:
#  - a client that gets SIGINT (or SIGTERM) prints the summary so far
#    (with -J: one valid JSON document with the bytes and the error) and
#    exits promptly; the server (zcperf or iperf3) hears CLIENT_TERMINATE
#    and serves the next test;
#  - a zcperf server that gets SIGINT during a test ends it (summary so
#    far; the client hears SERVER_TERMINATE and prints its own) and keeps
#    serving; SIGINT on an idle server, or SIGTERM, makes it exit.
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/lib.sh"
Z=$1 PORT=$2
PORT=$(free_port "$PORT")
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
dir=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for f in "$dir"/*; do echo "== $f"; tail -15 "$f"; done
	exit 1
}
# waits (bounded, 30 s) until file $1 matches the regex $2
# tests_seen FILE: how many tests a server's output has accepted so far
tests_seen() { grep -c 'Accepted connection' "$1"; }
# wait_interval FILE N: waits (bounded, 30 s) until the test after the
# first N in FILE printed an interval line (so an earlier test's lines,
# printed late, do not count)
wait_interval() {
	for _ in $(seq 300); do
		awk -v n="$2" '/Accepted connection/ { k++ }
			k > n && /[0-9]+\.[0-9]+-[0-9]+\.[0-9]+ +sec/ { f = 1 }
			END { exit !f }' "$1" && return 0
		sleep 0.1
	done
	fail "test $(($2 + 1)) printed no interval in $1"
}
wait_for() {
	for _ in $(seq 300); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "'$2' never appeared in $1"
}
# waits (bounded, $2 s) for process $1 to exit; its status in $rc
wait_exit() {
	local i
	for i in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; rc=$?; return 0; }
		sleep 0.1
	done
	fail "process $1 still running $2 s after the signal"
}
listening() { wait_listen "$1" "$2" || fail "our server does not listen on $1"; }
# wait_idle: until our server has ended its last test (its banner for
# the next one is out); a signal or a client before that meets the test
# still winding down
wait_idle() {
	for _ in $(seq 300); do
		[ "$(grep -c 'Server listening' "$dir/server.txt")" -gt "$(tests_seen "$dir/server.txt")" ] && return 0
		sleep 0.1
	done
	fail "the server did not end its test"
}
real_test() {
	timeout 30 "$Z" -c 127.0.0.1 -p "$1" -t 1 -i 0 >"$dir/real.txt" 2>&1 ||
		fail "a real test after '$2' failed"
	echo "ok: served a test after $2"
	[ "$1" = "$PORT" ] && kill -0 "$spid" 2>/dev/null && wait_idle
	return 0
}

"$Z" -s -p "$PORT" -i 0.2 >"$dir/server.txt" 2>&1 &
spid=$!
pids+=($spid)
listening "$PORT" $spid

# 1. client, -J, SIGINT after the first server interval
k=0
for sig in INT TERM; do
	n=$(tests_seen "$dir/server.txt")
	"$Z" -c 127.0.0.1 -p "$PORT" -t 60 -J >"$dir/c.json" 2>"$dir/c.err" &
	c=$!
	pids+=($c)
	wait_interval "$dir/server.txt" "$n"
	kill -$sig $c
	wait_exit $c 10
	[ $rc -ne 0 ] || fail "an interrupted client exited 0 (iperf3 exits 1)"
	jq -e . "$dir/c.json" >/dev/null || fail "SIG$sig: -J output is not valid JSON"
	bytes=$(jq -r '.end.sum_sent.bytes' "$dir/c.json")
	err=$(jq -r '.error // .end.error // empty' "$dir/c.json")
	[ "${bytes:-0}" -gt 0 ] 2>/dev/null || fail "SIG$sig: no bytes in the summary"
	case $err in *"client has terminated"*) ;; *) fail "SIG$sig: error '$err'" ;; esac
	echo "ok: client SIG$sig: JSON summary, $bytes bytes, '$err'"
	k=$((k + 1))
	for _ in $(seq 300); do
		[ "$(grep -c 'client terminated' "$dir/server.txt")" -ge $k ] && break
		sleep 0.1
	done
	[ "$(grep -c 'client terminated' "$dir/server.txt")" -ge $k ] ||
		fail "the server did not hear CLIENT_TERMINATE"
	real_test "$PORT" "a client's SIG$sig"
done

# 2. client in text mode, -R: the summary is printed
"$Z" -c 127.0.0.1 -p "$PORT" -t 60 -R -i 0.2 >"$dir/c.txt" 2>&1 &
c=$!
pids+=($c)
wait_for "$dir/c.txt" '[0-9]+\.[0-9]+-[0-9]+\.[0-9]+ +sec'
kill -INT $c
wait_exit $c 10
grep -q 'receiver' "$dir/c.txt" || fail "-R: no summary after Ctrl-C"
grep -q 'client has terminated' "$dir/c.txt" || fail "-R: no interrupt message"
grep -q 'iperf Done' "$dir/c.txt" && fail "-R: 'iperf Done.' after Ctrl-C (iperf3 says it only on success)"
k=$((k + 1))
for _ in $(seq 300); do
	[ "$(grep -c 'client terminated' "$dir/server.txt")" -ge $k ] && break
	sleep 0.1
done
[ "$(grep -c 'client terminated' "$dir/server.txt")" -ge $k ] ||
	fail "-R: the server did not say the client terminated the test"
echo "ok: client -R Ctrl-C prints the summary"
real_test "$PORT" "a -R client's Ctrl-C"

# 3. the server gets SIGINT mid-test: it ends the test and serves on
n=$(tests_seen "$dir/server.txt")
"$Z" -c 127.0.0.1 -p "$PORT" -t 60 -J >"$dir/c2.json" 2>"$dir/c2.err" &
c=$!
pids+=($c)
wait_interval "$dir/server.txt" "$n"
kill -INT $spid
wait_exit $c 10
jq -e . "$dir/c2.json" >/dev/null || fail "client JSON after the server's Ctrl-C"
err=$(jq -r '.error // .end.error // empty' "$dir/c2.json")
case $err in *"server has terminated"*) ;; *) fail "client saw '$err'" ;; esac
grep -q 'server has terminated' "$dir/server.txt" || fail "server printed no summary"
kill -0 $spid 2>/dev/null || fail "the server exited on Ctrl-C during a test"
echo "ok: server Ctrl-C ended the test ('$err'), server still up"
real_test "$PORT" "the server's Ctrl-C"

# 4. SIGINT on an idle server (real_test waited for it to end its test:
# a SIGINT while it winds a test down ends that test and serves on)
kill -INT $spid
wait_exit $spid 10
echo "ok: idle server exits on Ctrl-C (status $rc)"

# 5. SIGTERM on a server mid-test: summary, then exit
"$Z" -s -p "$PORT" -i 0.2 >"$dir/server.txt" 2>&1 &
spid=$!
pids+=($spid)
listening "$PORT" $spid
"$Z" -c 127.0.0.1 -p "$PORT" -t 60 >"$dir/c3.txt" 2>&1 &
c=$!
pids+=($c)
wait_interval "$dir/server.txt" 0
kill -TERM $spid
wait_exit $spid 10
wait_exit $c 10
grep -q 'server has terminated' "$dir/c3.txt" || fail "client did not hear SERVER_TERMINATE"
echo "ok: SIGTERM ends the server after its test"

# 6. against Debian's iperf3 server: it hears CLIENT_TERMINATE, serves on
if command -v iperf3 >/dev/null; then
	P2=$(free_port $((PORT + 1)))
	iperf3 -s -p "$P2" -i 0.2 >"$dir/iperf3.txt" 2>&1 &
	ipid=$!
	pids+=($ipid)
	listening "$P2" $ipid
	"$Z" -c 127.0.0.1 -p "$P2" -t 60 -J >"$dir/c4.json" 2>&1 &
	c=$!
	pids+=($c)
	wait_for "$dir/iperf3.txt" '[0-9]+\.[0-9]+-[0-9]+\.[0-9]+ +sec'
	kill -INT $c
	wait_exit $c 10
	jq -e '.end.sum_sent.bytes > 0' "$dir/c4.json" >/dev/null ||
		fail "client against iperf3: no JSON summary"
	real_test "$P2" "Ctrl-C against iperf3"
	kill -0 $ipid || fail "iperf3 server died"
	echo "ok: against iperf3"
fi
echo PASS
