#!/bin/sh
# Prints the lab figures for issue 4 test 4: time from start to the first
# ping across two hops, and single-stream TCP throughput across one hop over
# the overlay next to plain veth (iperf3, same run). Needs root; installs
# iperf3 with apt if it is missing. Arguments go to misc/labtimings
# (-runs N, -seconds S).
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "lab-timings: needs root (it creates network namespaces)" >&2
	exit 1
fi
if ! command -v iperf3 >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3 >/dev/null
fi
modprobe tun 2>/dev/null || true
exec go run ./misc/labtimings "$@"
