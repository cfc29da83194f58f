package main

import (
	"slices"
	"testing"
)

func TestRotated(t *testing.T) {
	items := []string{"a", "b", "c"}
	tests := []struct {
		round int
		want  []string
	}{
		{0, []string{"a", "b", "c"}},
		{1, []string{"b", "c", "a"}},
		{2, []string{"c", "a", "b"}},
		{4, []string{"b", "c", "a"}},
	}
	for _, tt := range tests {
		if got := rotated(items, tt.round); !slices.Equal(got, tt.want) {
			t.Errorf("rotated(round %d) = %v, want %v", tt.round, got, tt.want)
		}
	}
	if !slices.Equal(items, []string{"a", "b", "c"}) {
		t.Errorf("rotated changed its input: %v", items)
	}
}
