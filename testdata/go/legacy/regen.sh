#!/usr/bin/env bash
# Regenerates testdata/go/legacy/: builds gen/ with the installed Go (Go 1.19), runs it to write
# the debug=1 text profiles go1.19.{goroutine,threadcreate,heap,allocs,block,mutex}.debug1.txt,
# and a few hand-made inputs in older legacy forms (handmade.*.txt), then writes go tool
# pprof's -raw and -top view of each into golden/<name>.{raw,top}.txt (stderr beside them as
# <name>.{raw,top}.stderr.txt), listed in golden/MANIFEST.tsv.
#
#   testdata/go/legacy/regen.sh                 profiles, then goldens
#   testdata/go/legacy/regen.sh --goldens-only  goldens from the committed profiles
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
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$here/gen" && "$go" build -trimpath -o "$work/gen" .)
  "$work/gen" -out "$here"
fi

# Inputs in the other legacy forms pprof reads, which Go 1.19 no longer writes: a memory map
# after the samples, attributes, heap_v2/heapprofile/growthz headers, contention periods and
# clock rates. Only the inputs are written here; go tool pprof writes their goldens below.
# Mapped files do not exist, so that pprof cannot symbolize them.
printf '%s\n' \
  'threadcreate profile: total 7' \
  '4 @ 0x401010 0x7f0000001010' '3 @ 0x401020 0x500010' \
  '--- Memory map: ---' \
  'dir=/nonexistent/lib' \
  '00401000-00450000 r-xp 00001000 08:02 173521 /nonexistent/bin/prog' \
  '00450000-00460000 rw-p 00050000 08:02 173521 /nonexistent/bin/prog' \
  '0x7f0000000000-0x7f0000100000 $dir/libc.so.6 (@1000) 0123abcd' \
  >handmade.threadcreate.maps.txt
printf '%s\n' \
  'heap profile: 3: 3072 [5: 10240] @ heap_v2/524288' \
  '2: 2048 [3: 6144] @ 0x10a0 0x20b0 0x30c0' \
  '1: 1024 [2: 4096] @ 0x10a0 0x40d0' \
  '-1: -512 [1: 256] @ 0x50e0' \
  '-3: 2 [0: 0] @ 0x50e0' \
  >handmade.heap_v2.txt
printf '%s\n' \
  'heap profile: 2: 300 [2: 300] @ heapprofile' \
  '1: 100 [1: 100] @ 0x1001 0x2002' '1: 200 [1: 200] @ 0x3003' \
  >handmade.heapprofile.txt
printf '%s\n' \
  'heap profile: 2: 4096 [0: 0] @ growthz' \
  '2: 4096 [0: 0] @ 0x1001 0x2002' \
  >handmade.growthz.txt
printf '%s\n' \
  '--- contentionz 1 ---' \
  'cycles/second = 3000000000' 'sampling period = 0x10' 'ms since reset = 1500' \
  'discarded samples = 0' \
  '# a comment' \
  '9000000 30 @ 0x1001 0x2002' '3000 1 @ 0x1001' \
  >handmade.contentionz.txt
printf '%s\n' \
  '--- threadz 1 ---' \
  'some comment before the stacks' \
  '--- Thread 7f12 (name: main/1234) stack: ---' '  PC: 0x401010 0x401b2c 0x402000' \
  '--- Thread 7f13 (name: worker/1235) stack: ---' '  same as previous thread' \
  '--- Thread 7f14 (name: worker/1236) stack: ---' '  PC: 0x401021 0x401021 0x402000' \
  '---- no stack trace for thread 7f15 ----' \
  '--- Memory map: ---' \
  '00400000-00500000 r-xp 00000000 08:02 1 /nonexistent/threadprog' \
  >handmade.threadz.txt

# The legacy binary CPU format: machine words (here 64-bit little-endian, then 32-bit
# big-endian), a header 0 3 0 <period µs> 0, records <count> <depth> <pcs>, the end marker
# 0 1 0, then a memory map in text.
le64() {
  local w i
  for w in "$@"; do
    for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(((w >> (8 * i)) & 255)))"; done
  done
}
be32() {
  local w i
  for w in "$@"; do
    for i in 3 2 1 0; do printf "\\x$(printf %02x $(((w >> (8 * i)) & 255)))"; done
  done
}
cpu_words="0 3 0 10000 0
  2 3 0x401010 0x401100 0x402001
  1 3 0x401020 0x401100 0x403001
  4 2 0x401011 0x401011
  0 1 0"
{
  # shellcheck disable=SC2086 # one word per field
  le64 $cpu_words
  printf '%s\n' '00400000-00500000 r-xp 00000000 08:02 1 /nonexistent/cpuprog'
} >handmade.cpu64le.bin
{
  # shellcheck disable=SC2086
  be32 $cpu_words
  printf '%s\n' '00400000-00500000 r-xp 00000000 08:02 1 /nonexistent/cpuprog'
} >handmade.cpu32be.bin

mkdir -p "$here/golden"
cd "$here"
: >golden/MANIFEST.tsv
for input in go1.19.*.debug1.txt handmade.*.txt handmade.*.bin; do
  name="${input#go1.19.}"
  name="${name%.debug1.txt}"
  name="${name%.txt}"
  name="${name%.bin}"
  for format in raw top; do
    # Run where the profiles are, naming them relatively, as the tests do.
    # Go fails on some of its own output (threadcreate's "5 @" with no stack): the empty
    # golden and the error on stderr are kept, and the tests expect a failure too.
    "$go" tool pprof "-$format" "$input" \
      >"golden/$name.$format.txt" 2>"golden/$name.$format.stderr.txt" || true
    printf '%s\t%s\n' "$name.$format.txt" "-$format $input" >>golden/MANIFEST.tsv
  done
done
