//go:build new

// The "new" variant: the standard library's fast path for each operation.

package bench

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Variant names the build, so the output says which one ran.
const Variant = "new"

// buildString uses a strings.Builder grown once.
func buildString(n int) string {
	var b strings.Builder
	b.Grow(n)
	for i := 0; i < n; i++ {
		b.WriteByte('x')
	}
	return b.String()
}

// contains is strings.Contains.
func contains(s, substr string) bool {
	return strings.Contains(s, substr)
}

// runeCount counts without allocating.
func runeCount(s string) int {
	return utf8.RuneCountInString(s)
}

// sortInts uses sort.Ints, with no reflection.
func sortInts(xs []int) {
	sort.Ints(xs)
}
