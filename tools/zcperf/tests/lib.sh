# SPDX-License-Identifier: MIT
# lib.sh - what the zcperf test scripts share; sourced: . "$(dirname "$0")/lib.sh"

# wait_listen PORT [PID]: waits (bounded, 10 s) until a TCP socket
# listens on PORT; returns 1 if none does, or if process PID (the server
# that should listen) exited: the port was taken by another program
wait_listen() {
	_i=0
	until ss -ltn "sport = :$1" | grep -q LISTEN; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && return 1
		sleep 0.1
	done
	[ -z "${2:-}" ] && return 0
	# a server that could not bind exits at once: give it that moment
	sleep 0.2
	kill -0 "$2" 2>/dev/null
}

# with_tmp: a temporary directory $dir and a server's pid $spid (set it
# when one starts, empty it once waited for), both cleaned up at exit
with_tmp() {
	dir=$(mktemp -d)
	spid=""
	trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$dir"' EXIT
}

# free_port: a port free for TCP and UDP now, chosen by the kernel; the
# port a test is given is only a fallback (fixed ports collided between
# suites running side by side)
# free_port FALLBACK [N]: ... the first of N free ports in a row
free_port() {
	python3 "$(dirname "$0")/freeport.py" "${2:-1}" 2>/dev/null || echo "$1"
}
