#!/bin/bash
# SPDX-License-Identifier: MIT
# reset - the peer gives up mid-stream: the receiver reads 8 MiB, stalls
# 100 ms and closes with SO_LINGER {1, 0}, so a reset crosses the veth
# while jobs are in flight. Must hold, on every backend and mode: the jobs
# the reset cut fail with -ECONNRESET/-EPIPE/-ECONNABORTED, all within 1 s
# of the first, each job exactly once, after its pages came back (pinned
# 0, no release owed); no SIGPIPE (the sender leaves it at its default
# action: it would die); the receiver's 8 MiB are intact.
. "$(dirname "$0")/lib.sh"

rig_init reset
rig_say "must hold: jobs fail with a reset error within 1 s, each job once, pinned 0 at the end, no SIGPIPE, 8 MiB prefix intact"
for b in $RIG_BACKENDS; do
	for m in $RIG_MODES; do
		rig_xfer "$b/$m" "$b" "$m" "-X 8M -n 8M" \
			"-b 256M -q 8 -E reset"
	done
done
rig_end
