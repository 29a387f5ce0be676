package structs_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"capnproto.org/go/capnp/v3"

	"github.com/ifacegen/ifacegen/golden/structs"
	"github.com/ifacegen/ifacegen/golden/structs/structsipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// nested returns a tree levels deep through Children, the path on which
// go-capnp's own depth limit does not hold (a list of structs).
func nested(levels int) structs.Tree {
	t := structs.Tree{Value: int64(levels)}
	for i := levels - 1; i > 0; i-- {
		t = structs.Tree{Value: int64(i), Children: []structs.Tree{t}}
	}
	return t
}

// A recursive type nests up to ipc.MaxNesting levels; a deeper value
// fails that call only, with the limit in its message.
func TestNestingLimit(t *testing.T) {
	c := connect(t, structsipc.NewStructsServer(impl{}))
	want := nested(ipc.MaxNesting)
	got, err := c.EchoTree(context.Background(), want)
	if err != nil {
		t.Fatalf("a tree %d levels deep: %v", ipc.MaxNesting, err)
	}
	// (cmp.Diff takes exponential time on a chain of one-element
	// slices this deep.)
	if !reflect.DeepEqual(want, got) {
		t.Errorf("EchoTree of a tree %d levels deep returned another tree", ipc.MaxNesting)
	}

	_, err = c.EchoTree(context.Background(), nested(ipc.MaxNesting+1))
	if err == nil || !strings.Contains(err.Error(), ipc.ErrTooDeep.Error()) {
		t.Errorf("a tree %d levels deep: got %v, want %q", ipc.MaxNesting+1, err, ipc.ErrTooDeep)
	}
	// The connection lives on.
	if _, err := c.EchoTree(context.Background(), nested(3)); err != nil {
		t.Errorf("EchoTree after the refused call: %v", err)
	}
}

// Reading a deep value in this process fails the same way, with an error
// that wraps ipc.ErrTooDeep and locates it.
func TestNestingLimitLocal(t *testing.T) {
	_, seg := capnp.NewSingleSegmentMessage(nil)
	s, err := structsipc.NewRootTree(seg)
	if err != nil {
		t.Fatal(err)
	}
	deep := nested(ipc.MaxNesting + 1)
	if err := structsipc.WriteTree(s, &deep); err != nil {
		t.Fatal(err)
	}
	var got structs.Tree
	err = structsipc.ReadTree(s, &got)
	var ce *ipc.ConvertError
	if !errors.Is(err, ipc.ErrTooDeep) || !errors.As(err, &ce) || !strings.HasPrefix(ce.Path, "Children[0].Children[0].") {
		t.Errorf("ReadTree of %d levels: got %v, want ipc.ErrTooDeep located in Children[0]…", ipc.MaxNesting+1, err)
	}
}
