// Command bigprof writes a large synthetic CPU profile for benchmarks of profile readers.
//
// The profile has Go's CPU shape (sample types samples/count and cpu/nanoseconds,
// period 10ms of cpu/nanoseconds, string labels) and a realistic symbol table: two
// mappings, a few thousand functions with files and lines, locations with inlined
// frames. Stacks are random walks down a layered call graph, so nearly all are distinct.
// The first -stacks samples each have a new stack; the rest repeat one of those stacks
// under another `endpoint` label, as one stack seen in several requests would be.
// The output depends only on the flags (the seed is fixed by -seed).
//
//	go run . -out big.pb.gz                                       # 23.7 MB raw, 204000 samples
//	go run . -samples 2900000 -stacks 2500000 -out huge.pb.gz     # 328 MB raw
//
// It prints the uncompressed and compressed sizes and the number of distinct stacks.
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
)

func main() {
	samples := flag.Int("samples", 204000, "number of Sample messages")
	stacks := flag.Int("stacks", 176000, "number of distinct stacks (<= -samples)")
	funcs := flag.Int("functions", 3000, "number of functions in the synthetic program")
	depth := flag.Int("depth", 48, "mean stack depth in frames (walks are 1/2 to 3/2 of it)")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "", "output file (gzip-compressed profile.proto)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("bigprof: ")
	switch {
	case *out == "":
		log.Fatal("-out is required")
	case *stacks < 1 || *stacks > *samples:
		log.Fatal("want 1 <= -stacks <= -samples")
	case *funcs < 100 || *depth < 2:
		log.Fatal("want -functions >= 100 and -depth >= 2")
	}

	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	counted := &countingWriter{w: f}
	// BestSpeed, as Go's runtime/pprof compresses its profiles.
	zw, _ := gzip.NewWriterLevel(counted, gzip.BestSpeed)
	raw := &countingWriter{w: zw}
	bw := bufio.NewWriterSize(raw, 1<<20)

	r := &rng{s: *seed}
	// Callees sit one or two levels down, so a walk of d frames reaches level 1.5*d on
	// average; twice the mean depth lets most walks end by depth, not at the bottom.
	prog := newProgram(r, *funcs, *depth*2+8)
	w := newProfileWriter(bw, prog)
	distinct := w.writeSamples(*samples, *stacks, *depth, *seed)
	w.writeTables()

	check(bw.Flush())
	check(zw.Close())
	check(f.Close())
	fmt.Fprintf(os.Stderr, "bigprof: %s: %d samples, %d distinct stacks, %d functions, "+
		"%d locations, %.1f MB uncompressed, %.1f MB compressed\n",
		*out, *samples, distinct, len(prog.funcs), len(prog.locations),
		float64(raw.n)/1e6, float64(counted.n)/1e6)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
