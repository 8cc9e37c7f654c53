#!/bin/sh
# SPDX-License-Identifier: MIT
# json-keys.sh ZCPERF PORT [test options] - zcperf's -J has every key
# Debian's iperf3 writes for the same test: iperf3 to iperf3, then zcperf
# to zcperf, and the key paths (arrays as []) compared. zcperf's own keys
# may only be under end.zcperf (and iperf3 3.17's test_start.bidir).
set -u
Z=$1 PORT=$2
shift 2
args="$*"
. "$(dirname "$0")/lib.sh"
PORT=$(free_port "$PORT")
command -v iperf3 >/dev/null || { echo "SKIP: iperf3 not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
dir=$(mktemp -d)
spid=""
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
timeout 60 iperf3 -s -1 -p "$PORT" >/dev/null 2>&1 &
spid=$!
wait_listen "$PORT" "$spid" || { echo "FAIL: iperf3 did not listen"; exit 1; }
# shellcheck disable=SC2086
timeout 60 iperf3 -c 127.0.0.1 -p "$PORT" -J $args >"$dir/i.json" 2>&1 ||
	{ head -c 2000 "$dir/i.json"; echo "FAIL: iperf3 client"; exit 1; }
wait "$spid"; spid=""
timeout 60 "$Z" -s -1 -p "$PORT" >/dev/null 2>&1 &
spid=$!
wait_listen "$PORT" "$spid" || { echo "FAIL: zcperf did not listen"; exit 1; }
# shellcheck disable=SC2086
timeout 60 "$Z" -c 127.0.0.1 -p "$PORT" -J $args >"$dir/z.json" 2>&1 ||
	{ head -c 2000 "$dir/z.json"; echo "FAIL: zcperf client"; exit 1; }
wait "$spid"; spid=""
python3 - "$dir/i.json" "$dir/z.json" <<'PY'
import json, sys
def paths(v, p, out):
    if isinstance(v, dict):
        for k, x in v.items():
            out.add(p + '.' + k)
            paths(x, p + '.' + k, out)
    elif isinstance(v, list):
        for x in v:
            paths(x, p + '[]', out)
    return out
i = paths(json.load(open(sys.argv[1])), '', set())
z = paths(json.load(open(sys.argv[2])), '', set())
missing = sorted(i - z)
extra = sorted(k for k in z - i if not k.startswith('.end.zcperf')
               and k != '.start.test_start.bidir')
print('iperf3 keys %d, zcperf keys %d' % (len(i), len(z)))
for k in missing:
    print('missing:', k)
for k in extra:
    print('extra outside end.zcperf:', k)
sys.exit(1 if missing or extra else 0)
PY
[ $? -eq 0 ] || { echo FAIL; exit 1; }
echo PASS
