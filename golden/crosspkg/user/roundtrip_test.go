package user_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/crosspkg/base"
	"github.com/ifacegen/ifacegen/golden/crosspkg/base/baseipc"
	"github.com/ifacegen/ifacegen/golden/crosspkg/user"
	"github.com/ifacegen/ifacegen/golden/crosspkg/user/useripc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// template implements base.BlockTemplate: it builds on ref, and its next
// template on the block after.
type template struct{ ref base.BlockRef }

func (t *template) Ref(context.Context) (base.BlockRef, error) { return t.ref, nil }

func (t *template) Next(context.Context) (base.BlockTemplate, error) {
	next := t.ref
	next.Height++
	return &template{ref: next}, nil
}

// pool implements user.Pool.
type pool struct{}

func (pool) Best(_ context.Context, refs []base.BlockRef) (*base.BlockRef, error) {
	var best *base.BlockRef
	for i := range refs {
		if best == nil || refs[i].Height > best.Height {
			best = &refs[i]
		}
	}
	return best, nil
}

func (pool) Submit(ctx context.Context, t base.BlockTemplate) (base.BlockRef, error) {
	return t.Ref(ctx) // a call back into the caller's process
}

func (pool) Template(_ context.Context, tip base.BlockRef) (base.BlockTemplate, error) {
	return &template{ref: tip}, nil
}

func (pool) Swap(_ context.Context, job user.Job, byName map[string]base.BlockRef) (user.Job, map[string]base.BlockRef, error) {
	r := []rune(job.Name)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	job.Name = string(r)
	return job, byName, nil
}

func (pool) Kind(_ context.Context, ref base.BlockRef) (base.Kind, error) { return ref.Kind, nil }

func connect(t *testing.T) *useripc.PoolClient {
	t.Helper()
	c := useripc.NewPoolClient(ipctest.Pipe(t, useripc.NewPoolServer(pool{})))
	t.Cleanup(c.Release)
	return c
}

var (
	tip  = base.BlockRef{Hash: [4]byte{1, 2, 3, 4}, Height: 7, Kind: base.KindHeader}
	tip2 = base.BlockRef{Hash: [4]byte{5, 6, 7, 8}, Height: 9, Kind: base.KindFull}
)

func TestStructs(t *testing.T) {
	c := connect(t)
	ctx := t.Context()

	best, err := c.Best(ctx, []base.BlockRef{tip, tip2})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&tip2, best); diff != "" {
		t.Errorf("Best (-want +got):\n%s", diff)
	}
	if best, err := c.Best(ctx, nil); err != nil || best != nil {
		t.Errorf("Best(nil) = %v, %v; want nil, nil", best, err)
	}

	kind, err := c.Kind(ctx, tip)
	if err != nil || kind != base.KindHeader {
		t.Errorf("Kind = %v, %v; want %v", kind, err, base.KindHeader)
	}

	job := user.Job{Name: "abc", Tip: tip, Kinds: []base.Kind{base.KindFull, base.KindHeader}}
	byName := map[string]base.BlockRef{"tip": tip, "tip2": tip2}
	gotJob, gotMap, err := c.Swap(ctx, job, byName)
	if err != nil {
		t.Fatal(err)
	}
	want := job
	want.Name = "cba"
	if diff := cmp.Diff(want, gotJob); diff != "" {
		t.Errorf("Swap job (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(byName, gotMap); diff != "" {
		t.Errorf("Swap map (-want +got):\n%s", diff)
	}
}

func TestInterfaces(t *testing.T) {
	c := connect(t)
	ctx := t.Context()

	// From the server: a client proxy of base's generated package.
	tmpl, err := c.Template(ctx, tip)
	if err != nil {
		t.Fatal(err)
	}
	tc, ok := tmpl.(*baseipc.BlockTemplateClient)
	if !ok {
		t.Fatalf("Template returned %T, want *baseipc.BlockTemplateClient", tmpl)
	}
	defer tc.Release()
	next, err := tmpl.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer next.(*baseipc.BlockTemplateClient).Release()
	ref, err := next.Ref(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := tip
	want.Height++
	if diff := cmp.Diff(want, ref); diff != "" {
		t.Errorf("Template(tip).Next().Ref() (-want +got):\n%s", diff)
	}

	// To the server, which calls back: this process serves the template.
	ref, err = c.Submit(ctx, &template{ref: tip2})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tip2, ref); diff != "" {
		t.Errorf("Submit (-want +got):\n%s", diff)
	}

	// A received template sent back is the server's own object again.
	ref, err = c.Submit(ctx, tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tip, ref); diff != "" {
		t.Errorf("Submit(received) (-want +got):\n%s", diff)
	}

	// A nil interface and a struct holding one.
	job, _, err := c.Swap(ctx, user.Job{Name: "x", Template: tmpl}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if job.Template == nil {
		t.Fatal("Swap lost Job.Template")
	}
	ref, err = job.Template.Ref(ctx)
	job.Template.(*baseipc.BlockTemplateClient).Release()
	if err != nil || ref != tip {
		t.Errorf("Swap(job).Template.Ref() = %v, %v; want %v", ref, err, tip)
	}
	if _, err := c.Submit(ctx, nil); err == nil {
		t.Error("Submit(nil) succeeded; the server calls a method on nil, which must fail")
	}
}
