package capnprpc

// Defaults of Limits' fields.
const (
	DefaultMaxFrameBytes     = 64 << 20
	DefaultMaxFrameSegments  = 512
	DefaultMaxQuestions      = 65536
	DefaultMaxAnswers        = 65536
	DefaultMaxExports        = 65536
	DefaultMaxImports        = 65536
	DefaultMaxQueuedBytes    = 16 << 20
	DefaultMaxRunningCalls   = 64
	DefaultMaxAcceptedCalls  = 1024
	DefaultTraverseLimitMult = 64

	// readStep is how far a partial frame's buffer may run ahead of the
	// bytes that have arrived.
	readStep = 64 << 10

	minTraverseLimit = 64 << 10
	maxTraverseLimit = 64 << 20
	depthLimit       = 64
)

// limits is Limits with defaults applied; running < 0 means unbounded.
type limits struct {
	frameBytes    int64
	frameSegments int
	questions     int
	answers       int
	exports       int
	imports       int
	queuedBytes   int64
	running       int
	accepted      int
	traverseMult  int
}

func orDefault[T int | int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func (l Limits) resolve() limits {
	r := limits{
		frameBytes:    orDefault(l.MaxFrameBytes, DefaultMaxFrameBytes),
		frameSegments: orDefault(l.MaxFrameSegments, DefaultMaxFrameSegments),
		questions:     orDefault(l.MaxQuestions, DefaultMaxQuestions),
		answers:       orDefault(l.MaxAnswers, DefaultMaxAnswers),
		exports:       orDefault(l.MaxExports, DefaultMaxExports),
		imports:       orDefault(l.MaxImports, DefaultMaxImports),
		queuedBytes:   orDefault(l.MaxQueuedBytes, DefaultMaxQueuedBytes),
		running:       l.MaxRunningCalls,
		accepted:      orDefault(l.MaxAcceptedCalls, DefaultMaxAcceptedCalls),
		traverseMult:  orDefault(l.TraverseLimitMult, DefaultTraverseLimitMult),
	}
	if r.running == 0 {
		r.running = DefaultMaxRunningCalls
	}
	if r.frameSegments > 1<<20 {
		r.frameSegments = 1 << 20
	}
	return r
}

// traverseLimit is the traversal budget of a received message of size
// bytes.
func (l *limits) traverseLimit(size int) uint64 {
	t := uint64(size) * uint64(l.traverseMult)
	if t < minTraverseLimit {
		t = minTraverseLimit
	}
	if t > maxTraverseLimit {
		t = maxTraverseLimit
	}
	return t
}
