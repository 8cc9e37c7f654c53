# SPDX-License-Identifier: MIT
# lib.sh - sourced by the network rigs: two network namespaces joined by a
# veth pair, a byte-verified transfer across them, and a teardown that runs
# whatever happens (exit, failure, SIGTERM from meson's timeout).
#
#   zcaio-<pid>-snd  198.18.0.1/24 on zcs  (the sender: the library)
#   zcaio-<pid>-rcv  198.18.0.2/24 on zcr  (the receiver: plain sockets)
#
# Only these namespaces are touched; nothing of the host's own network
# configuration is. Every process a rig starts is recorded and ended by
# its id. Environment: RIG_XFER (the rig-xfer program), RIG_BACKENDS
# (default "io_uring msg_zerocopy copy"), RIG_MODES (default "on off").

RIG_SND=zcaio-$$-snd
RIG_RCV=zcaio-$$-rcv
RIG_SND_IP=198.18.0.1
RIG_RCV_IP=198.18.0.2
RIG_PORT=7000
RIG_BACKENDS=${RIG_BACKENDS:-io_uring msg_zerocopy copy}
RIG_MODES=${RIG_MODES:-on off}
RIG_FAILS=0
RIG_PIDS=""
RIG_TMP=""
RIG_MADE=""

rig_say() {
	printf '%s\n' "$*"
}

rig_skip() {
	rig_say "SKIP: $*"
	exit 77
}

# A failed check; the rig goes on and rig_end exits 1.
rig_fail() {
	rig_say "FAIL: $*"
	RIG_FAILS=$((RIG_FAILS + 1))
}

rig_now_ms() {
	local s
	s=$(date +%s%N)
	echo $((s / 1000000))
}

rig_teardown() {
	local p ns
	trap - EXIT INT TERM HUP
	for p in $RIG_PIDS; do
		kill "$p" 2>/dev/null
	done
	# Whatever still runs inside our namespaces was started by this rig.
	for ns in $RIG_MADE; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
	done
	for p in $RIG_PIDS; do
		wait "$p" 2>/dev/null
	done
	for ns in $RIG_MADE; do
		ip netns del "$ns" 2>/dev/null ||
			rig_say "warning: could not delete namespace $ns"
	done
	[ -n "$RIG_TMP" ] && rm -rf "$RIG_TMP"
}

# Namespaces and scratch folders of an earlier rig killed with SIGKILL (no
# trap ran): only ours, by their name, and only when the rig that made them
# is gone.
rig_reap_stale() {
	local ns pid d
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case "$ns" in
		zcaio-*-snd | zcaio-*-rcv) ;;
		*) continue ;;
		esac
		pid=${ns#zcaio-}
		pid=${pid%-*}
		case "$pid" in *[!0-9]*) continue ;; esac
		[ "$pid" = "$$" ] && continue
		kill -0 "$pid" 2>/dev/null && continue
		ip netns del "$ns" 2>/dev/null
	done
	for d in /tmp/zcaio-rig-[0-9]*-*.*; do
		[ -d "$d" ] || continue
		pid=${d#/tmp/zcaio-rig-}
		pid=${pid%%-*}
		case "$pid" in *[!0-9]*) continue ;; esac
		kill -0 "$pid" 2>/dev/null || rm -rf "$d"
	done
}

rig_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 ||
			rig_skip "'$t' is not installed (scripts/deps.sh installs it)"
	done
}

# rig_init NAME: checks what the rig needs, builds the namespaces.
rig_init() {
	RIG_NAME=$1
	[ "$(id -u)" -eq 0 ] ||
		rig_skip "$RIG_NAME: needs root for network namespaces"
	[ -x "${RIG_XFER:-}" ] || rig_fail "RIG_XFER is not set to rig-xfer"
	[ "$RIG_FAILS" -eq 0 ] || exit 1
	rig_need ip timeout
	RIG_TMP=$(mktemp -d "/tmp/zcaio-rig-$$-$RIG_NAME.XXXXXX") || exit 1
	trap rig_teardown EXIT
	trap 'rig_say "FAIL: $RIG_NAME: interrupted"; exit 1' INT TERM HUP
	rig_reap_stale
	ip netns add "$RIG_SND" 2>"$RIG_TMP/err" ||
		rig_skip "cannot make a network namespace: $(cat "$RIG_TMP/err")"
	RIG_MADE="$RIG_SND"
	ip netns add "$RIG_RCV" 2>"$RIG_TMP/err" ||
		rig_skip "cannot make a network namespace: $(cat "$RIG_TMP/err")"
	RIG_MADE="$RIG_SND $RIG_RCV"
	ip link add zcs netns "$RIG_SND" type veth peer name zcr \
		netns "$RIG_RCV" 2>"$RIG_TMP/err" ||
		rig_skip "cannot make a veth pair: $(cat "$RIG_TMP/err")"
	ip -n "$RIG_SND" addr add "$RIG_SND_IP/24" dev zcs &&
		ip -n "$RIG_RCV" addr add "$RIG_RCV_IP/24" dev zcr &&
		ip -n "$RIG_SND" link set lo up &&
		ip -n "$RIG_RCV" link set lo up &&
		ip -n "$RIG_SND" link set zcs up &&
		ip -n "$RIG_RCV" link set zcr up ||
		{ rig_say "FAIL: configuring the veth pair"; exit 1; }
	rig_say "$RIG_NAME: namespaces $RIG_SND ($RIG_SND_IP) and $RIG_RCV ($RIG_RCV_IP)"
}

rig_snd() {
	ip netns exec "$RIG_SND" "$@"
}

rig_rcv() {
	ip netns exec "$RIG_RCV" "$@"
}

# The sender namespace's count of retransmitted TCP segments.
rig_retrans() {
	rig_snd awk '/^Tcp:/ { if (!c) { for (i = 1; i <= NF; i++)
		if ($i == "RetransSegs") c = i } else print $c }' /proc/net/snmp
}

# Starts "$@" in the background, recorded for the teardown; its pid is
# left in RIG_LAST.
rig_bg() {
	"$@" &
	RIG_LAST=$!
	RIG_PIDS="$RIG_PIDS $RIG_LAST"
}

rig_forget() {
	local p out=""
	for p in $RIG_PIDS; do
		[ "$p" = "$1" ] || out="$out $p"
	done
	RIG_PIDS=$out
}

# rig_xfer LABEL BACKEND MODE "RECV OPTIONS" "SEND OPTIONS" [HOOK]
# One transfer: receiver in the receiver's namespace, sender (the library,
# on BACKEND in MODE) in the sender's. HOOK, if given, runs in the
# background once the sender started (an impairment applied mid-stream).
# Prints both ends' reports; returns 0 when both passed (with
# RIG_EXPECT=corrupt: when the receiver reported a corrupt stream).
rig_xfer() {
	local label=$1 backend=$2 mode=$3 ropts=$4 sopts=$5 hook=${6:-}
	local rpid spid hpid="" rrc src t0 t1
	local out="$RIG_TMP/$label"
	out=$(printf '%s' "$out" | tr ' /' '__')
	t0=$(rig_now_ms)
	# shellcheck disable=SC2086
	rig_bg timeout -s KILL 120 ip netns exec "$RIG_RCV" "$RIG_XFER" recv \
		-a "$RIG_RCV_IP" -p "$RIG_PORT" $ropts >"$out.recv" 2>&1
	rpid=$RIG_LAST
	# shellcheck disable=SC2086
	rig_bg timeout -s KILL 120 env ZCAIO_BACKEND="$backend" \
		ip netns exec "$RIG_SND" "$RIG_XFER" send -a "$RIG_RCV_IP" \
		-p "$RIG_PORT" -m "$mode" $sopts >"$out.send" 2>&1
	spid=$RIG_LAST
	if [ -n "$hook" ]; then
		rig_bg "$hook"
		hpid=$RIG_LAST
	fi
	wait "$spid"
	src=$?
	rig_forget "$spid"
	wait "$rpid"
	rrc=$?
	rig_forget "$rpid"
	if [ -n "$hpid" ]; then
		wait "$hpid"
		rig_forget "$hpid"
	fi
	t1=$(rig_now_ms)
	sed "s|^|  [$label] |" "$out.recv" "$out.send"
	rig_say "  [$label] $((t1 - t0)) ms; sender exit $src, receiver exit $rrc"
	if [ "$src" -eq 77 ]; then
		rig_say "  [$label] skipped by the sender (backend not here?)"
		return 77
	fi
	if [ "${RIG_EXPECT:-}" = corrupt ]; then
		# The test of the test: the receiver must catch it.
		grep -q '^recv: .*, CORRUPT,' "$out.recv" && return 0
		return 1
	fi
	[ "$src" -eq 0 ] && [ "$rrc" -eq 0 ] && return 0
	rig_fail "$label: sender exit $src, receiver exit $rrc"
	return 1
}

# rig_sent LABEL: "OK FAILED" jobs from the sender's report of a transfer.
rig_sent() {
	local out="$RIG_TMP/$1"
	out=$(printf '%s' "$out" | tr ' /' '__')
	sed -n 's/.* \([0-9]*\) ok, \([0-9]*\) failed;.*/\1 \2/p' "$out.send"
}

# rig_recv_ms LABEL: how long the receiver took, first to last byte, in ms
# (the sender's own time ends early in copy mode: a copied job completes
# once the socket buffer holds it).
rig_recv_ms() {
	local out="$RIG_TMP/$1"
	out=$(printf '%s' "$out" | tr ' /' '__')
	sed -n 's/^recv: .* bytes in \([0-9]*\) ms.*/\1/p' "$out.recv"
}

rig_end() {
	if [ "$RIG_FAILS" -gt 0 ]; then
		rig_say "FAIL $RIG_NAME: $RIG_FAILS failed checks"
		exit 1
	fi
	rig_say "PASS $RIG_NAME"
	exit 0
}
