package interop_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ifacegen/ifacegen/internal/interop/interopapi"
	"github.com/ifacegen/ifacegen/internal/interop/interopapi/interopapiipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

// The subscription both sides exercise: eventCount events, and the
// receiving Notify refuses event refusedSeq with refusal(who).
const (
	eventCount = 5
	refusedSeq = 2
)

// refusal is the message of the error the Notify callback of who ("Go" or
// "C++") fails event refusedSeq with.
func refusal(who string) string {
	return who + " notify refuses event " + strconv.Itoa(refusedSeq)
}

// notification is one call of a Notify: its arguments.
type notification struct {
	Ev   interopapi.Event
	Tags []string
	Note *string
}

// notificationFor is the call a Subscription makes for event seq; it is
// cpp/interop.c++'s fillEvent, fillTags and the note of deliver. It uses
// every shape an argument can take: a list of structs, a nil and a set
// optional scalar and struct, a list of text, and a nil, empty and
// non-empty optional text.
func notificationFor(seq int32) notification {
	n := notification{Ev: interopapi.Event{Seq: seq, Name: fmt.Sprintf("event %d", seq)}}
	for i := range seq + 1 {
		n.Ev.Points = append(n.Ev.Points, interopapi.Point{X: seq, Y: i})
		n.Tags = append(n.Tags, fmt.Sprintf("tag%d", i))
	}
	if seq%2 == 1 {
		n.Ev.Weight = ptr(int64(seq) * 100)
	}
	if seq%3 == 0 {
		n.Ev.Parent = &interopapi.Point{X: -seq, Y: seq}
	}
	switch seq {
	case 0:
	case 1:
		n.Note = ptr("")
	default:
		n.Note = ptr(fmt.Sprintf("note %d", seq))
	}
	return n
}

// wantNotifications returns the calls of a subscription's Notify, in order.
func wantNotifications() []notification {
	var want []notification
	for seq := range int32(eventCount) {
		want = append(want, notificationFor(seq))
	}
	return want
}

// ack is how who's Notify acknowledges n: a digest of every argument it
// read, so that the side that made the call checks the other side read
// them right. cpp/interop.c++'s ackFor writes the same text.
func ack(who string, n notification) string {
	opt := func(set bool, s string) string {
		if !set {
			return "nil"
		}
		return s
	}
	var weight, parent, note string
	if n.Ev.Weight != nil {
		weight = strconv.FormatInt(*n.Ev.Weight, 10)
	}
	if n.Ev.Parent != nil {
		parent = fmt.Sprintf("(%d,%d)", n.Ev.Parent.X, n.Ev.Parent.Y)
	}
	if n.Note != nil {
		note = strconv.Quote(*n.Note)
	}
	var last, lastTag string
	if len(n.Ev.Points) > 0 {
		p := n.Ev.Points[len(n.Ev.Points)-1]
		last = fmt.Sprintf("(%d,%d)", p.X, p.Y)
	}
	if len(n.Tags) > 0 {
		lastTag = strconv.Quote(n.Tags[len(n.Tags)-1])
	}
	return fmt.Sprintf("%s ack %d %q points=%d last=%s weight=%s parent=%s tags=%d last=%s note=%s",
		who, n.Ev.Seq, n.Ev.Name, len(n.Ev.Points), opt(len(n.Ev.Points) > 0, last),
		opt(n.Ev.Weight != nil, weight), opt(n.Ev.Parent != nil, parent),
		len(n.Tags), opt(len(n.Tags) > 0, lastTag), opt(n.Note != nil, note))
}

// wantDeliveries returns what a Subscription reports when the Notify of
// who answered its calls.
func wantDeliveries(who string) []interopapi.Delivery {
	var want []interopapi.Delivery
	for _, n := range wantNotifications() {
		d := interopapi.Delivery{Seq: n.Ev.Seq}
		if n.Ev.Seq == refusedSeq {
			d.Err = ptr(refusal(who))
		} else {
			d.Ack = ptr(ack(who, n))
		}
		want = append(want, d)
	}
	return want
}

// goNotify is the Go Notify the Go client hands the C++ server: it records
// every call and answers as wantDeliveries("Go") expects.
type goNotify struct {
	mu    sync.Mutex
	calls []notification
}

func (g *goNotify) notify(_ context.Context, ev interopapi.Event, tags []string, note *string) (string, error) {
	n := notification{ev, tags, note}
	g.mu.Lock()
	g.calls = append(g.calls, n)
	g.mu.Unlock()
	if ev.Seq == refusedSeq {
		return "", errors.New(refusal("Go"))
	}
	return ack("Go", n), nil
}

func (g *goNotify) received() []notification {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]notification(nil), g.calls...)
}

var _ interopapi.Notify = (*goNotify)(nil).notify

// goSubscription is the Subscription the Go server returns. It is an
// io.Closer, so it learns when its holder released it.
type goSubscription struct {
	base   context.Context // the calls after Start run under it
	owner  *goPeer
	count  int32
	notify interopapi.Notify

	done chan struct{} // closed once every event was delivered

	mu         sync.Mutex
	started    bool
	deliveries []interopapi.Delivery
	closed     bool
}

// deliver calls notify for event seq and records the answer.
func (s *goSubscription) deliver(ctx context.Context, seq int32) {
	n := notificationFor(seq)
	a, err := s.notify(ctx, n.Ev, n.Tags, n.Note)
	d := interopapi.Delivery{Seq: seq}
	if err != nil {
		msg := err.Error()
		// The peer's message, without the local *ipc.Error framing.
		if re := (*ipc.RemoteError)(nil); errors.As(err, &re) {
			msg = re.Message
		}
		d.Err = &msg
	} else {
		d.Ack = &a
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
}

func (s *goSubscription) Start(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return nil
	}
	s.started = true
	go func() {
		defer close(s.done)
		for seq := int32(1); seq < s.count; seq++ {
			s.deliver(s.base, seq)
		}
	}()
	return nil
}

func (s *goSubscription) Deliveries(ctx context.Context) ([]interopapi.Delivery, error) {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if !started {
		return nil, errors.New("deliveries: the subscription was not started")
	}
	select {
	case <-s.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]interopapi.Delivery(nil), s.deliveries...), nil
}

// Close is called once the last remote reference to s is released.
func (s *goSubscription) Close() error {
	s.mu.Lock()
	first := !s.closed
	s.closed = true
	s.mu.Unlock()
	if first {
		s.owner.subscriptionReleased()
	}
	return nil
}

// recorded returns the deliveries s made so far and whether it was
// closed.
func (s *goSubscription) recorded() ([]interopapi.Delivery, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]interopapi.Delivery(nil), s.deliveries...), s.closed
}

func (g *goPeer) Subscribe(ctx context.Context, count int32, notify interopapi.Notify) (interopapi.Subscription, error) {
	g.record("Subscribe", count)
	if count < 1 {
		return nil, fmt.Errorf("subscribe: count %d, want at least 1", count)
	}
	s := &goSubscription{base: g.base, owner: g, count: count, notify: notify, done: make(chan struct{})}
	s.deliver(ctx, 0)
	g.mu.Lock()
	g.subs = append(g.subs, s)
	g.mu.Unlock()
	return s, nil
}

// subscriptionReleased counts a released subscription and wakes the
// AwaitReleased calls waiting.
func (g *goPeer) subscriptionReleased() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.released++
	close(g.releasedChanged)
	g.releasedChanged = make(chan struct{})
}

func (g *goPeer) AwaitReleased(ctx context.Context, n int32) error {
	g.record("AwaitReleased", n)
	for {
		g.mu.Lock()
		released, changed := g.released, g.releasedChanged
		g.mu.Unlock()
		if released >= int(n) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("await released: %d of %d subscriptions released: %w", released, n, ctx.Err())
		}
	}
}

// subscriptions returns the subscriptions the server returned, in order.
func (g *goPeer) subscriptions() []*goSubscription {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*goSubscription(nil), g.subs...)
}

// callCppSubscription subscribes a Go Notify to the C++ server, starts the
// subscription, and checks every call the C++ side made to the Go func
// (the first during Subscribe, the rest after it returned), what C++ read
// from the answers (including the Go func's error), and that C++ observes
// the Go client's release of the subscription.
func callCppSubscription(t *testing.T, c *interopapiipc.PeerClient) {
	ctx := t.Context()
	if _, err := c.Subscribe(ctx, 0, func(context.Context, interopapi.Event, []string, *string) (string, error) {
		t.Error("Subscribe(0) called its Notify")
		return "", nil
	}); !isRemote(err, "subscribe: count 0, want at least 1") {
		t.Errorf("Subscribe(0): got error %v, want a remote error %q", err, "subscribe: count 0, want at least 1")
	}

	g := &goNotify{}
	sub, err := c.Subscribe(ctx, eventCount, g.notify)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	if diff := cmp.Diff(wantNotifications()[:1], g.received()); diff != "" {
		t.Errorf("Notify calls made during Subscribe (-want +got):\n%s", diff)
	}
	const notStarted = "deliveries: the subscription was not started"
	if _, err := sub.Deliveries(ctx); !isRemote(err, notStarted) {
		t.Errorf("Deliveries before Start: got error %v, want a remote error %q", err, notStarted)
	}
	if err := sub.Start(ctx); err != nil {
		t.Errorf("Start: %v", err)
	}
	got, err := sub.Deliveries(ctx)
	if err != nil {
		t.Errorf("Deliveries: %v", err)
	}
	if diff := cmp.Diff(wantDeliveries("Go"), got); diff != "" {
		t.Errorf("what the C++ subscription read from the Go Notify (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantNotifications(), g.received()); diff != "" {
		t.Errorf("Notify calls the C++ subscription made (-want +got):\n%s", diff)
	}

	// The C++ server counts the subscriptions whose last reference went;
	// AwaitReleased returns once the release reached it.
	client, ok := sub.(*interopapiipc.SubscriptionClient)
	if !ok {
		t.Fatalf("Subscribe returned a %T, want a *interopapiipc.SubscriptionClient", sub)
	}
	client.Release()
	if err := c.AwaitReleased(ctx, 1); err != nil {
		t.Errorf("AwaitReleased(1) after the release: %v", err)
	}
}

// isRemote reports whether err is a remote error with message msg.
func isRemote(err error, msg string) bool {
	var re *ipc.RemoteError
	return errors.As(err, &re) && re.Message == msg
}

// seenAnswer is how who's Listener answers Seen(r); cpp/interop.c++'s
// seenAnswer writes the same text.
func seenAnswer(who string, r interopapi.Record) string {
	return fmt.Sprintf("%s saw %q: %d points, %d tags, parent %t", who, r.Name, len(r.Points), len(r.Tags), r.Parent != nil)
}

// refusedRecord is the name of the record a Listener refuses, and
// listenerRefusal the message it refuses it with.
const refusedRecord = "refuse me"

func listenerRefusal(who string) string {
	return who + " listener refuses " + strconv.Quote(refusedRecord)
}

// secondRecord is cpp/interop.c++'s fillSecond: a record with one point
// and every other pointer null.
func secondRecord() interopapi.Record {
	return interopapi.Record{Name: "second", Points: []interopapi.Point{{X: 1, Y: -1}}}
}

// goListener is the Go Listener the Go client hands the C++ server.
type goListener struct {
	mu   sync.Mutex
	seen []interopapi.Record
}

func (l *goListener) Seen(_ context.Context, r interopapi.Record) (string, error) {
	l.mu.Lock()
	l.seen = append(l.seen, r)
	l.mu.Unlock()
	if r.Name == refusedRecord {
		return "", errors.New(listenerRefusal("Go"))
	}
	return seenAnswer("Go", r), nil
}

func (l *goListener) received() []interopapi.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]interopapi.Record(nil), l.seen...)
}

func (g *goPeer) Forward(ctx context.Context, records []interopapi.Record, l interopapi.Listener) ([]string, error) {
	g.record("Forward", records)
	// The listener is a client proxy of the caller's object; release it
	// once done rather than leave that to the garbage collector.
	if r, ok := l.(interface{ Release() }); ok {
		defer r.Release()
	}
	var answers []string
	for i, r := range records {
		a, err := l.Seen(ctx, r)
		if err != nil {
			msg := err.Error()
			if re := (*ipc.RemoteError)(nil); errors.As(err, &re) {
				msg = re.Message
			}
			return nil, fmt.Errorf("forward: record %d: %s", i, msg)
		}
		answers = append(answers, a)
	}
	return answers, nil
}

// callCppForward hands a Go Listener to the C++ server's Forward: the
// records it sees, the answers C++ read back, and the Go listener's error
// crossing to C++ and back inside Forward's error.
func callCppForward(t *testing.T, c *interopapiipc.PeerClient) {
	ctx := t.Context()
	l := &goListener{}
	second := secondRecord()
	answers, err := c.Forward(ctx, []interopapi.Record{fullRecord(), second}, l)
	if err != nil {
		t.Errorf("Forward: %v", err)
	}
	want := []string{seenAnswer("Go", fullRecord()), seenAnswer("Go", second)}
	if diff := cmp.Diff(want, answers); diff != "" {
		t.Errorf("Forward's answers (-want +got):\n%s", diff)
	}

	refused := interopapi.Record{Name: refusedRecord}
	_, err = c.Forward(ctx, []interopapi.Record{second, refused, second}, l)
	if msg := "forward: record 1: " + listenerRefusal("Go"); !isRemote(err, msg) {
		t.Errorf("Forward with a refused record: got error %v, want a remote error %q", err, msg)
	}
	if diff := cmp.Diff([]interopapi.Record{fullRecord(), second, second, refused}, l.received()); diff != "" {
		t.Errorf("records the Go listener saw (-want +got):\n%s", diff)
	}
}
