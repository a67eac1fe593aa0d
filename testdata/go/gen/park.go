package main

// Goroutines parked in known functions, for the goroutine profile:
//
//	waitOnChannel  3, labelled role=reader   (chan receive)
//	waitOnMutex    2                          (sync.Mutex.Lock)
//	waitOnCond     2                          (sync.Cond.Wait)
//	waitInSelect   1, labelled role=poller   (select on two channels)
//	sleepLoop      2                          (time.Sleep)

import (
	"context"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// parkGoroutines starts the goroutines, waits until they are parked and returns a
// function that releases them all and waits for them to end.
func parkGoroutines() (release func()) {
	var (
		wg      sync.WaitGroup
		done    = make(chan struct{})
		never   = make(chan int)
		mu      sync.Mutex
		condMu  sync.Mutex
		cond    = sync.NewCond(&condMu)
		stopped int32
	)
	start := func(n int, f func()) {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f()
			}()
		}
	}
	labelled := func(role string, f func()) func() {
		return func() {
			pprof.Do(context.Background(), pprof.Labels("role", role), func(context.Context) { f() })
		}
	}

	mu.Lock() // held until release, so waitOnMutex blocks
	start(3, labelled("reader", func() { waitOnChannel(done) }))
	start(2, func() { waitOnMutex(&mu) })
	start(2, func() { waitOnCond(cond, &stopped) })
	start(1, labelled("poller", func() { waitInSelect(done, never) }))
	start(2, func() { sleepLoop(&stopped) })

	// Long enough on a loaded two-core machine for every goroutine to reach its wait.
	time.Sleep(300 * time.Millisecond)

	return func() {
		atomic.StoreInt32(&stopped, 1)
		close(done)
		mu.Unlock()
		condMu.Lock()
		cond.Broadcast()
		condMu.Unlock()
		wg.Wait()
	}
}

//go:noinline
func waitOnChannel(done <-chan struct{}) {
	<-done
}

//go:noinline
func waitOnMutex(mu *sync.Mutex) {
	mu.Lock()
	mu.Unlock() //nolint:staticcheck // the wait is the point
}

//go:noinline
func waitOnCond(cond *sync.Cond, stopped *int32) {
	cond.L.Lock()
	for atomic.LoadInt32(stopped) == 0 {
		cond.Wait()
	}
	cond.L.Unlock()
}

//go:noinline
func waitInSelect(done <-chan struct{}, never <-chan int) {
	select {
	case <-done:
	case <-never:
	}
}

//go:noinline
func sleepLoop(stopped *int32) {
	for atomic.LoadInt32(stopped) == 0 {
		time.Sleep(50 * time.Millisecond)
	}
}
