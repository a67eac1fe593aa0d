// httpserve is a Go program that serves net/http/pprof on 127.0.0.1, for the interop test
// crates/cli/tests/fetch_interop.rs: `sextant pprof` must read its CPU, heap and goroutine
// profiles over HTTP, as go tool pprof does.
//
// It listens on a free port of 127.0.0.1, prints that port on a line of its own, and keeps
// three named functions busy: burnCPU spins, allocate keeps 64 MiB live, parkedWorker
// waits on a channel. It exits by itself after -life (a minute), so that a test that dies
// cannot leave it running. Standard library only.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"time"
)

// kept holds allocate's blocks, so that they stay in use.
var kept [][]byte

// sink keeps burnCPU's result observable, so that the loop is not optimized away.
var sink uint64

//go:noinline
func burnCPU() {
	x := uint64(1)
	for {
		for i := 0; i < 1_000_000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		sink = x
	}
}

//go:noinline
func allocate() {
	// 64 blocks of 1 MiB: far above the heap profile's 512 KiB sampling rate.
	for i := 0; i < 64; i++ {
		kept = append(kept, make([]byte, 1<<20))
	}
}

//go:noinline
func parkedWorker(never chan struct{}) {
	<-never
}

func main() {
	life := flag.Duration("life", time.Minute, "exit after this long")
	flag.Parse()
	allocate()
	// The heap profile shows the state as of the last garbage collection.
	runtime.GC()
	never := make(chan struct{})
	for i := 0; i < 3; i++ {
		go parkedWorker(never)
	}
	go burnCPU()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpserve:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	go func() {
		time.Sleep(*life)
		os.Exit(0)
	}()
	if err := http.Serve(ln, nil); err != nil {
		fmt.Fprintln(os.Stderr, "httpserve:", err)
		os.Exit(1)
	}
}
