#!/bin/sh
# Regenerates the benchmark outputs that sextant benchstat's golden tests read:
# old.txt and new.txt, each from `go test -bench . -count=10` on one variant,
# and small-old.txt / small-new.txt cut from them.
# Needs only a Go toolchain (Debian's golang-go is enough); no network, no modules.
#
# Usage: testdata/go/bench/regen.sh [benchtime]   (default 100ms per run)
set -eu
cd "$(dirname "$0")"
benchtime=${1:-100ms}
out=../../benchstat
export GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
go test -run '^$' -bench . -count=10 -benchtime="$benchtime" . >"$out/old.txt"
go test -tags new -run '^$' -bench . -count=10 -benchtime="$benchtime" . >"$out/new.txt"
# small-*.txt keep the first 4 runs of each benchmark: too few for a confidence interval.
for v in old new; do
	awk '/^Benchmark/ { if (++seen[$1] > 4) next } { print }' "$out/$v.txt" >"$out/small-$v.txt"
done
echo "wrote $out/old.txt, $out/new.txt and $out/small-*.txt"
