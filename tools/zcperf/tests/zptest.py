# SPDX-License-Identifier: MIT
# zptest.py - what the zcperf test programs in Python share.
import socket
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
