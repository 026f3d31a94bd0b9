package cmd

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/feast-go/feast-go/tracing"
	"github.com/spf13/cast"
	"github.com/spf13/cobra"
	"go.opentelemetry.io/otel/attribute"
)

// Every command's options are one struct whose fields carry `opt:"key"`:
// the flag of that name, FEAST_GO_<KEY> in the environment, <key> (with '_'
// for '-') in the feast_go: section of feature_store.yaml, or the flag's
// default, in that order. load fills them all in one place and converts
// strictly: a value that does not parse, or an int below its `min`, is a
// usage error naming the key and the layer it came from.
//
// Tags: `opt:"name"` or `opt:"name,min=N"` (ints; without min, 0 is the
// smallest value accepted).

// load fills opts, a pointer to an options struct, from e.V.
func (e *Env) load(opts any) error {
	rv := reflect.ValueOf(opts).Elem()
	rt := rv.Type()
	for i := range rt.NumField() {
		if rt.Field(i).Anonymous && rt.Field(i).Type.Kind() == reflect.Struct { // shared options, embedded
			if err := e.load(rv.Field(i).Addr().Interface()); err != nil {
				return err
			}
			continue
		}
		tag, ok := rt.Field(i).Tag.Lookup("opt")
		if !ok {
			continue
		}
		key, rule, _ := strings.Cut(tag, ",")
		if err := e.loadField(rv.Field(i), key, rule); err != nil {
			return usageErrorf("%s: %v", e.origin(key), err)
		}
	}
	return nil
}

func (e *Env) loadField(f reflect.Value, key, rule string) error {
	raw := e.V.Get(key)
	switch f.Interface().(type) {
	case string:
		s, err := cast.ToStringE(raw)
		f.SetString(s)
		return err
	case bool:
		b, err := cast.ToBoolE(raw)
		if err != nil {
			return fmt.Errorf("%v: expected true or false", raw)
		}
		f.SetBool(b)
	case int:
		n, err := cast.ToIntE(raw)
		if err != nil {
			return fmt.Errorf("%v: expected a whole number", raw)
		}
		lowest := 0
		if m, ok := strings.CutPrefix(rule, "min="); ok {
			lowest, _ = strconv.Atoi(m)
		}
		if n < lowest {
			return fmt.Errorf("%d: expected %d or more", n, lowest)
		}
		f.SetInt(int64(n))
	case uint64:
		n, err := cast.ToUint64E(raw)
		if err != nil {
			return fmt.Errorf("%v: expected a whole number", raw)
		}
		f.SetUint(n)
	case time.Duration:
		d, err := cast.ToDurationE(raw)
		if err != nil || d < 0 {
			return fmt.Errorf("%v: expected a duration such as 15s or 5m", raw)
		}
		f.SetInt(int64(d))
	case []string:
		f.Set(reflect.ValueOf(stringList(raw)))
	case []int:
		var out []int
		for _, s := range stringList(raw) {
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("%q: expected whole numbers separated by commas", s)
			}
			if n <= 0 {
				return fmt.Errorf("%d is not a positive size", n)
			}
			out = append(out, n)
		}
		f.Set(reflect.ValueOf(out))
	default:
		panic(fmt.Sprintf("options: key %q has an unsupported type %s", key, f.Type()))
	}
	return nil
}

// stringList reads a list given as a list (flags, YAML), items as they are,
// or as one string with commas (the environment, YAML scalars).
func stringList(raw any) []string {
	var items []string
	switch v := raw.(type) {
	case nil:
		return nil
	case string:
		items = strings.Split(v, ",")
	default:
		items = cast.ToStringSlice(v)
	}
	out := make([]string, 0, len(items))
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// origin names where key's value came from, for errors.
func (e *Env) origin(key string) string {
	if e.cmd != nil {
		if fl := e.cmd.Flags().Lookup(key); fl != nil && fl.Changed {
			return "--" + key
		}
	}
	env := "FEAST_GO_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
	if _, ok := e.LookupEnv(env); ok {
		return env
	}
	if e.cfg != nil {
		if _, ok := e.cfg.FeastGo[strings.ReplaceAll(key, "-", "_")]; ok {
			return e.cfg.Path + ": feast_go." + strings.ReplaceAll(key, "-", "_")
		}
	}
	return "--" + key
}

// command wires a command's RunE: load the options, let args fill the
// positional ones, then hand them to the test seam (Env.runF) or to run.
func command[O any](e *Env, opts *O, args func(*O, []string), run func(context.Context, *Env, *O) error) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, a []string) error {
		if err := e.load(opts); err != nil {
			return err
		}
		if args != nil {
			args(opts, a)
		}
		if e.runF != nil {
			return e.runF(c.Context(), c.Name(), opts)
		}
		ctx, span := tracing.Start(c.Context(), "feast-go "+c.Name(), attribute.String("feast.project", e.project()))
		err := run(ctx, e, opts)
		tracing.End(span, err)
		return err
	}
}
