# SPDX-License-Identifier: MIT
# zptest.py - what the zcperf test programs in Python share.
import json
import random
import socket
import struct
import subprocess
import sys
import time


def fail(msg, srv=None):
    """Prints FAIL and the server's last output, exits 1."""
    print("FAIL:", msg)
    if srv:
        srv.kill()
        print(srv.communicate()[0].decode(errors="replace")[-2000:])
    sys.exit(1)


def read_n(s, n):
    """Reads exactly n bytes from socket s."""
    b = b""
    while len(b) < n:
        x = s.recv(n - len(b))
        if not x:
            raise EOFError("connection closed after %r" % b)
        b += x
    return b


def state(s):
    """Reads one iperf3 control state byte."""
    return struct.unpack("b", read_n(s, 1))[0]


def start_server(args, port):
    """Starts a server, waits (bounded, 10 s) until it accepts."""
    srv = subprocess.Popen(args, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return srv
        except OSError:
            time.sleep(0.1)
    fail("server did not start", srv)


def params_exchange(port, params, srv):
    """Opens a control connection with a fresh cookie and sends @params
    (iperf3's fields, a dict) up to CREATE_STREAMS. Returns (ctl, cookie)."""
    cookie = ("".join(random.choice("abcdefghijklmnopqrstuvwxyz234567")
                      for _ in range(36)) + "\0").encode()
    ctl = socket.create_connection(("127.0.0.1", port), timeout=10)
    ctl.sendall(cookie)
    if state(ctl) != 9:
        fail("no PARAM_EXCHANGE", srv)
    body = json.dumps(dict({"tcp": True, "omit": 0, "num": 0,
                            "blockcount": 0, "parallel": 1,
                            "pacing_timer": 1000,
                            "client_version": "3.12"}, **params)).encode()
    ctl.sendall(struct.pack(">I", len(body)) + body)
    if state(ctl) != 10:
        fail("no CREATE_STREAMS", srv)
    return ctl, cookie
