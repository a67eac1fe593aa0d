#!/usr/bin/env bash
# Golden outputs of `go tool pprof` (Go 1.19) for sextant-report's text reports: -top, -traces,
# -tree and -peek on every go1.19.* profile, with the options that shape them (sort order,
# node count and fractions, granularity, inlines, units, sample index, -mean, -divide_by,
# compact labels, filters with relative percentages, diff and base profiles).
# Writes golden-report/<stem>.<format>.txt and golden-report/MANIFEST.tsv, one line per
# golden: "<golden file>\t<go tool pprof arguments>", profile names relative to testdata/go
# (the directory pprof runs in). Arguments never hold spaces: the manifest splits on them.
# When Go prints to stderr, that text is kept beside the golden as <stem>.<format>.stderr.txt.
#
# Golden stems name their options as pprof's testdata does; characters a file name can't
# hold are spelled out: '/' becomes '_', ':' becomes '..', '|' becomes '+'.
# Called by ../regen.sh; can be run alone (from anywhere) to remake only these goldens.
out="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/golden-report"
name=report.sh
# shellcheck source=common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

# Every profile, every text report.
for p in cpu cpu2 heap allocs goroutine block mutex threadcreate allocs.delta block.delta; do
  g "$p" "top traces tree" "go1.19.$p.pb.gz"
done
for p in cpu cpu2 heap allocs goroutine block mutex threadcreate allocs.delta block.delta; do
  g "$p" tags "go1.19.$p.pb.gz"
done
# The call graph in DOT (what -svg, -png and -pdf render through Graphviz).
for p in cpu cpu2 heap allocs goroutine block mutex threadcreate allocs.delta block.delta; do
  g "$p" dot "go1.19.$p.pb.gz"
done
g cpu.nodecount=5 dot -nodecount=5 $cpu
g heap.nodecount=3 dot -nodecount=3 $heap
g allocs.nodecount=10 dot -nodecount=10 $allocs
g cpu.lines dot -lines $cpu
g cpu2.addresses dot -addresses $cpu2
g cpu.noinlines dot -noinlines $cpu
g cpu.nodefraction=0.edgefraction=0 dot -nodefraction=0 -edgefraction=0 $cpu
g cpu.edgefraction=0.1 dot -edgefraction=0.1 $cpu
g cpu.trim=false dot -trim=false $cpu
g cpu.focus=queryDB dot -focus=queryDB $cpu
g cpu.hide=processRequest dot -hide=processRequest $cpu
g cpu.diff_base=cpu2 dot -diff_base=$cpu2 $cpu
g heap.sample_index=alloc_objects dot -sample_index=alloc_objects $heap
g heap.unit=MB dot -unit=MB $heap
g block.mean dot -mean $block
g goroutine.compact_labels dot -compact_labels $goroutine
# -call_tree: a node per calling context (pprof's newTree), trimmed in place (TrimTree). Only
# the cases where Go's output is stable: pprof sorts tree nodes that tie on score, name and
# flat in map order, so -addresses, -diff_base, goroutine and allocs.delta vary run to run.
for p in cpu cpu2 heap allocs block mutex threadcreate block.delta; do
  g "$p.call_tree" dot -call_tree "go1.19.$p.pb.gz"
done
g cpu.call_tree.nodecount=10 dot -call_tree -nodecount=10 $cpu
g heap.call_tree.nodecount=5 dot -call_tree -nodecount=5 $heap
g allocs.call_tree.nodecount=10 dot -call_tree -nodecount=10 $allocs
g cpu.call_tree.focus=queryDB dot -call_tree -focus=queryDB $cpu
g cpu.call_tree.hide=processRequest dot -call_tree -hide=processRequest $cpu
g cpu.call_tree.lines dot -call_tree -lines $cpu
g cpu.call_tree.noinlines dot -call_tree -noinlines $cpu
g cpu.call_tree.nodefraction=0.05 dot -call_tree -nodefraction=0.05 $cpu
g cpu.call_tree.nodefraction=0.edgefraction=0 dot -call_tree -nodefraction=0 -edgefraction=0 $cpu
g cpu.call_tree.edgefraction=0.1 dot -call_tree -edgefraction=0.1 $cpu
g cpu.call_tree.trim=false dot -call_tree -trim=false $cpu
g heap.call_tree.sample_index=alloc_objects dot -call_tree -sample_index=alloc_objects $heap
g block.call_tree.mean dot -call_tree -mean $block
# Text reports ignore -call_tree.
g cpu.call_tree "top tree" -call_tree $cpu
g heap.call_tree traces -call_tree $heap
# Callgrind (address granularity, binaries named).
for p in cpu cpu2 heap allocs goroutine block mutex threadcreate; do
  g "$p" callgrind "go1.19.$p.pb.gz"
done
g cpu.focus=queryDB callgrind -focus=queryDB $cpu
g cpu.unit=s callgrind -unit=s $cpu
g heap.sample_index=alloc_objects callgrind -sample_index=alloc_objects $heap
for p in heap block mutex threadcreate; do
  g "$p.call_tree" callgrind -call_tree "go1.19.$p.pb.gz"
done
# Annotated source, found under gen/ (the profiles name it sextant.test/gen/...; pprof's
# trim heuristic cuts up to "/gen/" when the search path ends in gen).
g cpu.source_path=gen "list=main.walkTree list=main.process list=main.scan" -source_path=gen $cpu
g cpu2.source_path=gen "list=main.serialize" -source_path=gen $cpu2
g heap.source_path=gen "list=main.newEntry list=main.runHeapWorkload" -source_path=gen $heap
g cpu.source_path=gen.noinlines "list=main.queryDB" -source_path=gen -noinlines $cpu
g cpu.source_path=gen.unit=ms "list=marshalSQL" -source_path=gen -unit=ms $cpu
g heap.unit=kb tags -unit=kb $heap
g heap.sample_index=alloc_objects tags -sample_index=alloc_objects $heap
g cpu.focus=queryDB tags -focus=queryDB $cpu
g cpu.tagignore=endpoint=_api_a tags -tagignore=endpoint=/api/a $cpu
g cpu.taghide=endpoint tags -taghide=endpoint $cpu
g cpu.add_comment=hello "comments top" -add_comment=hello $cpu
g cpu "peek=main. peek=isSpace" $cpu
g cpu2 "peek=serialize" $cpu2
g heap "peek=main" $heap
g block "peek=sync" $block
g goroutine "peek=Mutex" $goroutine

# Sort order, node count, trimming.
for p in cpu cpu2 heap allocs block; do
  g "$p.cum" "top tree" -cum "go1.19.$p.pb.gz"
  g "$p.nodecount=5" "top tree" -nodecount=5 "go1.19.$p.pb.gz"
  g "$p.trim=false" "top tree" -trim=false "go1.19.$p.pb.gz"
done
g cpu.nodecount=1 top -nodecount=1 $cpu
g cpu.nodecount=100 tree -nodecount=100 $cpu
g cpu.nodecount=5.cum top -nodecount=5 -cum $cpu
g cpu.nodefraction=0.05 "top tree" -nodefraction=0.05 $cpu
g cpu.nodefraction=0 top -nodefraction=0 $cpu
g cpu.edgefraction=0.05 tree -edgefraction=0.05 $cpu
g cpu.nodefraction=0.1.edgefraction=0.1 tree -nodefraction=0.1 -edgefraction=0.1 $cpu
g heap.nodefraction=0.2 top -nodefraction=0.2 $heap

# Granularity and inlining.
for p in cpu cpu2 heap goroutine; do
  g "$p.lines" "top tree" -lines "go1.19.$p.pb.gz"
  g "$p.files" "top tree" -files "go1.19.$p.pb.gz"
  g "$p.filefunctions" "top tree" -filefunctions "go1.19.$p.pb.gz"
  g "$p.addresses" "top tree" -addresses "go1.19.$p.pb.gz"
  g "$p.noinlines" "top tree" -noinlines "go1.19.$p.pb.gz"
done
for p in cpu heap goroutine; do
  g "$p.lines" traces -lines "go1.19.$p.pb.gz"
  g "$p.addresses" traces -addresses "go1.19.$p.pb.gz"
  g "$p.noinlines" traces -noinlines "go1.19.$p.pb.gz"
done
g cpu.lines.noinlines top -lines -noinlines $cpu
g cpu.lines.cum top -lines -cum $cpu
g cpu2.lines "peek=putVarint" -lines $cpu2

# Units and values.
g cpu.unit=ms "top tree" -unit=ms $cpu
g heap.unit=ms traces -unit=ms $heap
g cpu.unit=s top -unit=s $cpu
g cpu.unit=ns top -unit=ns $cpu
g cpu.unit=auto "top tree" -unit=auto $cpu
g heap.unit=kb top -unit=kb $heap
g heap.unit=MB top -unit=MB $heap
g heap.unit=B top -unit=B $heap
g heap.unit=auto top -unit=auto $heap
g block.unit=us top -unit=us $block
g cpu.divide_by=3 "top tree" -divide_by=3 $cpu
g block.divide_by=3 traces -divide_by=3 $block
g heap.divide_by=1024 top -divide_by=1024 $heap
g heap.divide_by=0.5 top -divide_by=0.5 $heap
g block.mean "traces tree" -mean $block
g mutex.mean "traces tree" -mean $mutex
g heap.mean top -mean $heap
g cpu.sample_index=samples tree -sample_index=samples $cpu
g goroutine.sample_index=0 traces -sample_index=0 $goroutine
g heap.sample_index=alloc_space "top traces tree" -sample_index=alloc_space $heap
g heap.sample_index=inuse_objects "traces tree" -sample_index=inuse_objects $heap
g allocs.sample_index=alloc_objects tree -sample_index=alloc_objects $allocs
g block.sample_index=contentions tree -sample_index=contentions $block
g block.total_delay top -total_delay $block
g block.mean_delay top -mean_delay $block
g heap.alloc_space tree -alloc_space $heap

# Headers. The build id given by -buildid, or as a hex first argument, replaces the main
# binary's.
g cpu.buildid=0123abcd "top dot raw" -buildid=0123abcd $cpu
g heap.0123abcd "top" 0123abcd $heap
g cpu.compact_labels "top tree" -compact_labels $cpu
g heap.compact_labels top -compact_labels $heap

# Filters (the report's header lists them), with and without relative percentages.
g cpu.focus=queryDB "traces tree" -focus=queryDB $cpu
g cpu.focus=queryDB.relative_percentages "top tree" -focus=queryDB -relative_percentages $cpu
g cpu.hide=runtime tree -hide=runtime $cpu
g cpu.show_from=processRequest tree -show_from=processRequest $cpu
g cpu.ignore=walkTree.cum top -ignore=walkTree -cum $cpu
g cpu.tagfocus=endpoint=_api_a "traces tree" -tagfocus=endpoint=/api/a $cpu
g cpu.focus=nomatch "top traces tree" -focus=noSuchFunction $cpu
g heap.tagfocus=bytes=1kb.. "traces tree" -tagfocus=bytes=1kb: $heap
g cpu2.tagshow=worker traces -tagshow=worker $cpu2
g cpu2.taghide=worker traces -taghide=worker $cpu2
g cpu.focus=walkTree.ignore=parseJSON.hide=runtime.show=main..tagfocus=worker=^1 top '-focus=walkTree' -ignore=parseJSON -hide=runtime '-show=main\.' -tagfocus=worker=^1 $cpu

# Several profiles.
g cpu+cpu2.merge "top traces tree" $cpu $cpu2
g cpu.diff_base=cpu2 "top traces tree" -diff_base=$cpu2 $cpu
g cpu.base=cpu2 "top tree" -base=$cpu2 $cpu
g cpu.diff_base=cpu2.drop_negative "top tree" -diff_base=$cpu2 -drop_negative $cpu
g cpu.diff_base=cpu2.cum top -diff_base=$cpu2 -cum $cpu
g heap.base=heap.normalize top -base=$heap -normalize $heap

write_goldens
