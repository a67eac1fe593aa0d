package main

// A minimal protobuf writer: just the wire types profile.proto needs
// (varints and length-delimited fields), appended to a byte slice.

const (
	wireVarint = 0
	wireBytes  = 2
)

type buf struct{ b []byte }

func (e *buf) reset() { e.b = e.b[:0] }

func (e *buf) varint(x uint64) {
	for x >= 0x80 {
		e.b = append(e.b, byte(x)|0x80)
		x >>= 7
	}
	e.b = append(e.b, byte(x))
}

func (e *buf) tag(field, wire int) { e.varint(uint64(field)<<3 | uint64(wire)) }

// uint64 writes a varint field; zero is the proto3 default and is left out.
func (e *buf) uint64(field int, x uint64) {
	if x == 0 {
		return
	}
	e.tag(field, wireVarint)
	e.varint(x)
}

// int64 writes a varint field holding a two's-complement int64 (not zigzag, as proto's int64).
func (e *buf) int64(field int, x int64) { e.uint64(field, uint64(x)) }

func (e *buf) bool(field int, x bool) {
	if x {
		e.uint64(field, 1)
	}
}

func (e *buf) bytes(field int, b []byte) {
	e.tag(field, wireBytes)
	e.varint(uint64(len(b)))
	e.b = append(e.b, b...)
}

func (e *buf) string(field int, s string) {
	e.tag(field, wireBytes)
	e.varint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// packed writes a packed repeated varint field, as Go's runtime/pprof does.
func (e *buf) packed(field int, xs []uint64) {
	if len(xs) == 0 {
		return
	}
	n := 0
	for _, x := range xs {
		n += varintLen(x)
	}
	e.tag(field, wireBytes)
	e.varint(uint64(n))
	for _, x := range xs {
		e.varint(x)
	}
}

func varintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
