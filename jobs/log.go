package jobs

import (
	"context"
	"log/slog"
)

// riverLogger passes River's warnings and errors to log, marked as
// River's; its informational lines (leader elected, queues started …)
// are left out.
func riverLogger(log *slog.Logger) *slog.Logger {
	return slog.New(warnOnly{log.Handler().WithAttrs([]slog.Attr{slog.String("component", "river")})})
}

type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{h.Handler.WithAttrs(as)} }

func (h warnOnly) WithGroup(name string) slog.Handler { return warnOnly{h.Handler.WithGroup(name)} }
