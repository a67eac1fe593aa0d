//go:build !new

// The "old" variant: the slow, obvious way of each operation.

package bench

import "sort"

// Variant names the build, so the output says which one ran.
const Variant = "old"

// buildString appends "x" n times by string concatenation,
// which copies the whole string on every step.
func buildString(n int) string {
	s := ""
	for i := 0; i < n; i++ {
		s += "x"
	}
	return s
}

// contains is a naive substring search.
func contains(s, substr string) bool {
	for i := 0; i+len(substr) <= len(s); i++ {
		if s[i:i+len(substr)] == substr {
			return true
		}
	}
	return false
}

// runeCount converts to []rune, which allocates.
func runeCount(s string) int {
	return len([]rune(s))
}

// sortInts uses the reflection-based sort.Slice.
func sortInts(xs []int) {
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
}
