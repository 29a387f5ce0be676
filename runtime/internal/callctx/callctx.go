// Package callctx carries what runtime/ipc knows about a connection into
// the contexts of the calls that arrive on it, for runtime/ipcimpl (the
// generated code's support) to find.
package callctx

import (
	"context"
	"log/slog"
)

type loggerKey struct{}

// WithLogger returns ctx carrying l, the logger of the connection that
// serves the calls made with ctx's descendants.
func WithLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// Logger returns the logger WithLogger put into ctx, or slog.Default().
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return slog.Default()
}
