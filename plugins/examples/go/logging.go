package main

import (
	"io"
	"log/slog"
	"strings"
)

// newLogger writes JSON lines such as {"ts":"…","level":"info","msg":"…"}, the shape the
// protection service copies from a plugin's stderr into its own log.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				a.Key = "ts"
			case slog.LevelKey:
				a.Value = slog.StringValue(strings.ToLower(a.Value.String()))
			}
			return a
		},
	}))
}
