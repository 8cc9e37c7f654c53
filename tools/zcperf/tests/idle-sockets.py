#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# idle-sockets.py ZCPERF PORT - server availability (RELIABILITY.md,
# "idle sockets at the server"):
#  1. 40 connections that never send a cookie (more than the 16 the
#     server keeps waiting) must not lock real clients out: a zcperf and
#     an iperf3 client with valid cookies are served at once, not after
#     the 10 s control timeout, again and again;
#  2. a busy server answers a second client ACCESS_DENIED, as iperf3
#     does ("the server is busy"), not with a reset.
# Exit 0 pass, 1 fail, 77 skip.
import shutil
import socket
import subprocess
import sys
import time

from freeport import free_port
from zptest import fail, start_server

Z, PORT = sys.argv[1], free_port()
IDLE = 40


def client(cmd):
    t0 = time.monotonic()
    r = subprocess.run(["timeout", "30"] + cmd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    took = time.monotonic() - t0
    return r.returncode, r.stdout.decode(errors="replace"), took


srv = start_server([Z, "-s", "-p", str(PORT)], PORT)

peers = [[Z, "-c", "127.0.0.1", "-p", str(PORT), "-t", "1", "-i", "0"]]
if shutil.which("iperf3"):
    peers.append(["iperf3", "-c", "127.0.0.1", "-p", str(PORT), "-t", "1",
                  "-i", "0"])

for rnd in range(2):
    idle = [socket.create_connection(("127.0.0.1", PORT), timeout=3)
            for _ in range(IDLE)]
    for cmd in peers:
        rc, out, took = client(cmd)
        if rc != 0:
            fail("%s with %d idle connections open: rc %d\n%s" %
                 (cmd[0], IDLE, rc, out), srv)
        # a starved client waits for the 10 s control timeout
        if took > 8:
            fail("%s took %.1f s with %d idle connections" %
                 (cmd[0], took, IDLE), srv)
        print("ok: round %d, %s served in %.1f s beside %d idle sockets" %
              (rnd, cmd[0], took, IDLE))
    for s in idle:
        s.close()

# a long test runs; others are told the server is busy
long = subprocess.Popen([Z, "-c", "127.0.0.1", "-p", str(PORT), "-t", "60",
                         "-i", "0.2"], stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT)
line = b""
t0 = time.monotonic()
while b"sec" not in line and time.monotonic() - t0 < 30:
    line = long.stdout.readline()
if b"sec" not in line:
    long.kill()
    fail("the long test did not start", srv)
for cmd in peers:
    rc, out, took = client(cmd)
    if rc == 0 or "busy" not in out:
        long.kill()
        fail("%s against a busy server: rc %d, %r" % (cmd[0], rc, out), srv)
    print("ok: %s told '%s'" % (cmd[0], out.strip().splitlines()[-1]))
long.terminate()
long.wait(timeout=20)
rc, out, took = client(peers[0])
if rc != 0:
    fail("a test after the busy phase: %s" % out, srv)
if srv.poll() is not None:
    fail("server died", srv)
srv.terminate()
srv.wait(timeout=20)
print("PASS")
