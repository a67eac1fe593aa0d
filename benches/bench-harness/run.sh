#!/usr/bin/env bash
# The seed's benchmarks under sextant-bench, criterion and divan, side by side in one run.
#
# Each round runs the three suites one after the other (so they share the machine's load),
# RUNS rounds in all (default 5; criterion can be given fewer with CRITERION_RUNS, as one of
# its runs takes minutes). It prints the wall time to finish each suite and, per benchmark,
# each harness's result (median over runs) and run-to-run spread (max/min over runs), with
# ratios against sextant-bench.
#
# Usage: benches/bench-harness/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-5}
criterion_runs=${CRITERION_RUNS:-$runs}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

# Build once, then run the binaries directly so compile time is not counted.
cargo bench --no-run --message-format=json 2>/dev/null >"$CARGO_TARGET_DIR/bench-harness-build.json"
exe() {
  python3 - "$1" "$CARGO_TARGET_DIR/bench-harness-build.json" <<'PY'
import json, sys
for line in open(sys.argv[2]):
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == sys.argv[1] and m.get("executable"):
        print(m["executable"])
PY
}
sextant=$(exe sextant)
criterion=$(exe criterion)
divan=$(exe divan)

out=$(mktemp -d)
timed() { # name round command...
  local name=$1 round=$2
  shift 2
  local start end
  start=$(date +%s.%N)
  "$@" >"$out/$name.$round.txt" 2>"$out/$name.$round.err"
  end=$(date +%s.%N)
  echo "$end - $start" | bc >"$out/$name.$round.wall"
  echo "round $round: $name $(cat "$out/$name.$round.wall") s" >&2
}
for round in $(seq 1 "$runs"); do
  timed sextant "$round" "$sextant" --bench
  timed divan "$round" "$divan" --bench
  if [ "$round" -le "$criterion_runs" ]; then
    timed criterion "$round" "$criterion" --bench
  fi
done
python3 summarize.py "$out"
echo "raw outputs: $out" >&2
