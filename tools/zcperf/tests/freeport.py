#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# freeport.py [N] - prints a port free for TCP and UDP on loopback (the
# first of N free in a row), chosen by
# the kernel (bind to port 0), so test suites running side by side on one
# machine (CI, several checkouts) do not take each other's ports. Fixed
# per-test ports did: "cannot listen on port 15230: Address already in
# use", then "the server is busy running a test".
import socket
import sys


def bindable(port, kind):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    try:
        s.bind(("::", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port(count=1):
    """The first of @count consecutive ports free now."""
    for _ in range(100):
        t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        t.bind(("::", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        try:
            u.bind(("::", port))
            if all(bindable(port + i, socket.SOCK_STREAM)
                   for i in range(1, count)) and port + count <= 65536:
                return port
        except OSError:
            pass
        finally:
            u.close()
            t.close()
    raise OSError("no free port")


if __name__ == "__main__":
    print(free_port(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
