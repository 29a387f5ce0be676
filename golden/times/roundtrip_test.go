package times_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/times"
	"github.com/ifacegen/ifacegen/golden/times/timesipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type impl struct{}

func (impl) Echo(_ context.Context, t time.Time) (time.Time, error) { return t, nil }

func (impl) Events(_ context.Context, events []times.Event, at map[string]time.Time, all []time.Time) ([]times.Event, map[string]time.Time, []time.Time, error) {
	return events, at, all, nil
}

func (impl) Maybe(_ context.Context, t *time.Time) (*time.Time, error) { return t, nil }

func connect(t *testing.T) *timesipc.TimesClient {
	t.Helper()
	c := timesipc.NewTimesClient(ipctest.Pipe(t, timesipc.NewTimesServer(impl{})))
	t.Cleanup(c.Release)
	return c
}

// sameTime compares instants and zone offsets: what crosses the wire.
var sameTime = cmp.Comparer(func(a, b time.Time) bool {
	_, ao := a.Zone()
	_, bo := b.Zone()
	return a.Equal(b) && ao == bo
})

func TestTimes(t *testing.T) {
	ctx := context.Background()
	c := connect(t)
	east := time.FixedZone("CEST", 2*3600)
	cases := []time.Time{
		{},
		time.Date(2009, 1, 3, 18, 15, 5, 123456789, time.UTC),
		time.Date(2024, 4, 20, 9, 9, 27, 1, east),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -7*3600-1800)),
		time.Now(), // the monotonic reading is dropped
	}
	for _, want := range cases {
		got, err := c.Echo(ctx, want)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, sameTime); diff != "" {
			t.Errorf("Echo (-want +got):\n%s", diff)
		}
	}
	// The zero time and UTC times arrive exactly equal.
	for _, want := range cases[:2] {
		if got, _ := c.Echo(ctx, want); got != want {
			t.Errorf("Echo(%v) = %#v; want exactly %#v", want, got, want)
		}
	}

	seen := cases[2]
	events := []times.Event{{Name: "genesis", At: cases[1], Seen: &seen}, {Name: "none", At: cases[2]}}
	at := map[string]time.Time{"a": cases[1], "b": cases[4]}
	ev, gotAt, all, err := c.Events(ctx, events, at, cases)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(events, ev, sameTime); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(at, gotAt, sameTime); diff != "" {
		t.Errorf("map (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(cases, all, sameTime); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}

	if got, err := c.Maybe(ctx, nil); err != nil || got != nil {
		t.Errorf("Maybe(nil) = %v, %v", got, err)
	}
	if got, err := c.Maybe(ctx, &seen); err != nil || got == nil || !got.Equal(seen) {
		t.Errorf("Maybe(&t) = %v, %v; want %v", got, err, seen)
	}
}

type marshalers struct{}

func (marshalers) Swap(_ context.Context, v times.Version, p times.Point, vs []times.Version, pp *times.Point) (times.Point, times.Version, []times.Version, *times.Point, error) {
	return p, v, vs, pp, nil
}

func (marshalers) Bad(context.Context) (times.Point, error) { return times.Point{X: -1}, nil }

func TestMarshalers(t *testing.T) {
	ctx := context.Background()
	c := timesipc.NewMarshalersClient(ipctest.Pipe(t, timesipc.NewMarshalersServer(marshalers{})))
	defer c.Release()
	v, p := times.Version{Major: 1, Minor: 26}, times.Point{X: 3, Y: -4}
	vs := []times.Version{{Major: 0, Minor: 1}, {Major: 2, Minor: 0}}
	gotP, gotV, gotVs, gotPP, err := c.Swap(ctx, v, p, vs, &p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{p, v, vs, &p}, []any{gotP, gotV, gotVs, gotPP}); diff != "" {
		t.Errorf("Swap (-want +got):\n%s", diff)
	}
	if _, _, _, gotPP, err = c.Swap(ctx, v, p, nil, nil); err != nil || gotPP != nil {
		t.Errorf("Swap with a nil optional = %v, %v", gotPP, err)
	}
	// A hook's error on the caller's side fails the call before it is sent…
	if _, _, _, _, err := c.Swap(ctx, v, times.Point{X: -1}, nil, nil); err == nil || !strings.Contains(err.Error(), "point: negative x") {
		t.Errorf("Swap of an unmarshalable point: %v; want the hook's error", err)
	}
	// …and on the implementation's side it is the call's error.
	if _, err := c.Bad(ctx); err == nil || !strings.Contains(err.Error(), "point: negative x") {
		t.Errorf("Bad: %v; want the hook's error", err)
	}
}
