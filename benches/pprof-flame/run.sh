#!/usr/bin/env bash
# `sextant pprof -flame` on a large CPU profile (testdata/go/bigprof: 204,000 samples, 176,000
# distinct stacks) against the references for a picture of it: inferno's flame graph
# (`inferno-flamegraph`, fed the folded stacks, so it skips reading the profile) and go tool
# pprof's call graph (`-svg`, through Graphviz). Wall time and peak RSS, median of RUNS runs
# (the tools alternate run by run; the machine is noisy), side by side and as ratios.
#
#   benches/pprof-flame/run.sh [RUNS] [GO_RUNS]     (defaults: 5, 3)
#   PROFILE=path/to/profile.pb.gz benches/pprof-flame/run.sh   (skip generating the profile)
#   GO_RUNS=0 skips go tool pprof -svg (about a minute a run here).
#   SEXTANT=path/to/sextant uses that binary instead of building one.
#
# Needs go, inferno (`cargo install inferno`), Graphviz's dot, /usr/bin/time (Debian's time)
# and bc.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
go_runs=${2:-${GO_RUNS:-3}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need() { command -v "$1" >/dev/null || { echo "error: $1 not found ($2)" >&2; exit 1; }; }
need go "apt-get install golang-go"
need inferno-flamegraph "cargo install inferno"
need dot "apt-get install graphviz"
need bc "apt-get install bc"
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

profile=${PROFILE:-}
if [ -z "$profile" ]; then
  echo "making the large profile (testdata/go/bigprof, default size)..." >&2
  (cd "$root/testdata/go/bigprof" && go run . -out "$work/big.pb.gz") >&2
  profile="$work/big.pb.gz"
fi
if [ -n "${SEXTANT:-}" ]; then
  ours=$SEXTANT
else
  cargo build --quiet --release -p sextant-cli --manifest-path "$root/Cargo.toml"
  ours="${CARGO_TARGET_DIR:-$root/target}/release/sextant"
fi
export PPROF_BINARY_PATH="$work/no-binaries" TZ=UTC

# measure NAME OUT CMD...: runs CMD with stdout to OUT, appends "seconds kilobytes" to $work/NAME.
measure() {
  local name=$1 out=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$out" 2>"$work/err" || {
    echo "error: $name failed:" >&2; cat "$work/err" >&2; exit 1; }
  cat "$work/t" >> "$work/$name"
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
col() { cut -d' ' -f"$2" "$work/$1" | median; }

# inferno's input: the folded stacks, made once (its time is measured too, as sextant -folded).
"$ours" pprof -folded "$profile" >"$work/folded.txt"
for i in $(seq "$runs"); do
  measure flame "$work/flame.svg" "$ours" pprof -flame "$profile"
  measure folded "$work/folded.out" "$ours" pprof -folded "$profile"
  measure inferno "$work/inferno.svg" sh -c 'inferno-flamegraph <"$1"' _ "$work/folded.txt"
done
for i in $(seq "$go_runs"); do
  measure gosvg "$work/go.svg" go tool pprof -svg "$profile"
done

frames() { grep -o '<title>' "$1" | wc -l; }
echo "profile: $(zcat "$profile" | wc -c | awk '{printf "%.1f MB", $1/1e6}') uncompressed;" \
  "$(wc -l <"$work/folded.txt") folded stacks; sextant draws $(frames "$work/flame.svg") frames" \
  "($(du -k "$work/flame.svg" | cut -f1) kB), inferno $(frames "$work/inferno.svg")" \
  "($(du -k "$work/inferno.svg" | cut -f1) kB)"
printf '%-44s %5s %10s %10s\n' "command (median of runs)" runs seconds "peak MB"
row() {
  printf '%-44s %5s %10.2f %10.1f\n' "$1" "$(wc -l <"$work/$2")" "$(col "$2" 1)" \
    "$(echo "$(col "$2" 2)/1024" | bc -l)"
}
row "sextant pprof -flame PROFILE" flame
row "sextant pprof -folded PROFILE" folded
row "inferno-flamegraph < FOLDED" inferno
[ "$go_runs" -gt 0 ] && row "go tool pprof -svg PROFILE" gosvg
ratio() { echo "$(col "$1" "$3") / $(col "$2" "$3")" | bc -l; }
printf 'inferno-flamegraph (from folded stacks) / sextant -flame (from the profile): time %.1fx, memory %.1fx\n' \
  "$(ratio inferno flame 1)" "$(ratio inferno flame 2)"
[ "$go_runs" -gt 0 ] && printf 'go tool pprof -svg / sextant -flame: time %.1fx, memory %.1fx\n' \
  "$(ratio gosvg flame 1)" "$(ratio gosvg flame 2)"
echo "ratios above 1 favour sextant"
