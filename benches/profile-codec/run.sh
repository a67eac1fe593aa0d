#!/usr/bin/env bash
# Decode + encode of a large profile: sextant-profile against `go tool pprof -proto`, which
# reads, merges and re-encodes the same file. Wall time and peak RSS, median of RUNS runs each
# (the machine is noisy: medians, and the two tools alternate run by run), as ratios.
#
#   benches/profile-codec/run.sh [RUNS]      (default 5)
#
# Needs go (Debian's golang-go) and /usr/bin/time (Debian's time).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v go >/dev/null || { echo "error: go not found (apt-get install golang-go)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

echo "making the large profile (testdata/go/bigprof, default size)..." >&2
(cd "$root/testdata/go/bigprof" && go run . -out "$work/big.pb.gz") >&2
cargo build --quiet --release -p sextant-profile --example roundtrip --manifest-path "$root/Cargo.toml"
ours="$root/target/release/examples/roundtrip"
zcat "$work/big.pb.gz" | wc -c | awk '{printf "profile: %.1f MB uncompressed, ", $1/1e6}' >&2
ls -l "$work/big.pb.gz" | awk '{printf "%.1f MB gzipped\n", $5/1e6}' >&2

# measure NAME CMD...: appends "seconds kilobytes" to $work/NAME.
measure() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || {
    echo "error: $name failed:" >&2; cat "$work/err" >&2; exit 1; }
  cat "$work/t" >> "$work/$name"
}
for i in $(seq "$runs"); do
  measure go go tool pprof -proto -output "$work/go.pb.gz" "$work/big.pb.gz"
  measure sextant "$ours" "$work/big.pb.gz" "$work/ours.pb.gz"
done
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
gs=$(cut -d' ' -f1 "$work/go" | median); gm=$(cut -d' ' -f2 "$work/go" | median)
ss=$(cut -d' ' -f1 "$work/sextant" | median); sm=$(cut -d' ' -f2 "$work/sextant" | median)
# Both outputs must hold the same profile: go tool pprof prints the same -top for each.
go tool pprof -top "$work/go.pb.gz" 2>/dev/null | grep -v '^File:\|^Time:' > "$work/go.top"
go tool pprof -top "$work/ours.pb.gz" 2>/dev/null | grep -v '^File:\|^Time:' > "$work/ours.top"
cmp -s "$work/go.top" "$work/ours.top" && same=yes || same=NO
printf '%-28s %10s %12s\n' "decode+encode ($runs runs)" "wall s" "peak RSS MB"
printf '%-28s %10.2f %12.1f\n' "go tool pprof -proto" "$gs" "$(echo "$gm/1024" | bc -l)"
printf '%-28s %10.2f %12.1f\n' "sextant-profile" "$ss" "$(echo "$sm/1024" | bc -l)"
printf '%-28s %9.1fx %11.1fx\n' "ratio (go / sextant)" "$(echo "$gs/$ss" | bc -l)" "$(echo "$gm/$sm" | bc -l)"
echo "same -top from both outputs: $same"
