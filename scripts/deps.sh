#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian packages the build and the tests need, when missing.
set -e
pkgs="gcc make meson ninja-build pkg-config liburing-dev iperf3 jq clang-14 iproute2 iptables libnetfilter-queue-dev valgrind gnuplot-nox libcjson-dev"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q $missing >/dev/null ||
	{ $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q $missing >/dev/null; }
