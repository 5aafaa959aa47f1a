package main

import (
	"context"
	"log/slog"
)

// lazyAttrs keeps a logger's attributes unformatted until a record is actually written.
//
// FerretDB derives a logger with the SQL text of every statement it runs (logger.With), and
// slog's TextHandler formats those attributes at once, even when the level would drop every
// record: about 6% of the server's CPU under the pipeline benchmark. This handler defers
// WithAttrs to the first record that passes the level, which at the default level never comes.
type lazyAttrs struct {
	base  slog.Handler
	attrs []slog.Attr
}

func (h *lazyAttrs) Enabled(ctx context.Context, level slog.Level) bool {
	return h.base.Enabled(ctx, level)
}

func (h *lazyAttrs) Handle(ctx context.Context, r slog.Record) error {
	return h.resolve().Handle(ctx, r)
}

func (h *lazyAttrs) resolve() slog.Handler {
	handler := h.base
	if len(h.attrs) > 0 {
		handler = handler.WithAttrs(h.attrs)
	}
	return handler
}

func (h *lazyAttrs) WithAttrs(attrs []slog.Attr) slog.Handler {
	merged := make([]slog.Attr, 0, len(h.attrs)+len(attrs))
	merged = append(append(merged, h.attrs...), attrs...)
	return &lazyAttrs{base: h.base, attrs: merged}
}

// WithGroup applies the attributes so far outside the group; later ones go inside it, lazily again.
func (h *lazyAttrs) WithGroup(name string) slog.Handler {
	return &lazyAttrs{base: h.resolve().WithGroup(name)}
}
