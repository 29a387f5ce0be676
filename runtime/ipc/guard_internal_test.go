package ipc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadBudget(t *testing.T) {
	sizes := []uint64{0, 48, 1 << 10, 1 << 20, 1<<20 + 8, 64 << 20, 1<<64 - 1}
	want := []uint64{64 << 10, 64 << 10, 64 << 10, 64 << 20, 64 << 20, 64 << 20, 64 << 20}
	got := make([]uint64, len(sizes))
	for i, size := range sizes {
		got[i] = readBudget(size)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("readBudget of %v (-want +got):\n%s", sizes, diff)
	}
	if got, want := readBudget(4096), uint64(256<<10); got != want {
		t.Errorf("readBudget(4096) = %d, want %d", got, want)
	}
}
