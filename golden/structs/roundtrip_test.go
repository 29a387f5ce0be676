package structs_test

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/structs"
	"github.com/ifacegen/ifacegen/golden/structs/otherpkg"
	"github.com/ifacegen/ifacegen/golden/structs/structsipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connect offers boot over a real unix socket pair and returns a client
// for it; both ends are closed when the test ends.
func connect(t *testing.T, boot *ipc.Capability) *structsipc.StructsClient {
	t.Helper()
	return structsipc.NewStructsClient(ipctest.Pipe(t, boot))
}

type impl struct{}

func (impl) EchoShape(_ context.Context, s structs.Shape) (structs.Shape, error) { return s, nil }

func (impl) EchoTree(_ context.Context, t structs.Tree) (structs.Tree, error) { return t, nil }

func (impl) EchoTagged(_ context.Context, t structs.Tagged) (structs.Tagged, error) { return t, nil }

func (impl) Move(_ context.Context, p, d otherpkg.Point) (otherpkg.Point, error) {
	return otherpkg.Point{Lat: p.Lat + d.Lat, Lon: p.Lon + d.Lon}, nil
}

func TestEchoShape(t *testing.T) {
	c := connect(t, structsipc.NewStructsServer(impl{}))
	for name, want := range map[string]structs.Shape{
		"zero":  {},
		"empty": {Tags: []otherpkg.Tag{}},
		"full": {
			Name:   "square",
			Corner: structs.Point{X: math.MinInt32, Y: math.MaxInt32},
			Where:  otherpkg.Point{Lat: 47.37, Lon: 8.54},
			Tags:   []otherpkg.Tag{{Key: "a", Value: "b"}, {}},
			Box:    structs.Box{Min: structs.Point{X: -1, Y: -2}, Max: structs.Point{X: 3, Y: 4}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := c.EchoShape(context.Background(), want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(otherpkg.Tag{})); diff != "" {
				t.Errorf("EchoShape (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnexportedFieldsStayHome(t *testing.T) {
	c := connect(t, structsipc.NewStructsServer(impl{}))
	got, err := c.EchoShape(context.Background(), structs.Shape{Tags: []otherpkg.Tag{otherpkg.NewTag("k", "v")}})
	if err != nil {
		t.Fatal(err)
	}
	if tag := got.Tags[0]; tag.Key != "k" || tag.Value != "v" || tag.Hidden() != 0 {
		t.Errorf("got %+v (hidden %d), want k=v with the unexported field zero", tag, tag.Hidden())
	}
}

func TestRecursiveTree(t *testing.T) {
	c := connect(t, structsipc.NewStructsServer(impl{}))
	deep := &structs.Tree{Value: 0}
	for i := 1; i < 30; i++ {
		deep = &structs.Tree{Value: int64(i), Left: deep}
	}
	for name, want := range map[string]structs.Tree{
		"leaf": {Value: 1},
		"full": {
			Value: 1,
			Left:  &structs.Tree{Value: 2, Right: &structs.Tree{Value: 3}},
			Right: &structs.Tree{},
			Children: []structs.Tree{
				{Value: 4, Children: []structs.Tree{{Value: 5}}},
				{Left: &structs.Tree{Value: 6}, Children: []structs.Tree{}},
			},
		},
		"deep": *deep,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := c.EchoTree(context.Background(), want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("EchoTree (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTags(t *testing.T) {
	c := connect(t, structsipc.NewStructsServer(impl{}))
	got, err := c.EchoTagged(context.Background(), structs.Tagged{Kept: "k", Skipped: "s", Renamed: 7, Other: "o"})
	if err != nil {
		t.Fatal(err)
	}
	want := structs.Tagged{Kept: "k", Renamed: 7, Other: "o"} // Skipped is ipc:"-"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("EchoTagged (-want +got):\n%s", diff)
	}
}

func TestStructFromOtherPackage(t *testing.T) {
	c := connect(t, structsipc.NewStructsServer(impl{}))
	got, err := c.Move(context.Background(), otherpkg.Point{Lat: 1, Lon: 2}, otherpkg.Point{Lat: 0.5, Lon: -4})
	if err != nil {
		t.Fatal(err)
	}
	if want := (otherpkg.Point{Lat: 1.5, Lon: -2}); got != want {
		t.Errorf("Move = %v, want %v", got, want)
	}
}
