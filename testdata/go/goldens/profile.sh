#!/usr/bin/env bash
# Golden outputs of `go tool pprof` (Go 1.19) on the go1.19.* profiles: -raw and -top of
# every profile, sample indexes, merge, -base/-diff_base/-normalize, the name and tag
# filters, and -mean. Writes golden/<stem>.<raw|top>.txt and golden/MANIFEST.tsv, one line
# per golden: "<golden file>\t<go tool pprof arguments>", with profile names relative to
# testdata/go (the directory pprof runs in). The goldens and the manifest come from the
# one table below. When Go prints to stderr (e.g. "tagfocus:Interpreted '1kb' as range,
# not regexp"), that text is kept beside the golden as <stem>.<format>.stderr.txt.
#
# Golden stems name their options as pprof's testdata does; characters a file name can't
# hold are spelled out: '/' becomes '_', ':' becomes '..', '|' becomes '+'.
# Called by ../regen.sh; can be run alone (from anywhere) to remake only these goldens.
out="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/golden"
name=profile.sh
# shellcheck source=common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"

# Every profile as it is.
for p in cpu cpu2 heap allocs goroutine block mutex threadcreate allocs.delta block.delta; do
  g "$p" "raw top" "go1.19.$p.pb.gz"
done

# The legacy text forms (debug=1): Go's pprof still parses them, with addresses only
# (no binary, so every frame is <unknown>).
g goroutine.debug1 "raw top" go1.19.goroutine.debug1.txt
g heap.debug1 "raw top" go1.19.heap.debug1.txt

# Sample index by name, by position, and by the legacy selector flags.
g heap.sample_index=inuse_space top -sample_index=inuse_space $heap
g heap.sample_index=inuse_objects top -sample_index=inuse_objects $heap
g heap.sample_index=alloc_space top -sample_index=alloc_space $heap
g heap.sample_index=alloc_objects top -sample_index=alloc_objects $heap
g heap.sample_index=0 top -sample_index=0 $heap
g heap.sample_index=1 top -sample_index=1 $heap
g heap.sample_index=2 top -sample_index=2 $heap
g heap.alloc_objects top -alloc_objects $heap
g heap.inuse_objects top -inuse_objects $heap
g allocs.sample_index=inuse_space top -sample_index=inuse_space $allocs
g allocs.sample_index=alloc_objects top -sample_index=alloc_objects $allocs
g allocs.sample_index=3 top -sample_index=3 $allocs
g allocs.delta.sample_index=alloc_space top -sample_index=alloc_space go1.19.allocs.delta.pb.gz
g cpu.sample_index=samples top -sample_index=samples $cpu
g cpu.sample_index=0 top -sample_index=0 $cpu
g block.sample_index=contentions top -sample_index=contentions $block
g mutex.contentions top -contentions $mutex

# Several profiles: merge, subtract, compare.
g cpu+cpu2.merge "raw top" $cpu $cpu2
g cpu.diff_base=cpu2 "raw top" -diff_base=$cpu2 $cpu
g cpu.base=cpu2 "raw top" -base=$cpu2 $cpu
g cpu.base=cpu2.normalize "raw top" -normalize -base=$cpu2 $cpu
g cpu.diff_base=cpu2.normalize "raw top" -normalize -diff_base=$cpu2 $cpu

# Name filters.
g cpu.focus=queryDB "raw top" -focus=queryDB $cpu
g cpu.focus=walkTree "raw top" -focus=walkTree $cpu
g cpu.focus=marshalSQL+serialize "raw top" '-focus=marshalSQL|serialize' $cpu
g cpu.ignore=walkTree "raw top" -ignore=walkTree $cpu
g cpu.focus=processRequest.ignore=queryDB "raw top" -focus=processRequest -ignore=queryDB $cpu
g cpu.hide=walkTree "raw top" -hide=walkTree $cpu
g cpu.hide=runtime "raw top" -hide=runtime $cpu
g cpu.show=main. "raw top" '-show=main\.' $cpu
g cpu.show_from=queryDB "raw top" -show_from=queryDB $cpu
g cpu.show_from=processRequest "raw top" -show_from=processRequest $cpu
g cpu.prune_from=parseJSON "raw top" -prune_from=parseJSON $cpu
g cpu.prune_from=walkTree "raw top" -prune_from=walkTree $cpu
g cpu.focus=nomatch "raw top" -focus=noSuchFunction $cpu
g heap.focus=buildCache "raw top" -focus=buildCache $heap
g block.focus=consumeEvents+waitForReady "raw top" '-focus=consumeEvents|waitForReady' $block

# Tag filters on string labels: key=value, key=either,or, and plain regexps on "key:value".
# A value that reads as a number (worker=1) is taken as a numeric range and matches no
# string label; worker=^1 is the regexp form that selects worker 1.
g cpu.tagfocus=endpoint=_api_a "raw top" -tagfocus=endpoint=/api/a $cpu
g cpu.tagfocus=endpoint=_api_a,_api_b "raw top" -tagfocus=endpoint=/api/a,/api/b $cpu
g cpu.tagfocus=worker=1 "raw top" -tagfocus=worker=1 $cpu
g cpu.tagignore=endpoint=_api_b "raw top" -tagignore=endpoint=/api/b $cpu
g cpu.tagignore=worker=2 "raw top" -tagignore=worker=2 $cpu
g cpu.tagfocus=worker=^1 "raw top" -tagfocus=worker=^1 $cpu
g cpu.tagignore=worker=^2 "raw top" -tagignore=worker=^2 $cpu
g cpu.tagfocus=worker "raw top" -tagfocus=worker $cpu
g cpu.tagfocus=worker..2 "raw top" -tagfocus=worker:2 $cpu
g cpu.tagfocus=_api_a,worker..2 "raw top" -tagfocus=/api/a,worker:2 $cpu
g cpu.tagfocus=endpoint=_api_a.tagignore=worker=^1 "raw top" -tagfocus=endpoint=/api/a -tagignore=worker=^1 $cpu
g cpu.tagfocus=worker..3 "raw top" -tagfocus=worker:3 $cpu
g goroutine.tagfocus=role=reader "raw top" -tagfocus=role=reader $goroutine

# Tag filters on heap's numeric `bytes` label: ranges with units. A bound without a unit
# (bytes=:512) compares in no unit and matches nothing; bytes=:512b is the working form.
g heap.tagfocus=bytes=1kb.. "raw top" -tagfocus=bytes=1kb: $heap
g heap.tagfocus=bytes=..512 "raw top" -tagfocus=bytes=:512 $heap
g heap.tagfocus=bytes=64b..2kb "raw top" -tagfocus=bytes=64b:2kb $heap
g heap.tagfocus=bytes=..512b "raw top" -tagfocus=bytes=:512b $heap
g heap.tagignore=bytes=..512 "raw top" -tagignore=bytes=:512 $heap
g heap.tagignore=bytes=..512b "raw top" -tagignore=bytes=:512b $heap
g heap.tagfocus=bytes=1kb "raw top" -tagfocus=bytes=1kb $heap
g heap.tagfocus=4kb.. "raw top" -tagfocus=4kb: $heap
g allocs.tagfocus=bytes=1kb..32kb "raw top" -tagfocus=bytes=1kb:32kb $allocs

# Mean values per event.
g block.mean "raw top" -mean $block
g mutex.mean "raw top" -mean $mutex

write_goldens
