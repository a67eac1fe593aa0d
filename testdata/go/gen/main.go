// Command gen writes the Go-produced profiles that Sextant's tests read.
//
// Every profile is written by the Go runtime itself (runtime/pprof and
// net/http/pprof), from workloads whose function names the goldens filter on:
//
//	go1.19.cpu.pb.gz, go1.19.cpu2.pb.gz    cpu.go    (labels, recursion, inlining)
//	go1.19.heap.pb.gz, go1.19.allocs.pb.gz heap.go   (mixed sizes, some kept live)
//	go1.19.goroutine.pb.gz                 park.go   (goroutines parked in known places)
//	go1.19.block.pb.gz, go1.19.mutex.pb.gz sync.go   (channel, Cond and Mutex waits)
//	go1.19.threadcreate.pb.gz              main.go
//	go1.19.{allocs,block}.delta.pb.gz      delta.go  (net/http/pprof ?seconds=2)
//	go1.19.{goroutine,heap}.debug1.txt     the legacy text forms (debug=1)
//
// Usage: gen -out DIR [-cpu 36s] [-cpu2 12s]. testdata/go/regen.sh runs it.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"
)

// memProfileRate samples about one allocation per 2 KiB instead of Go's
// default 512 KiB, so that the few megabytes the heap workload allocates
// leave several samples on every allocating stack, small objects included.
const memProfileRate = 2048

func init() {
	// Set before anything allocates, as the runtime/pprof docs ask.
	runtime.MemProfileRate = memProfileRate
}

func main() {
	out := flag.String("out", ".", "directory the profiles are written to")
	cpu1 := flag.Duration("cpu", 36*time.Second, "CPU time the first CPU profile covers (100 samples per second)")
	cpu2 := flag.Duration("cpu2", 12*time.Second, "CPU time the second CPU profile covers")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gen: ")

	w := writer{dir: *out}
	w.cpu("cpu", *cpu1, firstMix)
	w.cpu("cpu2", *cpu2, secondMix)

	runHeapWorkload()
	runtime.GC() // the heap profile shows the heap as of the last completed GC
	w.lookup("heap", "heap", 0)
	w.lookup("allocs", "allocs", 0)
	w.lookup("heap", "heap.debug1.txt", 1)

	release := parkGoroutines()
	w.lookup("goroutine", "goroutine", 0)
	w.lookup("goroutine", "goroutine.debug1.txt", 1)
	release()

	runtime.SetBlockProfileRate(1) // record every blocking event
	runBlockWorkload()
	w.lookup("block", "block", 0)

	runtime.SetMutexProfileFraction(1) // record every contended unlock
	runMutexWorkload()
	w.lookup("mutex", "mutex", 0)

	runThreadWorkload()
	w.lookup("threadcreate", "threadcreate", 0)

	fetchDeltas(w)
}

// writer saves profiles as go1.19.<name>.pb.gz (or the given .txt name) in dir.
type writer struct{ dir string }

func (w writer) path(name string) string {
	if filepath.Ext(name) != ".txt" {
		name += ".pb.gz"
	}
	return filepath.Join(w.dir, "go1.19."+name)
}

func (w writer) create(name string) *os.File {
	f, err := os.Create(w.path(name))
	if err != nil {
		log.Fatal(err)
	}
	return f
}

func (w writer) close(f *os.File) {
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "gen: wrote", filepath.Base(f.Name()))
}

// lookup writes the named runtime/pprof profile with the given debug level.
func (w writer) lookup(profile, name string, debug int) {
	f := w.create(name)
	if err := pprof.Lookup(profile).WriteTo(f, debug); err != nil {
		log.Fatal(err)
	}
	w.close(f)
}

// cpu profiles the request workload for d of CPU time with the given cost mix.
func (w writer) cpu(name string, d time.Duration, m mix) {
	f := w.create(name)
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	runCPUWorkload(d, m)
	pprof.StopCPUProfile()
	w.close(f)
}
