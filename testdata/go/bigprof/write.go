package main

// Streaming the profile: sample types first, then every sample as it is drawn,
// then mappings, locations, functions, the header numbers and, last, the string
// table (the order Go's runtime/pprof writes in), so that memory stays small
// whatever the number of samples.

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"sort"
)

// Field numbers of perftools.profiles.Profile and its messages (profile.proto).
const (
	profSampleType    = 1
	profSample        = 2
	profMapping       = 3
	profLocation      = 4
	profFunction      = 5
	profStringTable   = 6
	profTimeNanos     = 9
	profDurationNanos = 10
	profPeriodType    = 11
	profPeriod        = 12

	sampleLocationID = 1
	sampleValue      = 2
	sampleLabel      = 3

	labelKey = 1
	labelStr = 2

	valueTypeType = 1
	valueTypeUnit = 2

	mappingID, mappingStart, mappingLimit, mappingOffset   = 1, 2, 3, 4
	mappingFilename, mappingBuildID, mappingHasFunctions   = 5, 6, 7
	mappingHasFilenames, mappingHasLines, mappingHasInline = 8, 9, 10

	locationID, locationMappingID, locationAddress, locationLine = 1, 2, 3, 4
	lineFunctionID, lineLine                                     = 1, 2

	functionID, functionName, functionSystemName = 1, 2, 3
	functionFilename, functionStartLine          = 4, 5
)

// period is 1e9/100: Go's CPU profiler samples at a fixed 100 Hz.
const period = 10000000

// timeNanos is a fixed collection time (2025-12-01 00:00:00 UTC) to keep the output deterministic.
const timeNanos = 1764547200 * 1e9

// endpoints is how many label values first occurrences of stacks are spread over.
const endpoints = 7

type profileWriter struct {
	w        *bufio.Writer
	prog     *program
	strings  []string
	index    map[string]int64
	msg, sub buf
	totalCPU int64
}

func newProfileWriter(w *bufio.Writer, prog *program) *profileWriter {
	pw := &profileWriter{w: w, prog: prog, index: map[string]int64{}}
	pw.str("")
	for _, vt := range [][2]string{{"samples", "count"}, {"cpu", "nanoseconds"}} {
		pw.valueType(profSampleType, vt[0], vt[1])
	}
	return pw
}

// str interns s in the string table and returns its index.
func (pw *profileWriter) str(s string) int64 {
	if i, ok := pw.index[s]; ok {
		return i
	}
	i := int64(len(pw.strings))
	pw.strings = append(pw.strings, s)
	pw.index[s] = i
	return i
}

// flush writes pw.msg as field number field of the Profile.
func (pw *profileWriter) flush(field int) {
	var head buf
	head.tag(field, wireBytes)
	head.varint(uint64(len(pw.msg.b)))
	_, err := pw.w.Write(head.b)
	check(err)
	_, err = pw.w.Write(pw.msg.b)
	check(err)
	pw.msg.reset()
}

func (pw *profileWriter) valueType(field int, typ, unit string) {
	pw.msg.int64(valueTypeType, pw.str(typ))
	pw.msg.int64(valueTypeUnit, pw.str(unit))
	pw.flush(field)
}

// writeSamples writes n samples, the first m with new stacks, and returns how many of
// those m stacks are really distinct.
func (pw *profileWriter) writeSamples(n, m, depth int, seed uint64) int {
	endpoint := pw.str("endpoint")
	hashes := make([]uint64, 0, m)
	step := coprimeStep(m)
	var stack, values []uint64
	for i := 0; i < n; i++ {
		j, label := i, i%endpoints
		if i >= m {
			// The t-th repeat takes stack j under a label that stack j has not had yet.
			t := i - m
			j = int(uint64(t) * step % uint64(m))
			label = j%endpoints + 1 + t/m
		}
		sr := rng{s: seed ^ uint64(j+1)*0x9e3779b97f4a7c15}
		stack = pw.prog.stack(&sr, depth/2+sr.intn(depth+1), stack[:0])
		if i < m {
			hashes = append(hashes, hashStack(stack))
		}
		cr := rng{s: seed ^ uint64(i+1)*0xd1b54a32d192ed03}
		count := int64(1)
		if cr.intn(10) < 3 { // most stacks are seen once; a few are hot
			count += int64(cr.intn(4) * (1 + cr.intn(8)))
		}
		pw.totalCPU += count * period
		values = append(values[:0], uint64(count), uint64(count*period))

		pw.msg.packed(sampleLocationID, stack)
		pw.msg.packed(sampleValue, values)
		pw.sub.reset()
		pw.sub.int64(labelKey, endpoint)
		pw.sub.int64(labelStr, pw.str(fmt.Sprintf("/api/v%d", label)))
		pw.msg.bytes(sampleLabel, pw.sub.b)
		pw.flush(profSample)
	}
	return countDistinct(hashes)
}

// coprimeStep returns a multiplier coprime with m, so t*step mod m visits every stack
// once before any repeats twice.
func coprimeStep(m int) uint64 {
	step := uint64(7919)
	for gcd(step, uint64(m)) != 1 {
		step += 2
	}
	return step
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func hashStack(stack []uint64) uint64 {
	h := fnv.New64a()
	var b buf
	for _, id := range stack {
		b.varint(id)
	}
	h.Write(b.b)
	return h.Sum64()
}

func countDistinct(hashes []uint64) int {
	sort.Slice(hashes, func(a, b int) bool { return hashes[a] < hashes[b] })
	n := 0
	for i, h := range hashes {
		if i == 0 || h != hashes[i-1] {
			n++
		}
	}
	return n
}

// writeTables writes everything after the samples, the string table last.
func (pw *profileWriter) writeTables() {
	for _, m := range pw.prog.mappings {
		e := &pw.msg
		e.uint64(mappingID, m.id)
		e.uint64(mappingStart, m.start)
		e.uint64(mappingLimit, m.limit)
		e.uint64(mappingOffset, m.offset)
		e.int64(mappingFilename, pw.str(m.file))
		e.int64(mappingBuildID, pw.str(m.buildID))
		e.bool(mappingHasFunctions, true)
		e.bool(mappingHasFilenames, true)
		e.bool(mappingHasLines, true)
		e.bool(mappingHasInline, m.inlineFrames)
		pw.flush(profMapping)
	}
	for _, l := range pw.prog.locations {
		e := &pw.msg
		e.uint64(locationID, l.id)
		e.uint64(locationMappingID, l.mapping)
		e.uint64(locationAddress, l.addr)
		for _, ln := range l.lines {
			pw.sub.reset()
			pw.sub.uint64(lineFunctionID, ln.function)
			pw.sub.int64(lineLine, ln.line)
			e.bytes(locationLine, pw.sub.b)
		}
		pw.flush(profLocation)
	}
	for _, f := range pw.prog.funcs {
		e := &pw.msg
		e.uint64(functionID, f.id)
		e.int64(functionName, pw.str(f.name))
		e.int64(functionSystemName, pw.str(f.name))
		e.int64(functionFilename, pw.str(f.file))
		if f.file != "" {
			e.int64(functionStartLine, f.startLine)
		}
		pw.flush(profFunction)
	}
	var head buf
	head.int64(profTimeNanos, timeNanos)
	// As if the samples came from four busy cores.
	head.int64(profDurationNanos, pw.totalCPU/4)
	_, err := pw.w.Write(head.b)
	check(err)
	pw.valueType(profPeriodType, "cpu", "nanoseconds")
	head.reset()
	head.int64(profPeriod, period)
	for _, s := range pw.strings {
		head.string(profStringTable, s)
	}
	_, err = pw.w.Write(head.b)
	check(err)
}
