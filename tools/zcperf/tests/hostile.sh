#!/bin/bash
# SPDX-License-Identifier: MIT
# hostile.sh ZCPERF PORT - a zcperf server facing strangers
# (RELIABILITY.md, "Servers facing strangers"): a connection flood over
# the cap, a client that sends nothing, one that sends a byte a second,
# truncated / oversized / negative-length / bad-JSON control messages, a
# malformed cookie, unsupported parameters. After each the server must
# still run a real test, and its memory must stay bounded.
set -u
. "$(dirname "$0")/lib.sh"
Z=$1 PORT=$2
PORT=$(free_port "$PORT")
CAP=4
dir=$(mktemp -d)
spid=""
cleanup() {
	for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 9 ] && eval "exec $fd>&-" 2>/dev/null; done
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap "" PIPE
fail() { echo "FAIL: $*"; cat "$dir/s.txt" | tail -20; exit 1; }

timeout 120 "$Z" -s -p "$PORT" --max-conns $CAP --ctl-timeout 1000 -V >"$dir/s.txt" 2>&1 &
spid=$!
wait_listen "$PORT" "$spid" || fail "server did not start"

cookie='abcdefghijklmnopqrstuvwxyz2345672345'
real_test() {
	timeout 20 "$Z" -c 127.0.0.1 -p "$PORT" -t 1 -i 0 >"$dir/c.txt" 2>&1 ||
		{ cat "$dir/c.txt"; fail "real test after '$1'"; }
	kill -0 "$spid" 2>/dev/null || fail "server died after '$1'"
	echo "ok: $1"
}
# sends bytes (printf format) on a fresh control connection, then waits
# up to 3 s for the server to close it
probe() {
	local what=$1 fmt=$2
	exec {fd}<>/dev/tcp/127.0.0.1/"$PORT" || fail "connect for '$what'"
	printf "$fmt" >&$fd 2>/dev/null
	timeout 3 cat <&$fd >"$dir/reply" 2>/dev/null
	local rc=$?
	exec {fd}>&-
	[ $rc -eq 124 ] && fail "'$what': server kept the connection open"
	real_test "$what"
}

real_test "start"
rss0=$(awk '/VmRSS/{print $2}' /proc/$spid/status)

# connection flood: CAP + 50 connections that send nothing
fds=()
for n in $(seq 1 $((CAP + 50))); do
	exec {fd}<>/dev/tcp/127.0.0.1/"$PORT" 2>/dev/null && fds+=($fd)
done
# the extra ones are closed at once; allow a busy machine 5 s to get there
for i in $(seq 50); do
	open=$(ss -tn state established "sport = :$PORT" | tail -n +2 | wc -l)
	[ "$open" -le $((CAP + 1)) ] && break
	sleep 0.1
done
[ "$open" -le $((CAP + 1)) ] || fail "$open connections kept open, cap is $CAP"
rss1=$(awk '/VmRSS/{print $2}' /proc/$spid/status)
[ $((rss1 - rss0)) -lt 16384 ] || fail "memory grew by $((rss1 - rss0)) KiB"
# slow clients: the control timeout (1 s) closes them all (bounded: 6 s)
for i in $(seq 60); do
	open=$(ss -tn state established "sport = :$PORT" | tail -n +2 | wc -l)
	[ "$open" -eq 0 ] && break
	sleep 0.1
done
[ "$open" -eq 0 ] || fail "$open idle connections still open after the timeout"
for fd in "${fds[@]}"; do exec {fd}>&-; done
echo "ok: flood of $((CAP + 50)) closed ($open left), RSS +$((rss1 - rss0)) KiB"
real_test "flood"

# a byte a second never completes the cookie within the timeout
exec {fd}<>/dev/tcp/127.0.0.1/"$PORT"
t0=$(date +%s%N)
for n in 1 2 3; do printf 'a' >&$fd 2>/dev/null || break; sleep 1; done
exec {fd}>&-
real_test "one byte a second"

probe "malformed cookie" 'this is not a cookie at all, no no no\0'
probe "truncated length" "${cookie}\\0\\0\\0"
probe "truncated JSON" "${cookie}\\0\\0\\0\\100{\"tcp\":true"
probe "oversized message" "${cookie}\\0\\0\\x10\\0\\0"
probe "negative length" "${cookie}\\0\\xff\\xff\\xff\\xf0"
probe "zero length" "${cookie}\\0\\0\\0\\0\\0"
probe "bad JSON" "${cookie}\\0\\0\\0\\0\\011{bad json}"
probe "JSON not an object" "${cookie}\\0\\0\\0\\0\\002[]"
probe "wrong types" "${cookie}\\0\\0\\0\\0\\041{\"tcp\":\"yes\",\"time\":\"10\",\"len\":-1}"
probe "unsupported option" "${cookie}\\0\\0\\0\\0\\052{\"tcp\":true,\"time\":1,\"parallel\":1,\"omit\":3}"
probe "huge parallel" "${cookie}\\0\\0\\0\\0\\053{\"tcp\":true,\"time\":1,\"parallel\":100000000}"
probe "deep nesting" "${cookie}\\0\\0\\0\\0\\050[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
# the server answers an unsupported option with SERVER_ERROR (-2)
exec {fd}<>/dev/tcp/127.0.0.1/"$PORT"
printf "${cookie}\\0\\0\\0\\0\\052{\"tcp\":true,\"time\":1,\"parallel\":1,\"omit\":3}" >&$fd
reply=$(timeout 3 od -An -tx1 -N2 <&$fd | tr -d ' \n')
exec {fd}>&-
[ "$reply" = "09fe" ] || fail "expected PARAM_EXCHANGE then SERVER_ERROR, got '$reply'"
echo "ok: unsupported option refused with SERVER_ERROR"
# a data connection with a wrong cookie while a test runs: ACCESS_DENIED
timeout 20 "$Z" -c 127.0.0.1 -p "$PORT" -t 2 -i 0 >"$dir/c2.txt" 2>&1 &
cpid=$!
# wait (bounded) until the test runs: its data stream is connected
for i in $(seq 100); do
	grep -q "connected to" "$dir/c2.txt" 2>/dev/null && break
	sleep 0.05
done
sleep 0.2
exec {fd}<>/dev/tcp/127.0.0.1/"$PORT"
printf 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\0' >&$fd
reply=$(timeout 3 od -An -tx1 -N1 <&$fd | tr -d ' \n')
exec {fd}>&-
wait $cpid || { cat "$dir/c2.txt"; fail "the running test was disturbed"; }
[ "$reply" = "ff" ] || fail "expected ACCESS_DENIED, got '$reply'"
echo "ok: stranger during a test denied, test unaffected"
real_test "end"
echo PASS
