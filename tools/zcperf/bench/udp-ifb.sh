#!/bin/bash
# SPDX-License-Identifier: MIT
# udp-ifb.sh [BUILD] [SECONDS] [REPS] [SINK] - UDP on the one path of
# this machine that is really zero-copy (DESIGN.md section 4): datagrams
# dropped before any socket receives them. A benchmark, not a test.
#
# SINK=ifb (default): a private network namespace zcaio-snd-PID with an
#   ifb device; packets sent to it (not redirected from an ingress) are
#   dropped by the ifb driver.
# SINK=veth: namespaces zcaio-snd-PID and zcaio-sink-PID joined by a veth
#   pair; an nftables rule at the far end's ingress drops the UDP.
# Addresses are 198.18.0.1 -> 198.18.0.2 (the benchmarking range), MTU
# 65535 so a 64000-byte datagram leaves unfragmented (IP fragmentation
# copies). Everything is deleted on exit, also on failure.
#
# zcperf runs without a server (--no-control: nothing receives at the
# sink) as two sweeps, each size x mode with REPS round-robin runs of
# SECONDS: single datagrams, and GSO batches (--gso: UDP_SEGMENT, one
# send of up to 65000 bytes cut into datagrams of the size given).
# Prints the sweeps' tables, and zero-copy registered (zc-fixed) against
# copy at 64 KB. Needs root (ip netns), jq; nft for SINK=veth.
set -eu
B=${1:-build}
T=${2:-2}
R=${3:-3}
SINK=${4:-ifb}
Z=$(realpath "$B/tools/zcperf/zcperf")
OUT=${OUT:-$B/zcperf-udp-$SINK}
[ "$(id -u)" -eq 0 ] || { echo "udp-ifb.sh: needs root (network namespaces)"; exit 1; }
command -v jq >/dev/null || { echo "udp-ifb.sh: needs jq"; exit 1; }
NS=zcaio-snd-$$
NS2=zcaio-sink-$$
cleanup() {
	ip netns del "$NS" 2>/dev/null || true
	ip netns del "$NS2" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

ip netns add "$NS"
ip -n "$NS" link set lo up
case $SINK in
ifb)
	ip -n "$NS" link add zcaio-ifb0 type ifb
	ip -n "$NS" link set zcaio-ifb0 mtu 65535 up
	ip -n "$NS" addr add 198.18.0.1/24 dev zcaio-ifb0
	;;
veth)
	command -v nft >/dev/null || { echo "udp-ifb.sh: SINK=veth needs nft"; exit 1; }
	ip netns add "$NS2"
	ip -n "$NS" link add zcaio-v0 mtu 65535 type veth peer name zcaio-v1 \
		netns "$NS2" mtu 65535
	ip -n "$NS" addr add 198.18.0.1/24 dev zcaio-v0
	ip -n "$NS2" addr add 198.18.0.2/24 dev zcaio-v1
	ip -n "$NS" link set zcaio-v0 up
	ip -n "$NS2" link set lo up
	ip -n "$NS2" link set zcaio-v1 up
	ip netns exec "$NS2" nft -f - <<-'EOF'
	table netdev zcaio {
		chain in {
			type filter hook ingress device "zcaio-v1" priority 0; policy accept;
			meta l4proto udp drop
		}
	}
	EOF
	;;
*)
	echo "udp-ifb.sh: SINK is ifb or veth"; exit 1 ;;
esac
echo "# sink: $SINK in $NS; $R run(s) of $T s per cell; $(uname -r)"
sweep() { # label, sweep options...
	local label=$1
	shift
	echo "## $label"
	ip netns exec "$NS" "$Z" sweep -c 198.18.0.2 -p 9 -u --no-control -b 0 \
		-t "$T" --reps "$R" --out "$OUT-$label" "$@" 2>/dev/null
}
sweep single --sizes 1472,8000,32000,64000
sweep gso --gso --sizes 1472,8000,16000,32000
ratio() { # label size
	jq -r --argjson s "$2" --arg l "$1" '
	  [.cells[] | select(.size == $s)] as $c |
	  ($c[] | select(.mode == "copy")) as $cp |
	  ($c[] | select(.mode == "zc-fixed")) as $zf |
	  ($c | map(select(.mode != "auto")) | max_by(.gbps)) as $best |
	  ($c[] | select(.mode == "auto")) as $au |
	  "\($l) -l \($s): zc-fixed/copy throughput \($zf.gbps / $cp.gbps * 100 | round / 100)x, " +
	  "sender CPU per GiB copy/zc-fixed \($cp.sender_cpu_s_per_gib / $zf.sender_cpu_s_per_gib * 100 | round / 100)x; " +
	  "auto/best (\($best.mode)) \($au.gbps / $best.gbps * 100 | round / 100)x"' \
	  "$OUT-$1.json"
}
echo "## ratios (medians)"
ratio single 64000
ratio gso 1472
ratio gso 32000
