#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# idle-client.py ZCPERF PORT - a client that goes through the whole
# handshake (cookie, parameters asking for a 60 s test, its data stream)
# and then sends nothing at all (RELIABILITY.md, "Servers facing
# strangers", slow client). The server serves one test at a time: it must
# end this one after its control timeout without data, not hold every
# other client off for the test's whole duration (up to 24 h), and then
# serve a real test. Exit 0 pass, 1 fail, 77 skip.
import socket
import subprocess
import sys
import time

from freeport import free_port
from zptest import fail, params_exchange, start_server, state

Z, PORT = sys.argv[1], free_port()
CTL_MS = 1000


srv = start_server([Z, "-s", "-p", str(PORT), "--ctl-timeout", str(CTL_MS),
                    "-V"], PORT)

try:
    ctl, cookie = params_exchange(PORT, {"time": 60, "len": 131072}, srv)
    data = socket.create_connection(("127.0.0.1", PORT), timeout=3)
    data.sendall(cookie)
    if (state(ctl), state(ctl)) != (1, 2):
        fail("no TEST_START, TEST_RUNNING", srv)
except (OSError, EOFError) as e:
    fail("handshake: %r" % e, srv)

# Send nothing; the server must give up within a few control timeouts.
t0 = time.monotonic()
ctl.settimeout(0.2)
closed = False
while time.monotonic() - t0 < 4:
    try:
        if ctl.recv(64) == b"":
            closed = True
            break
    except socket.timeout:
        pass
    except OSError:
        closed = True
        break
waited = time.monotonic() - t0
ctl.close()
data.close()
if not closed:
    fail("a client that sends no data held the server for %.1f s "
         "(control timeout %d ms)" % (waited, CTL_MS), srv)
print("ok: idle test ended after %.1f s" % waited)

r = subprocess.run(["timeout", "10", Z, "-c", "127.0.0.1", "-p", str(PORT),
                    "-t", "1", "-i", "0"], stdout=subprocess.PIPE,
                   stderr=subprocess.STDOUT)
if r.returncode != 0:
    print(r.stdout.decode(errors="replace"))
    fail("a real test after the idle client failed", srv)
if srv.poll() is not None:
    fail("server died", srv)
srv.terminate()
srv.wait()
print("PASS")
