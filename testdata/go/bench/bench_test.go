// Benchmarks whose output (go test -bench . -count=10, old and new
// variants) are the inputs of sextant benchstat's golden tests.

package bench

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

var sink int

func BenchmarkStringBuilder(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sink += len(buildString(n))
			}
		})
	}
}

func BenchmarkContains(b *testing.B) {
	haystack := strings.Repeat("abcdefgh", 512) + "needle"
	b.SetBytes(int64(len(haystack)))
	for i := 0; i < b.N; i++ {
		if contains(haystack, "needle") {
			sink++
		}
	}
}

func BenchmarkRuneCount(b *testing.B) {
	for _, tc := range []struct{ name, s string }{
		{"ascii", strings.Repeat("hello, world ", 20)},
		{"mixed", strings.Repeat("héllo, wörld ☺ ", 20)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sink += runeCount(tc.s)
			}
		})
	}
}

func BenchmarkSort(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewSource(1))
			orig := make([]int, n)
			for i := range orig {
				orig[i] = r.Int()
			}
			xs := make([]int, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				copy(xs, orig)
				sortInts(xs)
			}
		})
	}
}
