package ipcimpl_test

import (
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/runtime/ipcimpl"
)

func TestWallTimeRoundTrip(t *testing.T) {
	for _, want := range []time.Time{
		{},
		time.Date(2009, 1, 3, 18, 15, 5, 999999999, time.UTC),
		time.Date(2024, 4, 20, 9, 9, 27, 1, time.FixedZone("X", -3600)),
	} {
		w, err := ipcimpl.TimeToWire(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ipcimpl.TimeFromWire(w)
		if err != nil {
			t.Fatal(err)
		}
		_, wo := want.Zone()
		_, gotOff := got.Zone()
		if !got.Equal(want) || wo != gotOff {
			t.Errorf("round trip of %v = %v", want, got)
		}
	}
}

func TestWallTimeRejects(t *testing.T) {
	for _, w := range []ipcimpl.WallTime{{Nanos: -1}, {Nanos: 1e9}, {Offset: 86400}, {Offset: -86400}} {
		if _, err := ipcimpl.TimeFromWire(w); err == nil {
			t.Errorf("TimeFromWire(%+v) succeeded; want an error", w)
		}
	}
}
