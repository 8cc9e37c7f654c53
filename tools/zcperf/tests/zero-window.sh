#!/bin/bash
# SPDX-License-Identifier: MIT
# zero-window.sh ZCPERF PORT - "client that never reads" (RELIABILITY.md,
# "Servers facing strangers"): a client asks for a reverse test (-R: the
# server sends), opens its data connection with a tiny receive buffer and
# never reads it, so the window closes. The server's writes then pass
# their deadline (ZC_OPT_DEADLINE_MS = the control timeout): it must end
# the test by then, with none of its send buffers still pinned, and go on
# serving a real test.
set -u
. "$(dirname "$0")/lib.sh"
Z=$1 PORT=$2
PORT=$(free_port "$PORT")
CTL_MS=1000
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
with_tmp
fail() { echo "FAIL: $*"; tail -20 "$dir/s.txt"; exit 1; }

timeout 90 "$Z" -s -p "$PORT" --ctl-timeout $CTL_MS -V >"$dir/s.txt" 2>&1 &
spid=$!
wait_listen "$PORT" "$spid" || fail "server did not start"

# The stranger. Prints the seconds from TEST_RUNNING until the server
# closed the control connection; exits 1 if it never did (20 s).
timeout 40 python3 - "$PORT" >"$dir/py.txt" 2>&1 <<'EOF'
import json, socket, struct, sys, time
port = int(sys.argv[1])
cookie = b"abcdefghijklmnopqrstuvwxyz2345672345\0"
def state(s):
    b = s.recv(1)
    if not b:
        sys.exit("control closed during setup")
    return struct.unpack("b", b)[0]
ctl = socket.create_connection(("127.0.0.1", port), timeout=20)
ctl.sendall(cookie)
assert state(ctl) == 9, "no PARAM_EXCHANGE"
p = json.dumps({"tcp": True, "omit": 0, "time": 30, "num": 0,
                "parallel": 1, "reverse": True, "len": 131072,
                "client_version": "3.12"}).encode()
ctl.sendall(struct.pack(">I", len(p)) + p)
assert state(ctl) == 10, "no CREATE_STREAMS"
data = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
data.connect(("127.0.0.1", port))
data.sendall(cookie)
assert state(ctl) == 1, "no TEST_START"
assert state(ctl) == 2, "no TEST_RUNNING"
t0 = time.monotonic()
# never read `data`; wait for the server to give up on us
ctl.settimeout(20)
try:
    while ctl.recv(4096):
        pass
except socket.timeout:
    sys.exit("the server kept the test running for 20 s")
except ConnectionError:
    pass
print("%.2f" % (time.monotonic() - t0))
EOF
rc=$?
cat "$dir/py.txt"
[ $rc -eq 0 ] || fail "stranger: rc=$rc"
secs=$(tail -1 "$dir/py.txt")
# the deadline is 1 s; allow for a loaded machine, far below the 30 s test
awk -v s="$secs" 'BEGIN { exit !(s < 8) }' || fail "aborted after $secs s"
kill -0 "$spid" 2>/dev/null || fail "server died"
grep -q "the client stopped reading" "$dir/s.txt" ||
	fail "server did not report the write deadline"
grep -q "0 bytes of sends still pinned" "$dir/s.txt" ||
	fail "pinned bytes not back to 0: $(grep 'still pinned' "$dir/s.txt")"
grep "still pinned" "$dir/s.txt"
echo "ok: server aborted the zero-window test after $secs s"

timeout 20 "$Z" -c 127.0.0.1 -p "$PORT" -t 1 -i 0 -R >"$dir/c.txt" 2>&1 ||
	{ cat "$dir/c.txt"; fail "real test afterwards"; }
echo "ok: the server still serves"
echo PASS
