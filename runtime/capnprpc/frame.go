package capnprpc

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"capnproto.org/go/capnp/v3"
)

// engineMsg is a Cap'n Proto message the engine made: an outgoing message
// being built, or a received frame. Its capability table holds
// references owned by the message. engineMsgs are pooled: release returns
// one, and nothing may use it afterwards.
type engineMsg struct {
	msg   capnp.Message
	arena msgArena
	caps  []*Capability
	size  int // frame size in bytes, for received messages
}

// msgArena wraps the arena of an engineMsg so that AddCapability and
// CapabilityAt can tell the engine's messages from others and find their
// capability tables.
type msgArena struct {
	capnp.Arena
	owner *engineMsg
}

var msgPool = sync.Pool{New: func() any {
	m := new(engineMsg)
	m.arena.owner = m
	return m
}}

// engineMsgOf returns the engineMsg behind msg, or nil.
func engineMsgOf(msg *capnp.Message) *engineMsg {
	if msg == nil {
		return nil
	}
	a, ok := msg.Arena.(*msgArena)
	if !ok || &a.owner.msg != msg {
		return nil
	}
	return a.owner
}

// newOutMsg returns an empty message to build, with its first segment.
func newOutMsg() (*engineMsg, *capnp.Segment) {
	m := msgPool.Get().(*engineMsg)
	m.arena.Arena = capnp.SingleSegment(nil)
	seg, err := m.msg.Reset(&m.arena)
	if err != nil {
		// A pooled single-segment arena always has its first segment.
		panic("capnprpc: " + err.Error())
	}
	return m, seg
}

// release drops the message's capability references and returns it to
// the pool.
func (m *engineMsg) release() {
	for i, c := range m.caps {
		c.Release()
		m.caps[i] = nil
	}
	m.caps = m.caps[:0]
	m.msg.Reset(nil)
	m.arena.Arena = nil
	m.size = 0
	msgPool.Put(m)
}

// frameError is a received frame that breaks a bound or the framing; the
// connection aborts with it.
type frameError struct{ reason string }

func (e *frameError) Error() string { return e.reason }

// frameReader reads Cap'n Proto stream frames incrementally: the header
// first, checked against the limits, then the body in steps of at most
// readStep beyond what has arrived, so a peer that announces a large frame
// pins only what it has sent.
type frameReader struct {
	r      *bufio.Reader
	lim    *limits
	first  [4]byte
	header []byte
	chunks [][]byte
}

func newFrameReader(r io.Reader, lim *limits) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, readStep), lim: lim}
}

// read returns the next frame as a message. io.EOF means the stream ended
// cleanly between frames.
func (fr *frameReader) read() (*engineMsg, error) {
	first := fr.first[:]
	if _, err := io.ReadFull(fr.r, first); err != nil {
		return nil, err
	}
	nseg64 := uint64(binary.LittleEndian.Uint32(first)) + 1
	if nseg64 > uint64(fr.lim.frameSegments) {
		return nil, &frameError{fmt.Sprintf("frame of %d segments exceeds MaxFrameSegments (%d)", nseg64, fr.lim.frameSegments)}
	}
	nseg := int(nseg64)
	rest := nseg * 4 // sizes, then padding to a word
	if nseg%2 == 0 {
		rest += 4
	}
	if cap(fr.header) < rest {
		fr.header = make([]byte, rest)
	}
	hdr := fr.header[:rest]
	if _, err := io.ReadFull(fr.r, hdr); err != nil {
		return nil, unexpectedEOF(err)
	}
	total := uint64(4 + rest)
	for i := 0; i < nseg; i++ {
		total += uint64(binary.LittleEndian.Uint32(hdr[i*4:])) * 8
	}
	if total > uint64(fr.lim.frameBytes) {
		return nil, &frameError{fmt.Sprintf("frame of %d bytes exceeds MaxFrameBytes (%d)", total, fr.lim.frameBytes)}
	}
	body := int(total) - 4 - rest
	m := msgPool.Get().(*engineMsg)
	m.size = int(total)
	if nseg == 1 && body <= readStep {
		// Common case: read straight into a pooled arena's segment.
		m.arena.Arena = capnp.SingleSegment(nil)
		seg, err := m.msg.Reset(&m.arena)
		if err == nil && body > 0 {
			seg, _, err = m.arena.Allocate(capnp.Size(body), &m.msg, seg)
		}
		if err != nil {
			m.release()
			return nil, err
		}
		if _, err := io.ReadFull(fr.r, seg.Data()[:body]); err != nil {
			m.release()
			return nil, unexpectedEOF(err)
		}
	} else {
		data, err := fr.readBody(body)
		if err != nil {
			msgPool.Put(m)
			return nil, err
		}
		if nseg == 1 {
			m.arena.Arena = capnp.SingleSegment(data)
		} else {
			segs := make([][]byte, nseg)
			off := 0
			for i := range segs {
				n := int(binary.LittleEndian.Uint32(hdr[i*4:])) * 8
				segs[i] = data[off : off+n : off+n]
				off += n
			}
			m.arena.Arena = capnp.MultiSegment(segs)
		}
		if _, err := m.msg.Reset(&m.arena); err != nil {
			m.release()
			return nil, &frameError{"malformed frame: " + err.Error()}
		}
	}
	m.msg.TraverseLimit = fr.lim.traverseLimit(m.size)
	m.msg.ResetReadLimit(m.msg.TraverseLimit)
	m.msg.DepthLimit = depthLimit
	return m, nil
}

// readBody reads n bytes in chunks of readStep and joins them once all
// have arrived.
func (fr *frameReader) readBody(n int) ([]byte, error) {
	fr.chunks = fr.chunks[:0]
	defer func() {
		for i := range fr.chunks {
			fr.chunks[i] = nil
		}
		fr.chunks = fr.chunks[:0]
	}()
	for left := n; left > 0; {
		step := min(left, readStep)
		c := make([]byte, step)
		if _, err := io.ReadFull(fr.r, c); err != nil {
			return nil, unexpectedEOF(err)
		}
		fr.chunks = append(fr.chunks, c)
		left -= step
	}
	data := make([]byte, 0, n)
	for _, c := range fr.chunks {
		data = append(data, c...)
	}
	return data, nil
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// frameSize returns the size of msg framed for a stream.
func frameSize(msg *capnp.Message) (int, error) {
	n := msg.NumSegments()
	size := int(n/2+1) * 8
	for i := int64(0); i < n; i++ {
		s, err := msg.Segment(capnp.SegmentID(i))
		if err != nil {
			return 0, err
		}
		size += len(s.Data())
	}
	return size, nil
}

// appendFrame appends msg framed for a stream: the segment count less
// one, each segment's size in words, padding to a word, the segments.
func appendFrame(dst []byte, msg *capnp.Message) []byte {
	n := int(msg.NumSegments())
	slots := n + 1 // count, then one size per segment
	if slots%2 == 1 {
		slots++ // padding
	}
	dst = binary.LittleEndian.AppendUint32(dst, uint32(n-1))
	for k := 1; k < slots; k++ {
		var v uint32
		if k <= n {
			s, _ := msg.Segment(capnp.SegmentID(k - 1))
			v = uint32(len(s.Data()) / 8)
		}
		dst = binary.LittleEndian.AppendUint32(dst, v)
	}
	for i := 0; i < n; i++ {
		s, _ := msg.Segment(capnp.SegmentID(i))
		dst = append(dst, s.Data()...)
	}
	return dst
}
