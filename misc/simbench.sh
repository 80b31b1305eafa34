#!/usr/bin/env bash
# Simulator benchmarks: build yggdrasilsim, run it on the fc00 crawl (598
# nodes, 1000 pairs, then with a tenth of the links cut) and on generated
# networks of growing size, and print one line per run: wall time, peak
# RSS, heap per node, events per second, convergence and reachability.
# Run it with nothing else heavy on the machine.
#
#   misc/simbench.sh [-sizes "1000 3000 10000"] [-graph ba] [-pairs 1000] [-seed 1] [-out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

sizes="1000 3000 10000"
graph=ba
pairs=1000
seed=1
out=$(mktemp -d)
while (($#)); do
	case $1 in
	-sizes) sizes=$2; shift 2 ;;
	-graph) graph=$2; shift 2 ;;
	-pairs) pairs=$2; shift 2 ;;
	-seed) seed=$2; shift 2 ;;
	-out) out=$2; mkdir -p "$out"; shift 2 ;;
	-h|--help) sed -n '2,8p' "$0"; exit 0 ;;
	*) echo "unknown argument $1" >&2; exit 2 ;;
	esac
done

bin=$out/yggdrasilsim
go build -o "$bin" ./cmd/yggdrasilsim
echo "reports in $out"

# run NAME ARGS...: one simulation, its JSON report kept as NAME.json.
run() {
	local name=$1
	shift
	"$bin" "$@" -seed "$seed" -json "$out/$name.json" >"$out/$name.txt"
	python3 - "$name" "$out/$name.json" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
h, c, re = r["host"], r["converge"], r["reach"]
line = (f"{name:<14} nodes {r['input']['nodes']:>6}  wall {float(h['wall'][:-1]):8.1f} s  "
        f"rss {h['peak_rss_bytes']/2**20:7.0f} MiB  heap/node {h['heap_bytes_per_node']/1024:6.1f} KiB  "
        f"events/s {h['events_per_sec']:>8.0f}  converged {c['time']}{' (max)' if c['hit_max_time'] else ''}  "
        f"reach {re['reachable']}/{re['pairs']}  stretch p50 {r['stretch']['p50']} mean {r['stretch']['mean']}")
f = r.get("fault")
if f:
    line += (f"\n{'':<14} after {r['input']['scenario']}: reconverged {f['reconverge']}, reach "
             f"{f['reach']['reachable']}/{f['reach']['pairs']}, sessions back p50 {f['recovery']['p50']} "
             f"p95 {f['recovery']['p95']}, never {f['never_recovered']}")
print(line)
PY
}

run fc00 -topology src/topology/testdata/fc00-2017-08-12.txt -pairs "$pairs"
run fc00-fail0.1 -topology src/topology/testdata/fc00-2017-08-12.txt -pairs "$pairs" -fail 0.1
for n in $sizes; do
	run "$graph-$n" -nodes "$n" -graph "$graph" -pairs "$pairs"
done
