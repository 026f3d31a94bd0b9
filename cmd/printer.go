package cmd

import (
	"encoding/json"
	"fmt"
)

// Printer writes results to stdout: text for people, or one JSON object per
// line with --json. Diagnostics never go through it.
type Printer struct {
	IO    *IOStreams
	JSON  bool
	Quiet bool
}

// Record writes one JSON line (only meaningful with --json).
func (p *Printer) Record(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = fmt.Fprintf(p.IO.Out, "%s\n", b)
	return err
}

// Summary writes a command's final result: rec as a message_type "summary"
// record with --json, or text otherwise.
func (p *Printer) Summary(command string, rec any, text func() error) error {
	if !p.JSON {
		return text()
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &fields); err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	fields["message_type"] = json.RawMessage(`"summary"`)
	fields["command"], _ = json.Marshal(command)
	return p.Record(fields)
}
