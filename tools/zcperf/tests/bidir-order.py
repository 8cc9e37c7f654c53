#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# bidir-order.py ZCPERF - which --bidir stream sends goes by the order the
# client connected them (its sending streams first, as iperf3's server
# counts them), not by the order the server read their cookies. A client
# connects A then B, sends B's cookie first and A's a second later: the
# zcperf server must read A (the client sends on it) and send on B. It
# once took B for its receiving stream: on A both ends sent, nobody read,
# and the test stalled at its in-flight window (--bidir --verify -P 2).
# Exit 0 pass, 1 fail.
import select
import socket
import sys
import time

from freeport import free_port
from zptest import fail, params_exchange, start_server, state

Z, PORT = sys.argv[1], free_port()


srv = start_server([Z, "-s", "-p", str(PORT)], PORT)
try:
    ctl, cookie = params_exchange(PORT, {"time": 3, "len": 65536,
                                         "bidirectional": True}, srv)
    a = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    b = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    b.sendall(cookie)
    time.sleep(1)  # the server reads B's cookie first
    a.sendall(cookie)
    if (state(ctl), state(ctl)) != (1, 2):
        fail("no TEST_START, TEST_RUNNING", srv)
except (OSError, EOFError) as e:
    fail("handshake: %r" % e, srv)

# the client sends on A; the server must send on B and only on B
a.setblocking(False)
payload = b"\x5a" * 65536
t0 = time.monotonic()
got_b = got_a = 0
while time.monotonic() - t0 < 2:
    try:
        a.send(payload)
    except BlockingIOError:
        pass
    r, _, _ = select.select([a, b], [], [], 0.05)
    if b in r:
        got_b += len(b.recv(1 << 16))
    if a in r:
        got_a += len(a.recv(1 << 16))
for s in (a, b, ctl):
    s.close()
print("the server sent %d bytes on B (the client's receiving stream), "
      "%d on A (the client's sending stream)" % (got_b, got_a))
if got_a or not got_b:
    fail("stream roles follow the cookies' order, not the connections'", srv)
time.sleep(0.2)
if srv.poll() is not None:
    fail("server died", srv)
srv.terminate()
srv.wait(timeout=20)
print("PASS")
