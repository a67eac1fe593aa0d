package main

// The heap workload: each function allocates one object size, so each stack in the heap
// profile carries one value of the numeric `bytes` label, and -tagfocus ranges such as
// bytes=1kb:, bytes=:512 and bytes=64b:2kb each select a known set of functions.
// About a fifth of what is allocated stays reachable from retained, so inuse differs
// from alloc.
//
//	function       object size   kept live
//	makeKey        24 B          none
//	newEntry       64 B          1 in 4
//	decodeHeader   256 B         none
//	decodeRecord   512 B         1 in 3
//	encodeFrame    1 KiB         1 in 8
//	formatRow      1.5 KiB       none
//	loadConfig     4 KiB         1 in 2
//	readBody       32 KiB        none
//	allocBlob      256 KiB       all (4 in total)

import "strconv"

// entry is 64 bytes on 64-bit platforms: a string header, a pointer and five words.
type entry struct {
	key  string
	next *entry
	vals [5]uint64
}

// retained holds what the heap profile shows as in use.
var retained struct {
	entries []*entry
	records [][]byte
	frames  [][]byte
	configs [][]byte
	blobs   [][]byte
}

// scratch receives transient allocations so escape analysis keeps them on the heap.
var scratch struct {
	key    string
	header []byte
	row    []byte
	body   []byte
}

// heapRounds is how many times the workload repeats (about 1.8 MB allocated per round).
const heapRounds = 20

func runHeapWorkload() {
	for r := 0; r < heapRounds; r++ {
		buildCache(r, 2000)
		parseMessages(300)
		loadConfigs(40)
		for i := 0; i < 30; i++ {
			readBody(i)
		}
		for i := 0; i < 200; i++ {
			formatRow(i)
		}
		if r%5 == 0 {
			retained.blobs = append(retained.blobs, allocBlob())
		}
	}
}

//go:noinline
func buildCache(round, n int) {
	var prev *entry
	for i := 0; i < n; i++ {
		e := newEntry(makeKey(round, i), prev)
		if i%4 == 0 {
			retained.entries = append(retained.entries, e)
		}
		prev = e
	}
}

//go:noinline
func makeKey(round, i int) string {
	// A 20-byte key, built on the stack and copied once into a 24-byte size class.
	var b [20]byte
	k := strconv.AppendInt(append(b[:0], 'k'), int64(round*1000000+i), 10)
	for len(k) < len(b) {
		k = append(k, '.')
	}
	scratch.key = string(k)
	return scratch.key
}

//go:noinline
func newEntry(key string, next *entry) *entry {
	return &entry{key: key, next: next}
}

//go:noinline
func parseMessages(n int) {
	for i := 0; i < n; i++ {
		decodeHeader(i)
		rec := decodeRecord(i)
		if i%3 == 0 {
			retained.records = append(retained.records, rec)
		}
		frame := encodeFrame(i)
		if i%8 == 0 {
			retained.frames = append(retained.frames, frame)
		}
	}
}

//go:noinline
func decodeHeader(i int) {
	scratch.header = make([]byte, 256)
	scratch.header[0] = byte(i)
}

//go:noinline
func decodeRecord(i int) []byte {
	b := make([]byte, 512)
	b[0] = byte(i)
	return b
}

//go:noinline
func encodeFrame(i int) []byte {
	b := make([]byte, 1024)
	b[0] = byte(i)
	return b
}

//go:noinline
func formatRow(i int) {
	scratch.row = make([]byte, 1536)
	scratch.row[0] = byte(i)
}

//go:noinline
func loadConfigs(n int) {
	for i := 0; i < n; i++ {
		c := loadConfig(i)
		if i%2 == 0 {
			retained.configs = append(retained.configs, c)
		}
	}
}

//go:noinline
func loadConfig(i int) []byte {
	b := make([]byte, 4096)
	b[0] = byte(i)
	return b
}

//go:noinline
func readBody(i int) {
	scratch.body = make([]byte, 32<<10)
	scratch.body[0] = byte(i)
}

//go:noinline
func allocBlob() []byte {
	return make([]byte, 256<<10)
}
