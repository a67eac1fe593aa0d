#!/usr/bin/env bash
# Regenerates the Go-written fixtures in testdata/go/: builds gen/ with the installed Go
# (Debian's golang-go, Go 1.19), runs it to write every go1.19.* profile here, then runs
# every golden script in goldens/ (each writes its outputs of Go's tools into golden/).
#
#   testdata/go/regen.sh                 profiles, then goldens (about a minute)
#   testdata/go/regen.sh --goldens-only  goldens from the committed profiles
#
# Numbers differ from run to run; the committed files are the baseline the tests read.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
go="${GO:-go}"

case "$("$go" env GOVERSION)" in
go1.19*) ;;
*)
  echo "regen.sh: want Go 1.19 (fixtures are named go1.19.*), found $("$go" env GOVERSION)" >&2
  exit 1
  ;;
esac

# pprof prints times in the local zone; goldens use UTC wherever they are made.
export TZ=UTC

if [ "${1:-}" != "--goldens-only" ]; then
  # A fixed build directory, so that the binary's path in the profiles' mapping (and in
  # the -raw goldens) stays the same from one regeneration to the next.
  work=/tmp/sextant-gen
  rm -rf "$work"
  mkdir -p "$work"
  trap 'rm -rf "$work"' EXIT
  # -trimpath keeps this checkout's location out of the profiles' file names.
  (cd "$here/gen" && "$go" build -trimpath -o "$work/gen" .)
  # Async preemption is off because on a loaded machine runtime.asyncPreempt took up to
  # a quarter of the CPU samples of the tight loops, burying the program's own shape.
  # The CPU profiles cover 36 s and 12 s of CPU time (about 3600 and 1200 samples at
  # 100 Hz); in two goroutines that is 18 s and 6 s of an idle two-core machine.
  GODEBUG=asyncpreemptoff=1 "$work/gen" -out "$here" -cpu 36s -cpu2 12s
  # Goldens are made without the binary, as the tests that read them will be.
  rm -f "$work/gen"
fi

for script in "$here"/goldens/*.sh; do
  echo "regen.sh: running goldens/$(basename "$script")" >&2
  bash "$script"
done
