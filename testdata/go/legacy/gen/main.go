// Command gen writes Go's legacy text profiles (what /debug/pprof/<name>?debug=1 serves) for
// goroutine, threadcreate, heap, allocs, block and mutex into the directory -out names.
// Sextant's legacy parsers are tested against go tool pprof's view of these files.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

var sink [][]byte

// allocate keeps some allocations alive and drops others, so heap and allocs differ.
func allocate() {
	for i := 0; i < 2000; i++ {
		b := make([]byte, 64+i%4096)
		if i%3 == 0 {
			sink = append(sink, b)
		}
	}
	big := make([]byte, 1<<20)
	sink = append(sink, big)
}

// contend makes goroutines wait on a mutex and a channel, for the mutex and block profiles.
func contend() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				mu.Lock()
				time.Sleep(100 * time.Microsecond)
				mu.Unlock()
			}
		}()
	}
	ch := make(chan int)
	go func() {
		time.Sleep(20 * time.Millisecond)
		close(ch)
	}()
	<-ch
	wg.Wait()
}

// park leaves goroutines blocked, so the goroutine profile has several stacks.
func park(done chan struct{}) {
	for i := 0; i < 3; i++ {
		go func() { <-done }()
	}
	var mu sync.Mutex
	mu.Lock()
	go func() {
		mu.Lock()
		<-done
	}()
}

// threads starts OS threads, for the threadcreate profile.
func threads() {
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			time.Sleep(10 * time.Millisecond)
		}()
	}
	wg.Wait()
}

func write(dir, name string) {
	path := filepath.Join(dir, fmt.Sprintf("go1.19.%s.debug1.txt", name))
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := pprof.Lookup(name).WriteTo(f, 1); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func main() {
	out := flag.String("out", ".", "directory to write the profiles to")
	flag.Parse()
	// Every blocking event and every mutex contention event is recorded.
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)
	// A small rate so that many allocations are sampled and unsampling shows.
	runtime.MemProfileRate = 4096
	allocate()
	contend()
	threads()
	done := make(chan struct{})
	park(done)
	time.Sleep(10 * time.Millisecond)
	runtime.GC()
	for _, name := range []string{"goroutine", "threadcreate", "heap", "allocs", "block", "mutex"} {
		write(*out, name)
	}
	close(done)
}
