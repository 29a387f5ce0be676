package schema

// This file places struct fields the way the capnp compiler does
// (StructLayout in its node-translator.c++), so that the layout computed here
// is the layout every other Cap'n Proto implementation reads.
//
// The algorithm, for a struct without unions or groups (the only kind
// ifacegen emits): fields are placed one at a time in ordinal order.
// Pointers take the next pointer slot. A data field of 2^n bits first looks
// for a free hole of exactly that size; failing that it splits the smallest
// larger hole (keeping the upper half as a new hole), recursively up to
// 32 bits; failing that it opens a new 64-bit word, takes its first 2^n bits
// and records the rest of the word as one hole per size class. A field's
// offset is counted in units of its own size. 64-bit fields always open a
// new word.

// lgBitsWord is log2 of the bits in a data word; data fields are 2^lg bits
// wide for lg in 0 (Bool) … 6 (64-bit).
const lgBitsWord = 6

// structLayout is the running layout of one struct's data and pointer
// sections. The zero value is an empty struct.
type structLayout struct {
	dataWords uint32
	pointers  uint32
	// holes[lg] is the offset, in units of 2^lg bits, of a free slot of
	// 2^lg bits; 0 means there is none (offset 0 is never a hole, since the
	// first word's first slot is always taken before its holes exist).
	holes [lgBitsWord]uint32
}

// addData places a data field of 2^lg bits (0 <= lg <= 6) and returns its
// offset in units of 2^lg bits.
func (l *structLayout) addData(lg uint) uint32 {
	if off, ok := l.tryAllocate(lg); ok {
		return off
	}
	off := l.dataWords << (lgBitsWord - lg)
	l.dataWords++
	l.addHolesAtEnd(lg, off+1)
	return off
}

// addPointer places a pointer field and returns its index in the pointer
// section.
func (l *structLayout) addPointer() uint32 {
	p := l.pointers
	l.pointers++
	return p
}

// tryAllocate takes a free slot of 2^lg bits from the holes, splitting a
// larger hole when no hole of that size exists.
func (l *structLayout) tryAllocate(lg uint) (uint32, bool) {
	if lg >= lgBitsWord {
		return 0, false
	}
	if off := l.holes[lg]; off != 0 {
		l.holes[lg] = 0
		return off, true
	}
	larger, ok := l.tryAllocate(lg + 1)
	if !ok {
		return 0, false
	}
	off := larger * 2
	l.holes[lg] = off + 1
	return off, true
}

// addHolesAtEnd records the free rest of a freshly opened word: after a
// field of 2^lg bits at the start of the word, the slot at off (in units of
// 2^lg bits) is free, then the next larger slot, and so on up to 32 bits.
func (l *structLayout) addHolesAtEnd(lg uint, off uint32) {
	for ; lg < lgBitsWord; lg++ {
		l.holes[lg] = off
		off = (off + 1) / 2
	}
}
