package registry

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Pos is a place in a YAML file, for error messages.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return fmt.Sprintf("line %d", p.Line)
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

func posOf(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line, Col: n.Column}
}

// InputError is bad user input (a configuration or definitions file) at a known place.
type InputError struct {
	Pos Pos
	Msg string
}

func (e *InputError) Error() string { return e.Pos.String() + ": " + e.Msg }

func inputErrorf(p Pos, format string, args ...any) error {
	return &InputError{Pos: p, Msg: fmt.Sprintf(format, args...)}
}

// parseYAMLDocument parses one YAML document and returns its root node (nil for an empty file).
func parseYAMLDocument(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlSyntaxError(file, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// yamlSyntaxError turns yaml's "yaml: line N: msg" into file:N: msg.
func yamlSyntaxError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		return inputErrorf(Pos{File: file, Line: line, Col: 1}, "invalid YAML: %s", msg)
	}
	return inputErrorf(Pos{File: file}, "invalid YAML: %s", msg)
}

// mapping is a YAML mapping node with its keys indexed, read with positions.
type mapping struct {
	file string
	node *yaml.Node
	keys map[string]*yaml.Node // key -> value node
	kpos map[string]*yaml.Node // key -> key node
}

func asMapping(file, what string, n *yaml.Node) (*mapping, error) {
	if n.Kind != yaml.MappingNode {
		return nil, inputErrorf(posOf(file, n), "%s must be a mapping, found %s", what, describeNode(n))
	}
	m := &mapping{file: file, node: n, keys: map[string]*yaml.Node{}, kpos: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, inputErrorf(posOf(file, k), "%s: keys must be plain strings", what)
		}
		if prev, dup := m.kpos[k.Value]; dup {
			return nil, inputErrorf(posOf(file, k), "%s: key %q appears twice (first at line %d)", what, k.Value, prev.Line)
		}
		m.keys[k.Value] = v
		m.kpos[k.Value] = k
	}
	return m, nil
}

// allowOnly fails on the first key not in allowed, naming the keys that are.
func (m *mapping) allowOnly(what string, allowed ...string) error {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	for i := 0; i+1 < len(m.node.Content); i += 2 {
		k := m.node.Content[i]
		if !ok[k.Value] {
			sorted := append([]string(nil), allowed...)
			sort.Strings(sorted)
			return inputErrorf(posOf(m.file, k), "unknown key %q in %s; expected one of: %s", k.Value, what, strings.Join(sorted, ", "))
		}
	}
	return nil
}

func (m *mapping) has(key string) bool { _, ok := m.keys[key]; return ok }

func (m *mapping) pos(key string) Pos {
	if v, ok := m.keys[key]; ok {
		return posOf(m.file, v)
	}
	return posOf(m.file, m.node)
}

// decode reads key into out (a pointer). A missing key leaves out unchanged.
func (m *mapping) decode(key string, out any) error {
	v, ok := m.keys[key]
	if !ok || isNull(v) {
		return nil
	}
	if err := v.Decode(out); err != nil {
		return inputErrorf(posOf(m.file, v), "key %q: expected %s, found %s", key, expectedName(out), describeNode(v))
	}
	return nil
}

func (m *mapping) str(key string, out *string) error { return m.decode(key, out) }

// required reads a non-empty string.
func (m *mapping) required(what, key string, out *string) error {
	if err := m.str(key, out); err != nil {
		return err
	}
	if *out == "" {
		return inputErrorf(m.pos(key), "%s: key %q is required (a non-empty string)", what, key)
	}
	return nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

func expectedName(out any) string {
	t := reflect.TypeOf(out).Elem()
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.Map:
		return "a mapping of strings"
	}
	return t.String()
}

// kv pairs a key with where its value goes, for decodeEach.
type kv struct {
	key string
	out any
}

// decodeEach decodes several keys in order, stopping at the first error.
func (m *mapping) decodeEach(fields ...kv) error {
	for _, f := range fields {
		if err := m.decode(f.key, f.out); err != nil {
			return err
		}
	}
	return nil
}
