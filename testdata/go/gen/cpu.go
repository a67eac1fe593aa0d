package main

// The CPU workload: two labelled workers serve fake requests until a CPU-time budget is spent.
//
//	processRequest -> parseJSON                (inlines scanByte -> isSpace)
//	               -> queryDB -> marshalSQL    (marshalSQL is the heaviest)
//	               -> serialize                (inlines putVarint)
//	               -> renderTree -> walkTree -> walkTree -> ... (recursive, every level burns)
//
// Each stage gets its own cost, so the profile's flat column has a clear order.

import (
	"context"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// mix is the number of inner-loop rounds each stage runs per request.
type mix struct {
	parse, query, marshal, serialize, tree int
}

// firstMix makes marshalSQL the heaviest flat, then parseJSON (with its inlined
// helpers), walkTree, serialize and queryDB: about 34, 22, 18, 14 and 8% of the samples.
var firstMix = mix{parse: 250, query: 13, marshal: 83, serialize: 6, tree: 13}

// secondMix shifts the weight from the database to the tree and the encoder, so that
// cpu2 differs from cpu in every stage (for -base, -diff_base and merge tests):
// walkTree, serialize, queryDB, parseJSON, marshalSQL at about 30, 25, 18, 15 and 12%.
var secondMix = mix{parse: 172, query: 29, marshal: 30, serialize: 11, tree: 32}

// payload is what parseJSON scans; its bytes decide the branches, so the loops can't be folded.
var payload = []byte(`{"id": 42, "name": "sextant", "tags": ["cpu", "heap", "mutex"], ` +
	`"nested": {"depth": 3, "values": [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]}}`)

// sink keeps results alive so the compiler can't drop the work.
var sink struct {
	sync.Mutex
	v uint64
}

func keep(v uint64) {
	sink.Lock()
	sink.v += v
	sink.Unlock()
}

// runCPUWorkload serves requests in two goroutines until the process has used budget
// of CPU time. Counting CPU rather than wall time gives the same number of samples
// (100 per CPU second) however busy the machine is; maxWall bounds the run anyway.
func runCPUWorkload(budget time.Duration, m mix) {
	var stop int32
	go func() {
		start, began := cpuTime(), time.Now()
		for cpuTime()-start < budget && time.Since(began) < maxWall(budget) {
			time.Sleep(50 * time.Millisecond)
		}
		atomic.StoreInt32(&stop, 1)
	}()
	var wg sync.WaitGroup
	for w := 1; w <= 2; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			serve(worker, m, &stop)
		}(w)
	}
	wg.Wait()
}

// maxWall is how long a CPU budget may take: eight times the budget/2 that two free
// cores need (a shared two-core machine at load 9 gave this program a third of a core),
// so a machine busier still gives fewer samples rather than a run without end.
func maxWall(budget time.Duration) time.Duration { return 4 * budget }

// cpuTime is the user and system CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// batch is the number of requests served under one pprof.Do label set.
const batch = 40

// serve handles batches of requests until stop is set; worker 1 sends two of three
// requests to /api/a, worker 2 one of three, so every (endpoint, worker) pair has its own weight.
func serve(worker int, m mix, stop *int32) {
	ctx := context.Background()
	id := strconv.Itoa(worker)
	for n := 0; atomic.LoadInt32(stop) == 0; n++ {
		endpoint := "/api/b"
		if (n%3 < 2) == (worker == 1) {
			endpoint = "/api/a"
		}
		pprof.Do(ctx, pprof.Labels("endpoint", endpoint, "worker", id), func(context.Context) {
			// A batch per label set keeps pprof.Do's own allocations (which the
			// allocs profile records) small next to the heap workload's.
			for i := 0; i < batch; i++ {
				keep(processRequest(endpoint, m, uint64(n*batch+i)))
			}
		})
	}
}

//go:noinline
func processRequest(endpoint string, m mix, seed uint64) uint64 {
	h := parseJSON(payload, m.parse)
	if endpoint == "/api/a" {
		h += queryDB(seed, m.query, m.marshal)
	} else {
		h += queryDB(seed, m.query/2, m.marshal/2)
	}
	h += serialize(h, m.serialize)
	h += renderTree(seed, m.tree)
	return h
}

//go:noinline
func parseJSON(b []byte, rounds int) uint64 {
	var h uint64 = 14695981039346656037
	for r := 0; r < rounds; r++ {
		for _, c := range b {
			h = scanByte(h, c)
		}
	}
	return h
}

// scanByte and isSpace are small enough for the compiler to inline into parseJSON,
// so a sample there has a Location with three Lines.
func scanByte(h uint64, c byte) uint64 {
	if isSpace(c) {
		return h*31 + 7
	}
	return (h ^ uint64(c)) * 1099511628211
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

//go:noinline
func queryDB(seed uint64, rounds, marshalRounds int) uint64 {
	h := seed
	for i := 0; i < rounds*2000; i++ {
		h = h*6364136223846793005 + 1442695040888963407
	}
	return h + marshalSQL(h, marshalRounds)
}

// marshalSQL does its work in its own body (no inlined helper), so it is the top flat
// entry at function granularity.
//
//go:noinline
func marshalSQL(seed uint64, rounds int) uint64 {
	h := seed
	for i := 0; i < rounds*1000; i++ {
		if c := byte(i); c == '\'' {
			h = h<<1 ^ 0x27
		} else {
			h = (h ^ uint64(c)) * 0x100000001b3
		}
	}
	return h
}

//go:noinline
func serialize(seed uint64, rounds int) uint64 {
	h := seed
	for i := 0; i < rounds*1000; i++ {
		h += putVarint(h ^ uint64(i))
	}
	return h
}

// putVarint is inlined into serialize; it returns the encoded length.
func putVarint(v uint64) uint64 {
	n := uint64(1)
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

//go:noinline
func renderTree(seed uint64, rounds int) uint64 {
	return walkTree(seed, 6, rounds)
}

// walkTree recurses six levels deep (127 calls per request); every level
// does some work of its own, so samples land at each depth.
func walkTree(seed uint64, depth, rounds int) uint64 {
	h := seed
	for i := 0; i < rounds*20; i++ {
		h = h*2862933555777941757 + 3037000493
	}
	if depth == 0 {
		return h
	}
	return walkTree(h, depth-1, rounds) ^ walkTree(h+1, depth-1, rounds)
}
