#!/bin/sh
# Prints overlay TCP throughput and retransmissions with one and with
# several streams in one session, on 1 and 2 hops, for the working tree and
# (with -baseline REV) for a git revision, in alternating rounds (issue 10
# finding 7). Needs root; installs iperf3 with apt if it is missing.
# Arguments go to misc/streams (-baseline REV, -rounds N, -seconds S, -streams N).
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "streams: needs root (it creates network namespaces)" >&2
	exit 1
fi
if ! command -v iperf3 >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3 >/dev/null
fi
modprobe tun 2>/dev/null || true
exec go run ./misc/streams "$@"
