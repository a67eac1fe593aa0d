# Shared by the golden scripts here (sourced, not run: regen.sh runs only *.sh): the setup
# every script needs, the table helper g, and write_goldens, which runs go tool pprof for each
# table entry. A script sets `out` (its golden directory) and `name`, sources this file, fills
# the table with g, then calls write_goldens.
set -euo pipefail
set -f # the arguments hold regexps; never glob them

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest="$out/MANIFEST.tsv"
go="${GO:-go}"
export TZ=UTC
# No binary may be found for the mappings: the tests that read these goldens have none.
PPROF_BINARY_PATH="$(mktemp -d "${TMPDIR:-/tmp}/sextant-pprof.XXXXXX")"
export PPROF_BINARY_PATH
trap 'rmdir "$PPROF_BINARY_PATH"' EXIT

cpu=go1.19.cpu.pb.gz
cpu2=go1.19.cpu2.pb.gz
heap=go1.19.heap.pb.gz
allocs=go1.19.allocs.pb.gz
block=go1.19.block.pb.gz
mutex=go1.19.mutex.pb.gz
goroutine=go1.19.goroutine.pb.gz

entries=()
# g STEM FORMATS ARG...: one golden per format, each made by `go tool pprof -FORMAT ARG...`.
# A format "peek=RE" becomes the golden STEM.peek=RE.txt and the flag -peek=RE.
g() {
  local stem=$1 formats=$2 format
  shift 2
  for format in $formats; do
    entries+=("$stem.$format.txt"$'\t'"-$format $*")
  done
}

# Replaces the previous goldens of the calling script (and only those) with the table's.
write_goldens() {
  mkdir -p "$out"
  if [ -f "$manifest" ]; then
    cut -f1 "$manifest" | while read -r old; do
      rm -f "$out/$old" "$out/${old%.txt}.stderr.txt"
    done
  fi
  cd "$here"
  : >"$manifest.tmp"
  local entry file args
  for entry in "${entries[@]}"; do
    file=${entry%%$'\t'*}
    read -r -a args <<<"${entry#*$'\t'}"
    if ! "$go" tool pprof "${args[@]}" >"$out/$file" 2>"$out/${file%.txt}.stderr.txt"; then
      echo "$name: go tool pprof ${args[*]} failed:" >&2
      cat "$out/${file%.txt}.stderr.txt" >&2
      exit 1
    fi
    [ -s "$out/${file%.txt}.stderr.txt" ] || rm "$out/${file%.txt}.stderr.txt"
    printf '%s\t%s\n' "$file" "${args[*]}" >>"$manifest.tmp"
  done
  mv "$manifest.tmp" "$manifest"
  echo "$name: wrote $(wc -l <"$manifest") goldens" >&2
}
