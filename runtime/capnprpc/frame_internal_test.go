package capnprpc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"capnproto.org/go/capnp/v3"
)

// trickle delivers data and then, instead of more, records how much
// memory the frame reader holds and fails.
type trickle struct {
	data []byte
	fr   *frameReader
	held int
}

var errStop = errors.New("stop")

func (t *trickle) Read(p []byte) (int, error) {
	if len(t.data) == 0 {
		for _, c := range t.fr.chunks {
			t.held += cap(c)
		}
		return 0, errStop
	}
	n := copy(p, t.data)
	t.data = t.data[n:]
	return n, nil
}

func TestFrameReadIsIncremental(t *testing.T) {
	lim := Limits{}.resolve()
	// A header announcing one segment of 60 MiB, then 200 KiB of it.
	const arrived = 200 << 10
	data := make([]byte, 8+arrived)
	binary.LittleEndian.PutUint32(data[4:], (60<<20)/8)
	tr := &trickle{data: data}
	fr := newFrameReader(tr, &lim)
	tr.fr = fr
	if _, err := fr.read(); !errors.Is(err, errStop) {
		t.Fatalf("read: %v", err)
	}
	if tr.held > arrived+readStep {
		t.Fatalf("frame reader held %d bytes with %d arrived (allowed %d)", tr.held, arrived, arrived+readStep)
	}
	if tr.held == 0 {
		t.Fatal("frame reader held nothing: the test did not reach the body")
	}
}

func TestFrameRoundTripAndTraverseLimit(t *testing.T) {
	lim := Limits{}.resolve()
	for _, size := range []int{8, 4 << 10, 100 << 10, 2 << 20} {
		msg, seg, err := capnp.NewMessage(capnp.MultiSegment(nil))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := capnp.NewRootStruct(seg, capnp.ObjectSize{PointerCount: 2})
		d, _ := capnp.NewData(seg, bytes.Repeat([]byte{7}, size))
		st.SetPtr(0, d.ToPtr())
		// A second segment when the first is full.
		d2, _ := capnp.NewData(seg, bytes.Repeat([]byte{9}, size))
		st.SetPtr(1, d2.ToPtr())
		framed := appendFrame(nil, msg)
		want, _ := msg.Marshal()
		if !bytes.Equal(framed, want) {
			t.Fatalf("size %d: appendFrame differs from Marshal", size)
		}
		fr := newFrameReader(bytes.NewReader(framed), &lim)
		m, err := fr.read()
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if m.size != len(framed) {
			t.Fatalf("size %d: frame size %d, want %d", size, m.size, len(framed))
		}
		wantLimit := min(max(uint64(len(framed))*64, 64<<10), 64<<20)
		if m.msg.TraverseLimit != wantLimit || m.msg.DepthLimit != 64 {
			t.Fatalf("size %d: limits %d/%d, want %d/64", size, m.msg.TraverseLimit, m.msg.DepthLimit, wantLimit)
		}
		root, err := m.msg.Root()
		if err != nil {
			t.Fatal(err)
		}
		p, _ := root.Struct().Ptr(1)
		if got := p.Data(); len(got) != size || got[size-1] != 9 {
			t.Fatalf("size %d: data read back wrong", size)
		}
		m.release()
		if _, err := fr.read(); err != io.EOF {
			t.Fatalf("after the frame: %v, want EOF", err)
		}
	}
}

func TestTraverseLimitMult(t *testing.T) {
	for _, tc := range []struct {
		mult, size int
		want       uint64
	}{
		{0, 100, 64 << 10},        // default 64×, at least 64 KiB
		{0, 4 << 10, 256 << 10},   // 64 × 4 KiB
		{0, 2 << 20, 64 << 20},    // at most 64 MiB
		{2, 1 << 20, 2 << 20},     // a chosen multiple
		{1000, 1 << 20, 64 << 20}, // still at most 64 MiB
	} {
		lim := Limits{TraverseLimitMult: tc.mult}.resolve()
		if got := lim.traverseLimit(tc.size); got != tc.want {
			t.Errorf("mult %d size %d: %d, want %d", tc.mult, tc.size, got, tc.want)
		}
	}
}
