#!/bin/bash
# SPDX-License-Identifier: MIT
# blackhole - the path dies mid-stream: 300 ms after the transfer starts,
# the sender's side of the veth gets a qdisc that drops everything (pfifo
# limit 0). The socket has a 1 s deadline. Must hold, on every backend and
# mode: jobs queued before the blackhole that were not acknowledged fail
# with -ETIMEDOUT by their deadline (+1 s; the first not before 0.9 s),
# each job completes exactly once, and every page comes back (pinned 0,
# no release owed) although the peer never acknowledges them; the
# receiver's bytes are an intact prefix of the stream.
. "$(dirname "$0")/lib.sh"
DEADLINE=1000

rig_init blackhole
rig_need tc

blackhole() {
	sleep 0.3
	ip netns exec "$RIG_SND" tc qdisc replace dev zcs root pfifo limit 0
}

rig_say "must hold: failed jobs end -ETIMEDOUT by their deadline ($DEADLINE ms) + 1 s, some jobs done before, each job once, pinned 0 at the end, receiver's prefix intact"
for b in $RIG_BACKENDS; do
	for m in $RIG_MODES; do
		rig_snd tc qdisc del dev zcs root 2>/dev/null
		# A reader that takes ~2 ms per 256 KiB keeps the stream
		# going for seconds; it stops 1.5 s after the last byte.
		rig_xfer "$b/$m" "$b" "$m" "-D 2000 -I 1500 -A" \
			"-b 1024M -q 8 -d $DEADLINE -E deadline" blackhole ||
			continue
		set -- $(rig_sent "$b/$m")
		[ "${1:-0}" -gt 0 ] ||
			rig_fail "$b/$m: no job completed before the blackhole: not mid-stream"
	done
done
rig_end
