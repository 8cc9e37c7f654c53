#!/bin/sh
# SPDX-License-Identifier: MIT
# report.sh ZCPERF PORT CASE - what zcperf prints, one behaviour per CASE
# (each registered as its own test): iperf3's output options (-O, -T,
# --logfile, --forceflush, --timestamps, --get-server-output), the
# --json-stream events, --bidir labels, the --rr latency summary, and
# numbers that were never measured staying absent. Loopback only.
set -u
Z=$1 PORT=$2 CASE=$3
. "$(dirname "$0")/lib.sh"
PORT=$(free_port "$PORT")
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
dir=$(mktemp -d)
spid=""
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# server PROGRAM [options]: a one-test server on $PORT, its output in s.out
server() {
	prog=$1; shift
	timeout 60 "$prog" -s -1 -p "$PORT" "$@" >"$dir/s.out" 2>&1 &
	spid=$!
	wait_listen "$PORT" "$spid" || fail "server did not start"
}
# client PROGRAM [options]: runs it against the server, output in c.out;
# fails unless client and server exit 0
client() {
	prog=$1; shift
	timeout 60 "$prog" -c 127.0.0.1 -p "$PORT" "$@" >"$dir/c.out" 2>"$dir/c.err"
	crc=$?
	wait "$spid"; src=$?; spid=""
	[ $crc -eq 0 ] && [ $src -eq 0 ] || {
		cat "$dir/c.err"; head -c 3000 "$dir/c.out"; head -c 2000 "$dir/s.out"
		fail "client rc=$crc server rc=$src"
	}
}
jqc() { jq -e "$1" "$dir/c.out" >/dev/null || fail "${2:-$1}"; }

case $CASE in
omit)
	# -O 1 -t 2: three seconds run, the first marked omitted and left out
	server "$Z"
	client "$Z" -t 2 -O 1 -J
	jqc '.start.test_start.omit == 1'
	jqc '.intervals[0].sum.omitted == true' "first interval not omitted"
	jqc '[.intervals[] | select(.sum.omitted == false)] | length >= 2' \
		"fewer than 2 counted intervals"
	jqc '[.intervals[] | select(.sum.omitted == false)][0].sum.start == 0' \
		"the clock did not restart after -O"
	jqc '.end.sum_sent.seconds > 1.5 and .end.sum_sent.seconds < 2.6' \
		"totals do not cover -t after -O"
	jqc '(.end.sum_received.bytes) <= ([.intervals[].sum.bytes] | add)'
	# -O 1 -t 1, no intervals: the boundary and the end are both at 1 s
	# from the start unless the end moves: it must (1 s counted after -O)
	server "$Z"
	client "$Z" -t 1 -O 1 -i 0 -J
	jqc '.end.sum_received.seconds > 0.7 and .end.sum_sent.seconds > 0.7' \
		"-O 1 -t 1: the totals do not cover 1 s after -O"
	jqc '.end.sum_received.bytes > .end.sum_sent.bytes / 2' \
		"-O 1 -t 1: the receiver counted a fraction of what was sent"
	# the same against iperf3's server, text
	if command -v iperf3 >/dev/null; then
		server iperf3
		client "$Z" -t 2 -O 1
		grep -q "(omitted)" "$dir/c.out" || fail "no (omitted) line"
		grep -q "(omitted)" "$dir/s.out" || fail "iperf3 server did not omit"
	fi
	;;
title)
	server "$Z"
	client "$Z" -t 1 -T mytitle
	n=$(grep -cv '^mytitle:  ' "$dir/c.out")
	[ "$n" -eq 0 ] || { cat "$dir/c.out"; fail "$n lines without the title"; }
	grep -q '^mytitle:  .*receiver' "$dir/c.out" || fail "no summary"
	server "$Z"
	client "$Z" -t 1 -T mytitle -J
	jqc '.title == "mytitle"'
	;;
logfile)
	server "$Z"
	echo "earlier line" >"$dir/log"
	client "$Z" -t 1 --logfile "$dir/log"
	[ -s "$dir/c.out" ] && fail "output still on stdout"
	head -1 "$dir/log" | grep -q "earlier line" || fail "log not appended"
	grep -q "receiver" "$dir/log" || fail "no summary in the log"
	grep -q "iperf Done" "$dir/log" || fail "no end in the log"
	;;
forceflush)
	# with --forceflush each line reaches the log file while the test
	# still runs (without it, the file is written in blocks)
	server "$Z"
	timeout 60 "$Z" -c 127.0.0.1 -p "$PORT" -t 30 -i 0.2 --forceflush \
		--logfile "$dir/log" >/dev/null 2>&1 &
	cpid=$!
	i=0
	while ! grep -q "sec" "$dir/log" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 $cpid 2>/dev/null; then
			kill $cpid 2>/dev/null; fail "no interval line in the log while running"
		fi
		sleep 0.1
	done
	kill -9 $cpid; wait $cpid 2>/dev/null
	;;
timestamps)
	server "$Z"
	client "$Z" -t 1 --timestamps='%s '
	n=$(grep -cvE '^[0-9]{10} ' "$dir/c.out")
	[ "$n" -eq 0 ] || { cat "$dir/c.out"; fail "$n lines without a timestamp"; }
	server "$Z"
	client "$Z" -t 1 --timestamps
	y=$(date +%Y)
	n=$(grep -cv " $y " "$dir/c.out")
	[ "$n" -eq 0 ] || { cat "$dir/c.out"; fail "$n lines without the default timestamp"; }
	;;
get-server-output)
	server "$Z"
	client "$Z" -t 1 --get-server-output
	grep -q "^Server output:" "$dir/c.out" || fail "no server output"
	sed -n '/^Server output:/,$p' "$dir/c.out" | grep -q 'receiver' ||
		fail "the server's summary is not in its output"
	server "$Z" -J
	client "$Z" -t 1 --get-server-output -J
	jqc '.server_output_json.end.sum_received.bytes > 0'
	if command -v iperf3 >/dev/null; then
		server iperf3
		client "$Z" -t 1 --get-server-output -J
		jqc '.server_output_text | test("receiver")' "iperf3's output missing"
		server "$Z"
		client iperf3 -t 1 --get-server-output
		sed -n '/^Server output:/,$p' "$dir/c.out" | grep -q 'receiver' ||
			fail "iperf3 client got no zcperf server output"
	fi
	;;
get-server-output-large)
	# a server report past 512 KiB is cut with a note; the results
	# exchange (1 MiB cap) still passes
	server "$Z" -i 0.1
	client "$Z" -t 8 -P 128 -i 0 --get-server-output
	grep -q "past 512 KiB, is not sent" "$dir/c.out" ||
		fail "no truncation note ($(wc -c <"$dir/c.out") bytes of output)"
	grep -q "^iperf Done" "$dir/c.out" || fail "no end"
	# a JSON report that large is not sent, and said so
	server "$Z" -i 0.1 -J
	client "$Z" -t 8 -P 128 -i 0 --get-server-output -J
	jqc '.server_output_text | test("not sent")' "no note instead of the report"
	;;
json-stream)
	server "$Z"
	client "$Z" -t 2 -i 0.5 -P 2 --json-stream
	while IFS= read -r line; do
		printf '%s\n' "$line" | jq -e . >/dev/null 2>&1 ||
			fail "line is not JSON: $line"
	done <"$dir/c.out"
	ev=$(jq -r .event "$dir/c.out" | uniq | tr '\n' ' ')
	[ "$ev" = "start interval end " ] || fail "events: $ev"
	[ "$(jq -r 'select(.event == "interval") | .data.streams | length' "$dir/c.out" | sort -u)" = 2 ] ||
		fail "interval events lack streams"
	jq -se 'map(select(.event == "start"))[0].data.test_start.num_streams == 2' \
		"$dir/c.out" >/dev/null || fail "start event"
	jq -se 'map(select(.event == "end"))[0].data.sum_received.bytes > 0' \
		"$dir/c.out" >/dev/null || fail "end event"
	;;
bidir-labels)
	server "$Z"
	client "$Z" -t 1 --bidir -P 2
	for l in '\[TX-C\]' '\[RX-C\]' '\[SUM\]\[TX-C\].*sender' \
		 '\[SUM\]\[RX-C\].*receiver' '\[ ID\]\[Role\]'; do
		grep -q "$l" "$dir/c.out" || { cat "$dir/c.out"; fail "client: no $l"; }
	done
	for l in '\[TX-S\]' '\[RX-S\]' '\[SUM\]\[TX-S\]' '\[SUM\]\[RX-S\]'; do
		grep -q "$l" "$dir/s.out" || { cat "$dir/s.out"; fail "server: no $l"; }
	done
	grep -q 'C\]' "$dir/s.out" && fail "server labels a stream as the client's"
	grep -q 'S\]' "$dir/c.out" && fail "client labels a stream as the server's"
	;;
zc-default-is-auto)
	# the default mode and --zc auto are the same mode, reported alike
	server "$Z"
	client "$Z" -t 1 -J
	a=$(jq -c '[.end.zcperf.zc, .end.zcperf.fixed]' "$dir/c.out")
	server "$Z"
	client "$Z" -t 1 -J --zc auto
	b=$(jq -c '[.end.zcperf.zc, .end.zcperf.fixed]' "$dir/c.out")
	echo "default $a, --zc auto $b"
	[ "$a" = "$b" ] || fail "default $a differs from --zc auto $b"
	;;
rr-latency)
	server "$Z"
	client "$Z" -t 2 --rr -J
	jqc '.end.zcperf.rr.transactions > 100'
	jqc '.end.zcperf.rr | .min_us > 0 and .min_us <= .p50_us and
	     .p50_us <= .p90_us and .p90_us <= .p99_us and .p99_us <= .p99_9_us and
	     .p99_9_us <= .max_us and .mean_us >= .min_us and .mean_us <= .max_us and
	     .stddev_us >= 0' "percentiles out of order"
	jqc '.end.zcperf.rr.service_demand_local_us_per_tr > 0 and
	     .end.zcperf.rr.service_demand_remote_us_per_tr > 0'
	server "$Z"
	client "$Z" -t 1 --rr
	grep -qE 'RR latency \(us\): min [0-9.]+  mean [0-9.]+  stddev [0-9.]+  p50 [0-9.]+  p90 [0-9.]+  p99 [0-9.]+  p99.9 [0-9.]+  max [0-9.]+' \
		"$dir/c.out" || { cat "$dir/c.out"; fail "no latency line"; }
	grep -qE 'RR service demand: local [0-9.]+ us/tr, remote [0-9.]+ us/tr' \
		"$dir/c.out" || fail "no service demand per transaction"
	;;
unmeasured-absent)
	# the receiving side has no retransmits, windows or RTT to report;
	# UDP has none at all: absent, never 0
	server "$Z" -J
	client "$Z" -t 1 -R -J
	jqc '[.intervals[].streams[] | has("retransmits") or has("snd_cwnd") or has("rtt")] | any | not' \
		"the receiving client reports sender fields per interval"
	jqc '.end.streams[0].sender | has("retransmits") and has("max_snd_cwnd") and has("mean_rtt")' \
		"a zcperf sender's numbers did not reach the client"
	jq -e '[.intervals[].streams[] | has("retransmits")] | any | not' "$dir/s.out" \
		>/dev/null && fail "the sending server has no retransmits per interval"
	server "$Z"
	client "$Z" -t 1 -u -b 10M -J
	jqc '[.. | objects | has("retransmits") or has("snd_cwnd") or has("max_rtt")] | any | not' \
		"UDP reports TCP fields"
	if command -v iperf3 >/dev/null; then
		# iperf3 3.12 does not send its RTT and window: they stay absent
		server iperf3
		client "$Z" -t 1 -R -J
		jqc '.end.streams[0].sender | has("retransmits") and (has("max_snd_cwnd") or has("max_rtt") | not)' \
			"numbers an iperf3 sender never sent are reported"
	fi
	;;
no-control-columns)
	# --no-control: the sender's datagram count has its column heading
	command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
	timeout 30 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', $PORT))
open('$dir/bound', 'w').close()
time.sleep(30)" &
	spid=$!
	i=0
	until [ -e "$dir/bound" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && fail "the sink did not bind"
		sleep 0.1
	done
	timeout 30 "$Z" -c 127.0.0.1 -p "$PORT" -u --no-control -b 10M -t 1 \
		>"$dir/c.out" 2>&1 || { cat "$dir/c.out"; fail "client failed"; }
	n=$(grep -c 'Bitrate         Total Datagrams$' "$dir/c.out")
	[ "$n" -eq 2 ] || { cat "$dir/c.out"; fail "$n of 2 headings with Total Datagrams"; }
	;;
interrupted-remote-absent)
	# a client stopped by Ctrl-C never gets the server's results: the
	# remote's CPU, service demand and zero-copy counts are absent, not 0
	server "$Z" -i 0.2
	timeout 60 "$Z" -c 127.0.0.1 -p "$PORT" -t 30 -J >"$dir/c.out" 2>&1 &
	cpid=$!
	i=0
	until grep -q "sec" "$dir/s.out"; do
		i=$((i + 1)); [ $i -gt 300 ] && fail "the test did not start"
		sleep 0.1
	done
	kill -INT $cpid
	wait $cpid
	jqc '(.error // .end.error) | test("interrupt")' "no interrupt in the JSON"
	jqc '.end.zcperf.remote | (has("cpu_s") or has("service_demand_us_per_kib") or has("bytes_zc")) | not' \
		"unmeasured remote numbers reported"
	jqc '.end.cpu_utilization_percent | has("remote_total") | not' \
		"the remote's CPU reported"
	jqc '.end.sum_sent.bytes > 0'
	# the text says so too: no remote CPU or service demand of 0
	server "$Z" -i 0.2
	timeout 60 "$Z" -c 127.0.0.1 -p "$PORT" -t 30 >"$dir/c.out" 2>&1 &
	cpid=$!
	i=0
	until grep -q "sec" "$dir/c.out"; do
		i=$((i + 1)); [ $i -gt 300 ] && fail "the test did not start"
		sleep 0.1
	done
	kill -INT $cpid
	wait $cpid
	grep -q "remote not known" "$dir/c.out" || { cat "$dir/c.out"; fail "text: remote numbers printed"; }
	grep -qE "remote/(sender|receiver) 0\.0%|remote 0\.000 us" "$dir/c.out" &&
		fail "text: the remote's unmeasured CPU printed as 0"
	;;
short-test-interval)
	# a test shorter than a tenth of -i still has its interval (BZ2)
	server "$Z"
	client "$Z" -n 300K -J
	jqc '(.intervals | length) >= 1 and .intervals[0].sum.bytes > 0' \
		"no interval for a short test"
	;;
udp-streams-start)
	# every UDP stream of a --bidir -P 2 test is greeted (the server's
	# next listener must exist before it answers a hello), run after run
	for i in 1 2 3 4 5 6; do
		server "$Z"
		client "$Z" -t 1 -u -b 10M --bidir -P 2 -J
		jqc '.end.streams | length == 4'
	done
	;;
option-errors)
	# a bad value names the option and its valid range; --help and
	# zcperf(1) list each output option
	man=$(dirname "$0")/../../../man/zcperf.1
	for a in "-O 601|-O/--omit.*0..600" "-O x|-O/--omit.*0..600" \
		 "-T ''|-T/--title.*1..255" "--logfile ''|--logfile" \
		 "-s -O 2|-O/--omit.*client" "-s -T t|-T/--title.*client" \
		 "-s --get-server-output|--get-server-output.*client" \
		 "--logfile /nonexistent/dir/f|--logfile /nonexistent/dir/f: No such"; do
		args=${a%%|*} want=${a#*|}
		case $args in -s*) ;; *) args="-c 127.0.0.1 -p $PORT -t 1 $args" ;; esac
		eval "timeout 20 \"\$Z\" $args" >"$dir/o" 2>&1 && fail "$args accepted"
		grep -q -- "$want" "$dir/o" || { cat "$dir/o"; fail "$args: no '$want'"; }
	done
	"$Z" --help >"$dir/help"
	for o in --omit --title --logfile --forceflush --timestamps \
		 --get-server-output --json-stream; do
		grep -q -- "$o" "$dir/help" || fail "--help lacks $o"
		sed 's/\\-/-/g' "$man" | grep -q -- "$o" || fail "zcperf(1) lacks $o"
	done
	;;
*)
	fail "unknown case $CASE"
	;;
esac
echo PASS
