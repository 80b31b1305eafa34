#!/bin/sh
# Soaks a six-node mesh of real yggdrasil processes in network namespaces
# (issue 10): bulk TCP transfers checked end to end, link flaps, node
# restarts and SIGHUP reloads side by side for -duration (default 5m),
# with per-node goroutines, RSS and open fds printed once a minute and a
# summary at the end. Exits non-zero on a panic in a node log, wrong data,
# a transfer that never completes or a node that fails to stop, start or
# reload cleanly. Needs root; installs ping (iputils-ping) with apt if it
# is missing, for the reachability probes. Arguments go to misc/soak
# (-duration 30m, -streams N, -mib N, -keep, -h for the rest).
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "soak: needs root (it creates network namespaces)" >&2
	exit 1
fi
for tool in ip sysctl; do
	if ! command -v "$tool" >/dev/null; then
		echo "soak: needs $tool (iproute2, procps)" >&2
		exit 1
	fi
done
if ! command -v ping >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iputils-ping >/dev/null
fi
modprobe tun 2>/dev/null || true

# Built rather than run with `go run`, so that the exit code (1 failure,
# 3 set-up problem, 130 interrupted) comes through unchanged. The INT and
# TERM traps keep this shell waiting while soak winds down on Ctrl-C (a
# trapped signal is back to its default in the child).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap ':' INT TERM
go build -o "$tmp/soak" ./misc/soak
status=0
"$tmp/soak" "$@" || status=$?
exit "$status"
