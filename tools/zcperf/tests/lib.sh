# SPDX-License-Identifier: MIT
# lib.sh - what the zcperf test scripts share; sourced: . "$(dirname "$0")/lib.sh"

# wait_listen PORT: waits (bounded, 10 s) until a TCP socket listens on
# PORT; returns 1 if none does
wait_listen() {
	_i=0
	while ! ss -ltn "sport = :$1" | grep -q LISTEN; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && return 1
		sleep 0.1
	done
	return 0
}
