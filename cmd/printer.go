package cmd

import (
	"encoding/json"
	"fmt"
	"io"
)

// Printer writes results to stdout: text for people, or one JSON object per
// line with --json. Diagnostics never go through it. Commands print through
// this interface only; they never ask which kind it is.
type Printer interface {
	// Status reports one result while the command runs (a view that
	// landed, a measurement): a "status" record with --json, nothing in
	// text, where the summary's table shows it.
	Status(command string, fields map[string]any) error
	// Summary reports the command's result: a "summary" record holding r's
	// JSON fields with --json, r's text otherwise.
	Summary(command string, r Report) error
	// Error reports a failure: an "error" record with --json, nothing in
	// text (the error goes to stderr).
	Error(msg, hint string, code int) error
}

// Report is a command's result: JSON-encodable, and able to write itself as text.
type Report interface {
	WriteText(w io.Writer) error
}

func newPrinter(w io.Writer, jsonOut bool) Printer {
	if jsonOut {
		return jsonPrinter{w}
	}
	return textPrinter{w}
}

type textPrinter struct{ w io.Writer }

func (textPrinter) Status(string, map[string]any) error { return nil }
func (p textPrinter) Summary(_ string, r Report) error  { return r.WriteText(p.w) }
func (textPrinter) Error(string, string, int) error     { return nil }

type jsonPrinter struct{ w io.Writer }

func (p jsonPrinter) record(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = fmt.Fprintf(p.w, "%s\n", b)
	return err
}

func (p jsonPrinter) Status(command string, fields map[string]any) error {
	rec := map[string]any{"message_type": "status", "command": command}
	for k, v := range fields {
		rec[k] = v
	}
	return p.record(rec)
}

func (p jsonPrinter) Summary(command string, r Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &fields); err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	fields["message_type"] = json.RawMessage(`"summary"`)
	fields["command"], _ = json.Marshal(command)
	return p.record(fields)
}

func (p jsonPrinter) Error(msg, hint string, code int) error {
	return p.record(map[string]any{"message_type": "error", "error": msg, "hint": hint, "exit_code": code})
}

// textReport is a Report whose JSON is v's and whose text is written by text.
type textReport struct {
	v    any
	text func(io.Writer) error
}

func (t textReport) MarshalJSON() ([]byte, error) { return json.Marshal(t.v) }
func (t textReport) WriteText(w io.Writer) error  { return t.text(w) }

// plural is "1 row", "2 rows".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
