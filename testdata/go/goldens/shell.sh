#!/usr/bin/env bash
# Golden outputs of go tool pprof's interactive shell (Go 1.19): commands piped on stdin,
# as `printf 'top5\n...' | go tool pprof PROFILE` runs them. With stdin not a terminal,
# pprof reads plain lines, writes each "(pprof) " prompt and the reports on stdout, and the
# greeting, help, options and errors on stderr.
# Writes golden-shell/<stem>.txt (stdout), <stem>.stderr.txt (stderr), <stem>.in.txt (the
# commands piped in) and golden-shell/MANIFEST.tsv, one line per session:
# "<golden file>\t<go tool pprof arguments>", profile names relative to testdata/go.
# Called by ../regen.sh; can be run alone (from anywhere) to remake only these goldens.
out="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/golden-shell"
name=shell.sh
# shellcheck source=common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

inputs=()
# s STEM COMMANDS ARG...: one session, `go tool pprof ARG...` with COMMANDS on stdin.
s() {
  local stem=$1 commands=$2
  shift 2
  entries+=("$stem.txt"$'\t'"$*")
  inputs+=("$commands")
}

s heap.session $'top5\ntop -cum\nsample_index=alloc_space\ntop3\noptions\nhelp\nfocus=main\ntraces\n' $heap
s cpu.top $'top\ntop10 -cum\ntop3 queryDB\ntop4 -cum -walkTree\ntop 2 >\ntop -nope\ncum\ntop5\nflat\ntop5\n' $cpu
s cpu.options $'o\nnodecount=7\nunit=ms\ntrim=f\nfocus=main //: a comment\noptions\n:\noptions\n' $cpu
s cpu.help $'help top\nhelp list\nhelp peek\nhelp tags\nhelp raw\nhelp sample_index\nhelp focus\nhelp unit\nhelp cum\nhelp lines\nhelp nope\nhelp o\n' $cpu
s cpu.errors $'bogus\nnodecount\nnodecount=x\nnodefraction=abc\ntrim=maybe\ngranularity=x\nsample_index=nope\nsample_index=9\nlist\nnodecount 5\nfocus\ntop5 (\n' $cpu
s cpu.toggles $'lines\ntop3\nlines=false\ntop3\nfiles\ntop3\nfunctions\nnoinlines\ntop3\nnoinlines=false\ncompact_labels=false\ntop3\n' $cpu
s cpu.reports $'peek isSpace\ntree 4\ntraces -processRequest queryDB\ntags\ntags worker\ncomments\n' $cpu
s heap.shortcuts $'inuse_objects\ntop2\nmean_alloc_space\ntop2\ntotal_alloc_space\ntop2\nsample_index=1\noptions\n' $heap
s heap.flags $'top\noptions\ntop3 -cum\n' -nodecount=4 -sample_index=alloc_objects $heap
s cpu.list $'list main.scan\nlist walkTree -processRequest\n' -source_path=gen $cpu
s goroutine.session $'raw\ntop\ntop -cum\nq\ntop\n' $goroutine
s block.session $'top3\nmean=true\ntop3\ndivide_by=2\ntop3' $block
s cpu.blank $'\n   \ntop1\n\nexit\n' $cpu
s cpu.filters $'focus=queryDB\nrelative_percentages=true\ntop3\nhide=marshal\ntop3\nrelative_percentages=false\nshow_from=main.processRequest\ntree 3\n:\ntagfocus=worker=1\ntop3\ntaghide=worker\ntags\n:\nprune_from=parseJSON\ntraces main.scan\n' $cpu
s cpu.choices $'granularity=lines\ntop3\nsort=cum\ntop3 -cum\nlines=true\nfilefunctions=t\ntop3\ngranularity=functions\nflat=1\nunit=s\ntop3\ndot 4\n' $cpu
s cpu.diff_base $'top5\ndrop_negative=true\ntop5\nnormalize=true\noptions\n' -diff_base=$cpu2 $cpu

# The table above, run: each session's commands are kept beside its goldens.
mkdir -p "$out"
if [ -f "$manifest" ]; then
  cut -f1 "$manifest" | while read -r old; do
    rm -f "$out/$old" "$out/${old%.txt}.stderr.txt" "$out/${old%.txt}.in.txt"
  done
fi
cd "$here"
: >"$manifest.tmp"
for i in "${!entries[@]}"; do
  entry=${entries[$i]}
  file=${entry%%$'\t'*}
  read -r -a args <<<"${entry#*$'\t'}"
  printf '%s' "${inputs[$i]}" >"$out/${file%.txt}.in.txt"
  if ! "$go" tool pprof "${args[@]}" <"$out/${file%.txt}.in.txt" >"$out/$file" 2>"$out/${file%.txt}.stderr.txt"; then
    echo "$name: go tool pprof ${args[*]} failed:" >&2
    cat "$out/${file%.txt}.stderr.txt" >&2
    exit 1
  fi
  printf '%s\t%s\n' "$file" "${args[*]}" >>"$manifest.tmp"
done
mv "$manifest.tmp" "$manifest"
echo "$name: wrote $(wc -l <"$manifest") goldens" >&2
