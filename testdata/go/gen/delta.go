package main

// Delta profiles: net/http/pprof answers /debug/pprof/allocs?seconds=2 (and block) with
// the difference between two snapshots taken two seconds apart, so the saved profiles
// hold only what churnAllocs and churnChannels did in between.

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// deltaSeconds is the window of each delta profile.
const deltaSeconds = 2

func fetchDeltas(w writer) {
	// Loopback only, on a port the kernel picks.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{}
	go srv.Serve(ln) //nolint:errcheck // ends with Close below
	defer srv.Close()

	var stopped int32
	var wg sync.WaitGroup
	for _, f := range []func(*int32){churnAllocs, churnChannels} {
		f := f
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(&stopped)
		}()
	}

	base := "http://" + ln.Addr().String() + "/debug/pprof/"
	for _, name := range []string{"allocs", "block"} {
		url := fmt.Sprintf("%s%s?seconds=%d", base, name, deltaSeconds)
		save(url, w.path(name+".delta"))
	}
	atomic.StoreInt32(&stopped, 1)
	wg.Wait()
}

// save writes the body of a successful GET of url to path.
func save(url, path string) {
	resp, err := http.Get(url)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		log.Fatalf("GET %s: %s: %s", url, resp.Status, body)
	}
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "gen: wrote", filepath.Base(path))
}

// churnAllocs allocates 1 KiB frames and 64-byte entries, keeping nothing. The heap
// profile only moves when a GC cycle ends, and this little garbage may not start one
// in two seconds, so it also collects every 200 ms (else the delta can come out empty).
//
//go:noinline
func churnAllocs(stopped *int32) {
	lastGC := time.Now()
	for i := 0; atomic.LoadInt32(stopped) == 0; i++ {
		scratch.body = encodeFrame(i)
		for j := 0; j < 16; j++ {
			_ = newEntry(scratch.key, nil)
		}
		if time.Since(lastGC) > 200*time.Millisecond {
			runtime.GC()
			lastGC = time.Now()
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// churnChannels hands values to a slow receiver, so the sender blocks.
//
//go:noinline
func churnChannels(stopped *int32) {
	ch := make(chan int)
	go func() {
		for v := range ch {
			time.Sleep(time.Millisecond)
			keep(uint64(v))
		}
	}()
	for i := 0; atomic.LoadInt32(stopped) == 0; i++ {
		ch <- i
	}
	close(ch)
}
