package main

// The synthetic program: a few thousand functions in packages and files, laid out in
// call levels so that random walks from the roots make deep, almost always distinct
// stacks. Every function has a few call-site locations (one per callee) and a few
// "self" locations where leaf samples land; some locations carry an inlined frame.

import (
	"fmt"
	"strings"
)

// rng is splitmix64: tiny, fast, and the same on every platform and Go version,
// so a seed always gives the same profile.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

type function struct {
	id        uint64
	name      string
	file      string
	startLine int64
	level     int
	mapping   uint64
	addr      uint64 // entry address
	callees   []callSite
	libc      *callSite // a call into the C library, taken only as a walk's last step
	self      []uint64  // location ids for samples that end in this function
	recursive bool      // calls itself now and then
}

type callSite struct {
	callee   int    // index into program.funcs
	location uint64 // location id inside the caller
}

type line struct {
	function uint64
	line     int64
}

type location struct {
	id      uint64
	mapping uint64
	addr    uint64
	lines   []line // inlined callee first, as profile.proto wants
}

type mapping struct {
	id           uint64
	start, limit uint64
	offset       uint64
	file         string
	buildID      string
	inlineFrames bool
}

type program struct {
	funcs     []function
	locations []location
	mappings  []mapping
	roots     []int
}

// packages the function names are drawn from; the first few are the standard library.
var packages = []string{
	"runtime", "net/http", "encoding/json", "bufio", "strings", "sort", "sync",
	"compress/gzip", "crypto/tls", "database/sql", "fmt", "bytes", "time", "io",
	"github.com/acme/shop/internal/cart", "github.com/acme/shop/internal/catalog",
	"github.com/acme/shop/internal/checkout", "github.com/acme/shop/internal/db",
	"github.com/acme/shop/internal/auth", "github.com/acme/shop/internal/cache",
	"github.com/acme/shop/internal/render", "github.com/acme/shop/internal/search",
	"github.com/acme/shop/internal/pricing", "github.com/acme/shop/internal/queue",
	"github.com/acme/shop/pkg/rpc", "github.com/acme/shop/pkg/metrics",
	"google.golang.org/protobuf/proto", "google.golang.org/grpc",
	"github.com/lib/pq", "go.uber.org/zap",
}

var verbs = []string{"Get", "Put", "Load", "Store", "Parse", "Encode", "Decode", "Write",
	"Read", "Flush", "Handle", "Serve", "Resolve", "Lookup", "Render", "Compute",
	"Apply", "Merge", "Scan", "Build", "Validate", "Marshal", "Unmarshal", "Dispatch"}

var nouns = []string{"Request", "Response", "Item", "Cart", "Order", "Price", "Row",
	"Query", "Token", "Session", "Header", "Body", "Frame", "Index", "Page", "Batch",
	"Entry", "Record", "Message", "Stream", "Conn", "Buffer", "Template", "Event"}

var types = []string{"Server", "Client", "Store", "Cache", "Encoder", "Decoder",
	"Handler", "Pool", "Tx", "Router", "Engine", "Writer", "Reader", "Queue"}

// libcFuncs are leaf functions in a shared library mapping, as cgo or the
// runtime's vDSO calls show up in real profiles.
var libcFuncs = []string{"__memmove_avx_unaligned_erms", "__memset_avx2_unaligned_erms",
	"__strlen_avx2", "malloc", "free", "pthread_cond_wait", "epoll_wait", "__libc_read",
	"__libc_write", "clock_gettime"}

const (
	mainStart  = 0x400000
	libcStart  = 0x7f3a1c000000
	funcStride = 0x400 // bytes of text per synthetic function
)

// newProgram builds nfuncs functions in levels call levels.
func newProgram(r *rng, nfuncs, levels int) *program {
	p := &program{}
	mainLimit := uint64(mainStart + funcStride*(nfuncs+16))
	p.mappings = []mapping{
		{id: 1, start: mainStart, limit: mainLimit, file: "/usr/local/bin/shopd",
			buildID: "7f2c4e1d9a0b3c5e6f718293a4b5c6d7e8f90a1b", inlineFrames: true},
		{id: 2, start: libcStart, limit: libcStart + 0x195000, offset: 0x28000,
			file:    "/usr/lib/x86_64-linux-gnu/libc.so.6",
			buildID: "c2a1f6d3b4e5f60718293a4b5c6d7e8f9a0b1c2d"},
	}
	p.addFunc("runtime.goexit", "/usr/local/go/src/runtime/asm_amd64.s", 0, 1)
	p.roots = []int{0}
	for i := 1; i < nfuncs; i++ {
		level := 1 + (i-1)*(levels-1)/(nfuncs-1)
		name, file := p.funcName(r, i)
		p.addFunc(name, file, level, 1)
	}
	for _, name := range libcFuncs {
		p.addFunc(name, "", levels, 2)
	}
	p.link(r, levels)
	return p
}

// funcName makes a unique Go-looking name (the index keeps names apart) and its file.
func (p *program) funcName(r *rng, i int) (name, file string) {
	pkg := packages[r.intn(len(packages))]
	verb, noun := verbs[r.intn(len(verbs))], nouns[r.intn(len(nouns))]
	dir := "/src/" + pkg
	if !containsDot(pkg) {
		dir = "/usr/local/go/src/" + pkg
	} else if !strings.HasPrefix(pkg, "github.com/acme/") {
		dir = "/home/gopher/go/pkg/mod/" + pkg + "@v1.4.2"
	}
	file = fmt.Sprintf("%s/%s%d.go", dir, strings.ToLower(noun), i%7)
	switch r.intn(3) {
	case 0:
		name = fmt.Sprintf("%s.%s%s%d", pkg, strings.ToLower(verb), noun, i)
	case 1:
		name = fmt.Sprintf("%s.(*%s).%s%s%d", pkg, types[r.intn(len(types))], verb, noun, i)
	default:
		name = fmt.Sprintf("%s.%s%s%d.func%d", pkg, verb, noun, i, 1+r.intn(3))
	}
	return name, file
}

func (p *program) addFunc(name, file string, level int, mapping uint64) {
	i := len(p.funcs)
	start := uint64(mainStart + 0x1000 + funcStride*i)
	if mapping == 2 {
		start = libcStart + 0x28000 + uint64(0x800*(i%512))
	}
	p.funcs = append(p.funcs, function{
		id: uint64(i + 1), name: name, file: file, level: level, mapping: mapping,
		startLine: int64(20 + (i*37)%900), addr: start,
	})
}

// link gives every function its callees (in the next few levels) and its locations.
func (p *program) link(r *rng, levels int) {
	byLevel := make([][]int, levels+1)
	for i, f := range p.funcs {
		byLevel[f.level] = append(byLevel[f.level], i)
	}
	for i := range p.funcs {
		f := &p.funcs[i]
		off := uint64(0x10)
		if f.level < levels {
			ncallees := 2 + r.intn(5)
			if f.level == 0 {
				ncallees = 12 // the roots fan out to every kind of goroutine
			}
			for k := 0; k < ncallees; k++ {
				lv := f.level + 1 + r.intn(2)
				if lv > levels {
					lv = levels
				}
				cands := byLevel[lv]
				if len(cands) == 0 {
					continue
				}
				callee := cands[r.intn(len(cands))]
				f.callees = append(f.callees, callSite{callee, p.addLocation(r, f, off)})
				off += uint64(0x18 + r.intn(0x30))
			}
			f.recursive = r.intn(40) == 0
			if r.intn(4) == 0 {
				// Some Go functions call into the C library; walks may end there.
				libc := len(p.funcs) - len(libcFuncs) + r.intn(len(libcFuncs))
				f.libc = &callSite{libc, p.addLocation(r, f, off)}
				off += uint64(0x18)
			}
		}
		for k := 0; k < 1+r.intn(3); k++ {
			f.self = append(f.self, p.addLocation(r, f, off))
			off += uint64(0x8 + r.intn(0x20))
		}
	}
}

// addLocation adds a location at offset off in f; one in six has an inlined frame.
func (p *program) addLocation(r *rng, f *function, off uint64) uint64 {
	id := uint64(len(p.locations) + 1)
	ln := f.startLine + 2 + int64(off/8)
	loc := location{id: id, mapping: f.mapping, addr: f.addr + off}
	if f.mapping == 1 && r.intn(6) == 0 {
		inl := &p.funcs[1+r.intn(len(p.funcs)-1-len(libcFuncs))]
		loc.lines = append(loc.lines, line{inl.id, inl.startLine + 1 + int64(r.intn(8))})
	}
	if f.mapping == 1 {
		loc.lines = append(loc.lines, line{f.id, ln})
	} else {
		loc.lines = append(loc.lines, line{f.id, 0})
	}
	p.locations = append(p.locations, loc)
	return id
}

// stack returns, in dst's storage, the location ids (leaf first) of one random walk of about
// depth frames from the root.
func (p *program) stack(r *rng, depth int, dst []uint64) []uint64 {
	rootward := dst[:0]
	fi := p.roots[r.intn(len(p.roots))]
	for d := 1; ; d++ {
		f := &p.funcs[fi]
		if d >= depth || len(f.callees) == 0 {
			if f.libc != nil && r.intn(3) == 0 {
				rootward = append(rootward, f.libc.location)
				f = &p.funcs[f.libc.callee]
			}
			rootward = append(rootward, f.self[r.intn(len(f.self))])
			break
		}
		if f.recursive && r.intn(3) != 0 {
			// Recursion: call back into f from its first call site.
			rootward = append(rootward, f.callees[0].location)
			continue
		}
		c := f.callees[r.intn(len(f.callees))]
		rootward = append(rootward, c.location)
		fi = c.callee
	}
	for i, j := 0, len(rootward)-1; i < j; i, j = i+1, j-1 {
		rootward[i], rootward[j] = rootward[j], rootward[i]
	}
	return rootward
}

func containsDot(s string) bool { return strings.Contains(s, ".") }
