#!/usr/bin/env bash
# `sextant pprof` against `go tool pprof` on a large CPU profile (testdata/go/bigprof: 204,000
# samples, 176,000 distinct stacks, ~21 MB uncompressed): wall time and peak RSS of -top,
# -traces and -tree, median of RUNS runs each (the machine is noisy: medians, and the two tools
# alternate run by run), side by side and as ratios. Each format's output is also compared:
# both tools must print the same report (File:/Time: header lines aside).
#
#   benches/pprof-top/run.sh [RUNS] [FORMATS]     (defaults: 5, "top traces tree")
#   PROFILE=path/to/profile.pb.gz benches/pprof-top/run.sh   (skip generating the profile)
#
# Needs go (Debian's golang-go, 1.19 for identical outputs), /usr/bin/time (Debian's time) and
# bc. go tool pprof takes about half a minute per run here, so the defaults take ~10 minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
formats=${2:-top traces tree}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v go >/dev/null || { echo "error: go not found (apt-get install golang-go)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
command -v bc >/dev/null || { echo "error: bc not found (apt-get install bc)" >&2; exit 1; }

profile=${PROFILE:-}
if [ -z "$profile" ]; then
  echo "making the large profile (testdata/go/bigprof, default size)..." >&2
  (cd "$root/testdata/go/bigprof" && go run . -out "$work/big.pb.gz") >&2
  profile="$work/big.pb.gz"
fi
cargo build --quiet --release -p sextant-cli --manifest-path "$root/Cargo.toml"
ours="${CARGO_TARGET_DIR:-$root/target}/release/sextant"
zcat "$profile" | wc -c | awk '{printf "profile: %.1f MB uncompressed, ", $1/1e6}' >&2
ls -l "$profile" | awk '{printf "%.1f MB gzipped\n", $5/1e6}' >&2
# No binary may be found for the mappings: go tool pprof would symbolize from it otherwise.
export PPROF_BINARY_PATH="$work/no-binaries" TZ=UTC

# measure NAME OUT CMD...: runs CMD with stdout to OUT, appends "seconds kilobytes" to $work/NAME.
measure() {
  local name=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$out" 2>"$work/err" || {
    echo "error: $name failed:" >&2; cat "$work/err" >&2; exit 1; }
  cat "$work/t" >> "$work/$name"
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

printf '%-24s %10s %12s %10s %12s %9s %9s  %s\n' "report ($runs runs)" "go s" "go MB" \
  "sextant s" "sextant MB" "time x" "memory x" "same output"
for f in $formats; do
  for i in $(seq "$runs"); do
    measure "go.$f" "$work/go.$f.out" go tool pprof "-$f" "$profile"
    measure "ours.$f" "$work/ours.$f.out" "$ours" pprof "-$f" "$profile"
  done
  gs=$(cut -d' ' -f1 "$work/go.$f" | median); gm=$(cut -d' ' -f2 "$work/go.$f" | median)
  ss=$(cut -d' ' -f1 "$work/ours.$f" | median); sm=$(cut -d' ' -f2 "$work/ours.$f" | median)
  if cmp -s <(grep -v '^File: \|^Time: ' "$work/go.$f.out") <(grep -v '^File: \|^Time: ' "$work/ours.$f.out"); then
    same=yes
  else
    same=NO
  fi
  # /usr/bin/time may print 0.00 s for a very fast run; count it as 0.01 s.
  ss=$(echo "if ($ss < 0.01) 0.01 else $ss" | bc -l)
  printf '%-24s %10.2f %12.1f %10.2f %12.1f %8.1fx %8.1fx  %s\n' "-$f" "$gs" "$(echo "$gm/1024" | bc -l)" \
    "$ss" "$(echo "$sm/1024" | bc -l)" "$(echo "$gs/$ss" | bc -l)" "$(echo "$gm/$sm" | bc -l)" "$same"
done
echo "time x, memory x: go tool pprof's median over sextant's (higher is better for sextant)"
