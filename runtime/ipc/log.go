package ipc

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"capnproto.org/go/capnp/v3"
	"capnproto.org/go/capnp/v3/encoding/text"
	"capnproto.org/go/capnp/v3/schemas"
	rpccp "capnproto.org/go/capnp/v3/std/capnp/rpc"
	"capnproto.org/go/capnp/v3/std/capnp/schema"
)

// DebugEnv is the environment variable that turns on debug logging of
// every request and response on every connection, as Options.Debug does
// for one: IFACEGEN_DEBUG=ipc. Its value is a comma-separated list of
// topics, in any case; "ipc" is the one this package reads, and "1",
// "true" and "all" turn on every topic. A value that names no topic this
// package knows is reported once, on standard error, when the first
// connection starts.
const DebugEnv = "IFACEGEN_DEBUG"

// Limits of what a debug log line shows of a message.
const (
	// logValueLimit bounds the text of the arguments or results shown in
	// one log line, in bytes; longer text is cut and ends in "…".
	logValueLimit = 256
	// logRenderLimit is the size of the largest message whose arguments
	// or results are rendered at all. Rendering walks the whole message,
	// so bigger ones only show their size; this also keeps the walk far
	// below the message's traversal limit, which the RPC layer needs.
	logRenderLimit = 64 << 10
)

// debugFromEnv reports whether DebugEnv turns on the "ipc" topic. The
// first time it sees a value that turns on nothing, it warns on standard
// error (warnUnknownDebug).
func debugFromEnv() bool {
	value := os.Getenv(DebugEnv)
	on, unknown := parseDebugEnv(value)
	if !on && len(unknown) > 0 {
		warnUnknownDebug.Do(func() {
			fmt.Fprintf(os.Stderr, "ipc: %s=%s turns on no debug logging (unknown topic %s); use %s=ipc\n",
				DebugEnv, value, strings.Join(unknown, ", "), DebugEnv)
		})
	}
	return on
}

// warnUnknownDebug makes debugFromEnv warn about a useless DebugEnv once
// per process.
var warnUnknownDebug sync.Once

// parseDebugEnv reads a DebugEnv value: whether it turns on the "ipc"
// topic, and the topics in it that mean nothing here.
func parseDebugEnv(value string) (ipc bool, unknown []string) {
	for topic := range strings.SplitSeq(value, ",") {
		topic = strings.TrimSpace(topic)
		switch strings.ToLower(topic) {
		case "":
		case "ipc", "1", "true", "all":
			ipc = true
		default:
			unknown = append(unknown, strconv.Quote(topic))
		}
	}
	return ipc, unknown
}

// thisProcess tells log lines of this process from those of others that
// share its standard error (a parent and the children it spawned, which
// all number their connections from 1): its process ID, and whether it
// was started by Spawn. It is read before main runs, while SpawnFDEnv is
// still set (ServeSpawned unsets it).
var thisProcess = []slog.Attr{slog.Int("pid", os.Getpid()), slog.String("role", processRole())}

func processRole() string {
	if _, spawned := os.LookupEnv(SpawnFDEnv); spawned {
		return "child"
	}
	return "main"
}

// connIDs numbers connections in this process, for log lines.
var connIDs atomic.Uint64

// newMessageLog returns the debug log of the connection numbered id, or
// nil when debug logging is off for it: neither opts.Debug nor DebugEnv
// asks for it, or the logger would drop debug records anyway. A nil
// *messageLog costs nothing: the connection's transport is then not
// wrapped for logging.
func newMessageLog(opts *Options, id uint64) *messageLog {
	if !opts.Debug && !debugFromEnv() {
		return nil
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if !logger.Enabled(context.Background(), slog.LevelDebug) {
		return nil
	}
	return &messageLog{
		logger: slog.New(logger.Handler().WithAttrs(thisProcess)),
		conn:   id,
		asked:  make(map[uint32]pendingCall),
		served: make(map[uint32]pendingCall),
	}
}

// messageLog writes one debug line for each request and response on one
// connection: "ipc call", "ipc return", "ipc bootstrap" and "ipc abort".
// Every line carries the process's ID and role (pid; role "child" in a
// process started by Spawn, "main" otherwise), the connection number
// within the process (conn), the direction (dir:
// "out" for a message this side sends, "in" for one it receives), and the
// question id (q) that pairs a call with its return. Calls and returns also
// carry the method (method, "file.Interface.method" from the schema, or
// the interface ID and method ordinal in hex and decimal when the schema is
// unknown, see LogSchema), the message size in bytes (size), the arguments
// or results as Cap'n Proto text cut to a bounded length (args, results),
// and on returns the time since the call (duration) and the error (error).
//
// Its methods are safe for concurrent use: the transport calls them from
// the connection's sending and receiving goroutines.
type messageLog struct {
	logger *slog.Logger
	conn   uint64

	mu     sync.Mutex
	asked  map[uint32]pendingCall // questions this side asked, by question ID
	served map[uint32]pendingCall // questions the peer asked, by question ID
}

// pendingCall is a question whose return has not been seen yet.
type pendingCall struct {
	method *methodNames // nil for a bootstrap question
	start  time.Time
}

// observe logs m, a message that this side sends (out) or receives.
func (l *messageLog) observe(m rpccp.Message, out bool) {
	dir := "in"
	if out {
		dir = "out"
	}
	switch m.Which() {
	case rpccp.Message_Which_call:
		l.logCall(m, dir, out)
	case rpccp.Message_Which_return:
		l.logReturn(m, dir, out)
	case rpccp.Message_Which_bootstrap:
		b, err := m.Bootstrap()
		if err != nil {
			return
		}
		l.remember(out, b.QuestionId(), pendingCall{start: time.Now()})
		l.logger.LogAttrs(context.Background(), slog.LevelDebug, "ipc bootstrap",
			slog.Uint64("conn", l.conn), slog.String("dir", dir), slog.Uint64("q", uint64(b.QuestionId())))
	case rpccp.Message_Which_abort:
		e, err := m.Abort()
		if err != nil {
			return
		}
		reason, _ := e.Reason()
		l.logger.LogAttrs(context.Background(), slog.LevelDebug, "ipc abort",
			slog.Uint64("conn", l.conn), slog.String("dir", dir), slog.String("reason", truncate(reason)))
	}
}

func (l *messageLog) logCall(m rpccp.Message, dir string, out bool) {
	c, err := m.Call()
	if err != nil {
		return
	}
	method := lookupMethod(c.InterfaceId(), c.MethodId())
	l.remember(out, c.QuestionId(), pendingCall{method: method, start: time.Now()})
	size := messageSize(m)
	attrs := []slog.Attr{
		slog.Uint64("conn", l.conn),
		slog.String("dir", dir),
		slog.Uint64("q", uint64(c.QuestionId())),
		slog.String("method", method.name),
		slog.Uint64("size", size),
	}
	if p, err := c.Params(); err == nil {
		attrs = append(attrs, slog.String("args", method.render(method.params, p, size)))
	}
	l.logger.LogAttrs(context.Background(), slog.LevelDebug, "ipc call", attrs...)
}

func (l *messageLog) logReturn(m rpccp.Message, dir string, out bool) {
	r, err := m.Return()
	if err != nil {
		return
	}
	// A return this side sends answers a question the peer asked.
	call, known := l.take(!out, r.AnswerId())
	size := messageSize(m)
	attrs := []slog.Attr{
		slog.Uint64("conn", l.conn),
		slog.String("dir", dir),
		slog.Uint64("q", uint64(r.AnswerId())),
	}
	switch {
	case !known:
		attrs = append(attrs, slog.String("method", "?"))
	case call.method == nil:
		attrs = append(attrs, slog.String("method", "bootstrap"))
	default:
		attrs = append(attrs, slog.String("method", call.method.name))
	}
	attrs = append(attrs, slog.Uint64("size", size))
	if known {
		attrs = append(attrs, slog.Duration("duration", time.Since(call.start)))
	}
	switch r.Which() {
	case rpccp.Return_Which_results:
		if call.method != nil {
			if p, err := r.Results(); err == nil {
				attrs = append(attrs, slog.String("results", call.method.render(call.method.results, p, size)))
			}
		}
	case rpccp.Return_Which_exception:
		e, err := r.Exception()
		if err == nil {
			reason, _ := e.Reason()
			attrs = append(attrs, slog.String("error", truncate(reason)))
		}
	case rpccp.Return_Which_canceled:
		attrs = append(attrs, slog.String("error", "canceled"))
	default:
		attrs = append(attrs, slog.String("results", r.Which().String()))
	}
	l.logger.LogAttrs(context.Background(), slog.LevelDebug, "ipc return", attrs...)
}

// remember records a question this side asked (out) or the peer asked.
func (l *messageLog) remember(out bool, q uint32, c pendingCall) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if out {
		l.asked[q] = c
	} else {
		l.served[q] = c
	}
}

// take removes and returns a question this side asked (asked) or the peer
// asked.
func (l *messageLog) take(asked bool, q uint32) (pendingCall, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	table := l.served
	if asked {
		table = l.asked
	}
	c, ok := table[q]
	delete(table, q)
	return c, ok
}

// messageSize returns the encoded size of m's message in bytes, without
// the stream framing.
func messageSize(m rpccp.Message) uint64 {
	n, err := m.Message().TotalSize()
	if err != nil {
		return 0
	}
	return n
}

// truncate cuts s to logValueLimit bytes, on a rune boundary, marking the
// cut with "…".
func truncate(s string) string {
	if len(s) <= logValueLimit {
		return s
	}
	cut := logValueLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// LogSchema makes the names in a schema known to debug logs, so that they
// show "mining.Mining.createNewBlock" rather than an interface ID and a
// method ordinal, and show arguments and results as Cap'n Proto text.
// register is the RegisterSchema function of capnpc-go bindings. Every
// package ifacegen generates calls it for its own schema in an init
// function; call it yourself for other bindings (e.g.
// persistent.RegisterSchema). Registering the
// same schema twice is harmless. LogSchema is safe for concurrent use.
//
// Schemas registered in schemas.DefaultRegistry are known without it.
func LogSchema(register func(*schemas.Registry)) {
	logSchemas.mu.Lock()
	defer logSchemas.mu.Unlock()
	register(&logSchemas.reg) // duplicate node IDs are an error we can ignore
	clear(logSchemas.methods) // forget interfaces not found so far
}

// logSchemas holds the schemas LogSchema registered and the names read
// from them. schemas.Registry is not safe for Register concurrent with
// Find, hence the lock.
var logSchemas struct {
	mu      sync.RWMutex
	reg     schemas.Registry
	methods map[methodKey]*methodNames
}

type methodKey struct {
	iface  uint64
	method uint16
}

// methodNames is what a debug log shows for one method.
type methodNames struct {
	name            string            // "file.Interface.method", or "@0x….N"
	params, results uint64            // struct type IDs; 0 when unknown
	reg             *schemas.Registry // where params and results are described
}

// lookupMethod returns the names of method of interface iface, reading
// them from the registered schemas the first time.
func lookupMethod(iface uint64, method uint16) *methodNames {
	key := methodKey{iface, method}
	logSchemas.mu.RLock()
	m, ok := logSchemas.methods[key]
	logSchemas.mu.RUnlock()
	if ok {
		return m
	}
	logSchemas.mu.Lock()
	defer logSchemas.mu.Unlock()
	if m, ok := logSchemas.methods[key]; ok {
		return m
	}
	m = findMethod(&logSchemas.reg, iface, method)
	if m == nil {
		m = findMethod(schemas.DefaultRegistry, iface, method)
	}
	if m == nil {
		m = &methodNames{name: fmt.Sprintf("@0x%016x.%d", iface, method)}
	}
	if logSchemas.methods == nil {
		logSchemas.methods = make(map[methodKey]*methodNames)
	}
	logSchemas.methods[key] = m
	return m
}

// findMethod reads the names of a method from reg, or returns nil if reg
// does not describe the interface or the method.
func findMethod(reg *schemas.Registry, iface uint64, method uint16) *methodNames {
	data, err := reg.Find(iface)
	if err != nil {
		return nil
	}
	msg, err := capnp.Unmarshal(data)
	if err != nil {
		return nil
	}
	req, err := schema.ReadRootCodeGeneratorRequest(msg)
	if err != nil {
		return nil
	}
	nodes, err := req.Nodes()
	if err != nil {
		return nil
	}
	for i := range nodes.Len() {
		n := nodes.At(i)
		if n.Id() != iface || n.Which() != schema.Node_Which_interface {
			continue
		}
		methods, err := n.Interface().Methods()
		if err != nil || int(method) >= methods.Len() {
			return nil // methods are listed by ordinal
		}
		me := methods.At(int(method))
		display, _ := n.DisplayName()
		name, _ := me.Name()
		return &methodNames{
			name:    interfaceName(display) + "." + name,
			params:  me.ParamStructType(),
			results: me.ResultStructType(),
			reg:     reg,
		}
	}
	return nil
}

// interfaceName turns a schema display name, "dir/mining.capnp:Mining",
// into "mining.Mining".
func interfaceName(display string) string {
	file, name, ok := strings.Cut(display, ":")
	if !ok {
		return display
	}
	return strings.TrimSuffix(path.Base(file), ".capnp") + "." + name
}

// render returns the content of p, a payload of a message of size bytes
// whose content is a struct of type typeID, as Cap'n Proto text cut to
// logValueLimit bytes. It returns a placeholder when the type is unknown
// or the message is too big to walk.
func (m *methodNames) render(typeID uint64, p rpccp.Payload, size uint64) string {
	if typeID == 0 || m.reg == nil {
		return "?"
	}
	if size > logRenderLimit {
		return "(" + strconv.FormatUint(size, 10) + " bytes, not shown)"
	}
	content, err := p.Content()
	if err != nil {
		return "?"
	}
	var buf cappedBuffer
	enc := text.NewEncoder(&buf)
	// A fresh encoder each time: an encoder caches schema nodes, whose
	// reads count against their message's traversal limit, so one kept
	// for good would stop working after many calls.
	logSchemas.mu.RLock()
	enc.UseRegistry(m.reg)
	err = enc.Encode(typeID, content.Struct())
	logSchemas.mu.RUnlock()
	if err != nil && len(buf.b) == 0 {
		return "?"
	}
	return truncate(buf.String())
}

// cappedBuffer keeps the first logValueLimit+utf8.UTFMax bytes written to
// it and drops the rest without failing (the text encoder gives up for
// good on a write error), so that truncate sees whether the text was cut.
type cappedBuffer struct {
	b []byte
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := logValueLimit + utf8.UTFMax - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(len(p), room)]...)
	}
	return len(p), nil
}

func (c *cappedBuffer) WriteString(s string) (int, error) {
	if room := logValueLimit + utf8.UTFMax - len(c.b); room > 0 {
		c.b = append(c.b, s[:min(len(s), room)]...)
	}
	return len(s), nil
}

func (c *cappedBuffer) WriteByte(b byte) error {
	if len(c.b) < logValueLimit+utf8.UTFMax {
		c.b = append(c.b, b)
	}
	return nil
}

func (c *cappedBuffer) String() string { return string(c.b) }
