package main

// Blocking and lock contention, for the block, mutex and threadcreate profiles.
//
// Block (every event recorded):
//
//	consumeEvents  waits on an unbuffered channel for a slow producer (chan receive)
//	publishEvents  waits on an unbuffered channel for a slow consumer (chan send)
//	waitForReady   waits on a sync.Cond that signalReady broadcasts
//	pollSources    waits in a select on two channels
//
// Mutex (every contended unlock recorded; the stack is the unlocker's):
//
//	updateCounter, flushStats   share a sync.Mutex (flushStats holds it longest)
//	reloadConfig, readConfig    share a sync.RWMutex (writer vs readers)

import (
	"runtime"
	"sync"
	"time"
)

// blockEvents is the number of handoffs per blocking pattern; with the pauses
// below each pattern blocks for roughly a quarter of a second.
const blockEvents = 100

func runBlockWorkload() {
	var wg sync.WaitGroup
	run := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}

	slow := make(chan int)
	run(func() { produceSlowly(slow) })
	run(func() { consumeEvents(slow) })

	fast := make(chan int)
	run(func() { publishEvents(fast) })
	run(func() { drainSlowly(fast) })

	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := 0
	for i := 0; i < 3; i++ {
		run(func() { waitForReady(cond, &ready) })
	}
	run(func() { signalReady(cond, &ready) })

	a, b := make(chan int), make(chan int)
	run(func() { pollSources(a, b) })
	run(func() { feedSources(a, b) })

	wg.Wait()
}

//go:noinline
func produceSlowly(ch chan<- int) {
	for i := 0; i < blockEvents; i++ {
		time.Sleep(2 * time.Millisecond)
		ch <- i
	}
	close(ch)
}

//go:noinline
func consumeEvents(ch <-chan int) {
	for v := range ch {
		keep(uint64(v))
	}
}

//go:noinline
func publishEvents(ch chan<- int) {
	for i := 0; i < blockEvents; i++ {
		ch <- i
	}
	close(ch)
}

//go:noinline
func drainSlowly(ch <-chan int) {
	for v := range ch {
		time.Sleep(3 * time.Millisecond)
		keep(uint64(v))
	}
}

//go:noinline
func waitForReady(cond *sync.Cond, ready *int) {
	cond.L.Lock()
	for seen := 0; seen < blockEvents; {
		cond.Wait()
		seen = *ready
	}
	cond.L.Unlock()
}

//go:noinline
func signalReady(cond *sync.Cond, ready *int) {
	for i := 1; i <= blockEvents; i++ {
		time.Sleep(1 * time.Millisecond)
		cond.L.Lock()
		*ready = i
		cond.Broadcast()
		cond.L.Unlock()
	}
}

//go:noinline
func pollSources(a, b <-chan int) {
	for open := 2; open > 0; {
		select {
		case v, ok := <-a:
			if !ok {
				open--
				a = nil
			}
			keep(uint64(v))
		case v, ok := <-b:
			if !ok {
				open--
				b = nil
			}
			keep(uint64(v))
		}
	}
}

//go:noinline
func feedSources(a, b chan<- int) {
	for i := 0; i < blockEvents; i++ {
		time.Sleep(2 * time.Millisecond)
		if i%3 == 0 {
			b <- i
		} else {
			a <- i
		}
	}
	close(a)
	close(b)
}

// mutexRounds is how many critical sections each contending goroutine runs; with the
// hold times below the workload lasts about half a second.
const mutexRounds = 100

func runMutexWorkload() {
	var wg sync.WaitGroup
	run := func(n int, f func()) {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f()
			}()
		}
	}
	var statsMu sync.Mutex
	var stats uint64
	run(3, func() { updateCounter(&statsMu, &stats) })
	run(1, func() { flushStats(&statsMu, &stats) })

	var cfgMu sync.RWMutex
	cfg := map[string]int{"limit": 1}
	run(3, func() { readConfig(&cfgMu, cfg) })
	run(1, func() { reloadConfig(&cfgMu, cfg) })
	wg.Wait()
}

// The critical sections sleep rather than spin: a holder that sleeps keeps the lock
// without keeping a core, so the waiters queue up even on a busy two-core machine.

//go:noinline
func updateCounter(mu *sync.Mutex, v *uint64) {
	for i := 0; i < mutexRounds; i++ {
		mu.Lock()
		*v++
		time.Sleep(200 * time.Microsecond)
		mu.Unlock()
	}
}

//go:noinline
func flushStats(mu *sync.Mutex, v *uint64) {
	for i := 0; i < mutexRounds/4; i++ {
		mu.Lock()
		keep(*v)
		time.Sleep(2 * time.Millisecond)
		mu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

//go:noinline
func readConfig(mu *sync.RWMutex, cfg map[string]int) {
	for i := 0; i < mutexRounds; i++ {
		mu.RLock()
		keep(uint64(cfg["limit"]))
		time.Sleep(200 * time.Microsecond)
		mu.RUnlock()
	}
}

//go:noinline
func reloadConfig(mu *sync.RWMutex, cfg map[string]int) {
	for i := 0; i < mutexRounds/4; i++ {
		mu.Lock()
		cfg["limit"]++
		time.Sleep(time.Millisecond)
		mu.Unlock()
		time.Sleep(time.Millisecond)
	}
}

// spin burns about d of CPU, keeping its goroutine's thread busy.
func spin(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
	}
}

// runThreadWorkload makes the runtime start OS threads: goroutines that lock their
// thread and then block leave the scheduler needing others for the spinning goroutines.
func runThreadWorkload() {
	const locked = 4
	var wg sync.WaitGroup
	release := make(chan struct{})
	for i := 0; i < locked; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holdThread(release)
		}()
	}
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spin(50 * time.Millisecond)
		}()
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
}

// holdThread never unlocks its thread, so the runtime ends that thread when the goroutine exits.
//
//go:noinline
func holdThread(release <-chan struct{}) {
	runtime.LockOSThread()
	<-release
}
