package ingest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// converter appends a value read as text (CSV) or as decoded JSON to a
// builder. After an error the row is rejected; put keeps the columns aligned.
type converter struct {
	b        array.Builder
	expected string
	text     func(s string) error
	json     func(v any) error // v: nil, bool, json.Number, string, []any, map[string]any
}

var errWrongJSON = errors.New("wrong JSON type")

func newConverter(b array.Builder, t arrow.DataType) (*converter, error) {
	c := &converter{b: b}
	switch bb := b.(type) {
	case *array.Int8Builder:
		c.ints(8, func(v int64) { bb.Append(int8(v)) })
	case *array.Int16Builder:
		c.ints(16, func(v int64) { bb.Append(int16(v)) })
	case *array.Int32Builder:
		c.ints(32, func(v int64) { bb.Append(int32(v)) })
	case *array.Int64Builder:
		c.ints(64, bb.Append)
	case *array.Float32Builder:
		c.floats(32, func(v float64) { bb.Append(float32(v)) })
	case *array.Float64Builder:
		c.floats(64, bb.Append)
	case *array.BooleanBuilder:
		c.expected = "true or false"
		c.text = func(s string) error {
			v, err := strconv.ParseBool(s)
			if err != nil {
				return errors.New("not a boolean")
			}
			bb.Append(v)
			return nil
		}
		c.json = func(v any) error {
			bv, ok := v.(bool)
			if !ok {
				return errWrongJSON
			}
			bb.Append(bv)
			return nil
		}
	case *array.StringBuilder:
		c.strings(bb.Append)
	case *array.LargeStringBuilder:
		c.strings(bb.Append)
	case *array.BinaryBuilder:
		c.expected = "base64-encoded bytes"
		c.text = func(s string) error {
			raw, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return errors.New("not base64")
			}
			bb.Append(raw)
			return nil
		}
		c.json = c.viaString()
	case *array.TimestampBuilder:
		unit := t.(*arrow.TimestampType).Unit
		c.times(func(tm time.Time) error {
			v, err := arrow.TimestampFromTime(tm, unit)
			if err != nil {
				return err
			}
			bb.Append(v)
			return nil
		})
	case *array.Date32Builder:
		c.expected = "a date (YYYY-MM-DD)"
		c.text = func(s string) error {
			tm, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return errors.New("not a date")
			}
			bb.Append(arrow.Date32FromTime(tm))
			return nil
		}
		c.json = c.viaString()
	case *array.ListBuilder:
		elem, err := newConverter(bb.ValueBuilder(), t.(*arrow.ListType).Elem())
		if err != nil {
			return nil, err
		}
		c.list(bb.Append, elem)
	case *array.LargeListBuilder:
		elem, err := newConverter(bb.ValueBuilder(), t.(*arrow.LargeListType).Elem())
		if err != nil {
			return nil, err
		}
		c.list(bb.Append, elem)
	default:
		return nil, fmt.Errorf("type %s cannot be pushed (supported: integers, floats, bool, string, binary, timestamp, date and lists of them)", t)
	}
	return c, nil
}

func (c *converter) ints(bits int, add func(int64)) {
	c.expected = fmt.Sprintf("an integer (%d-bit)", bits)
	c.text = func(s string) error {
		v, err := strconv.ParseInt(s, 10, bits)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("out of range for %d bits", bits)
			}
			return errors.New("not an integer")
		}
		add(v)
		return nil
	}
	c.json = func(v any) error {
		n, ok := v.(json.Number)
		if !ok {
			return errWrongJSON
		}
		return c.text(string(n))
	}
}

func (c *converter) floats(bits int, add func(float64)) {
	c.expected = "a number"
	c.text = func(s string) error {
		v, err := strconv.ParseFloat(s, bits)
		switch {
		case err == nil, errors.Is(err, strconv.ErrRange) && !math.IsInf(v, 0): // too small: rounds to 0
		case errors.Is(err, strconv.ErrRange):
			return fmt.Errorf("out of range for a %d-bit float", bits)
		default:
			return errors.New("not a number")
		}
		add(v)
		return nil
	}
	c.json = func(v any) error {
		switch x := v.(type) {
		case json.Number:
			return c.text(string(x))
		case string: // JSON has no NaN or infinities
			switch strings.ToLower(x) {
			case "nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity":
				return c.text(x)
			}
		}
		return errWrongJSON
	}
}

func (c *converter) strings(add func(string)) {
	c.expected = "a string"
	c.text = func(s string) error { add(s); return nil }
	c.json = func(v any) error {
		s, ok := v.(string)
		if !ok {
			return errWrongJSON
		}
		add(s)
		return nil
	}
}

func (c *converter) viaString() func(any) error {
	return func(v any) error {
		s, ok := v.(string)
		if !ok {
			return errWrongJSON
		}
		return c.text(s)
	}
}

// Time layouts accepted in text, tried in order; without a zone the time is UTC (as Feast).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700",
	time.DateOnly,
}

// ParseTime reads a time as push input may hold it: RFC 3339 / ISO 8601 with
// a T or a space, with or without a zone (none = UTC), or a date.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not a time")
}

// MinTime and MaxTime bound the times feast-go accepts: those whose
// nanoseconds since 1970 fit an int64, as the online store's newer-wins
// comparison keeps them.
var (
	MinTime = time.Unix(0, math.MinInt64).UTC()
	MaxTime = time.Unix(0, math.MaxInt64).UTC()
)

var errTimeRange = fmt.Errorf("out of range (times must fall between %s and %s)", MinTime.Format("2006-01-02"), MaxTime.Format("2006-01-02"))

// inRange refuses times the online store could not compare.
func inRange(t time.Time) error {
	if t.Before(MinTime) || t.After(MaxTime) {
		return errTimeRange
	}
	return nil
}

func (c *converter) times(add func(time.Time) error) {
	c.expected = "a time (RFC 3339, e.g. 2026-11-23T10:00:00Z; no zone = UTC) or epoch seconds"
	add = func(add func(time.Time) error) func(time.Time) error {
		return func(t time.Time) error {
			if err := inRange(t); err != nil {
				return err
			}
			return add(t)
		}
	}(add)
	c.text = func(s string) error {
		t, err := ParseTime(s)
		if err != nil {
			secs, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil {
				return err
			}
			if t, err = epoch(secs); err != nil {
				return err
			}
		}
		return add(t)
	}
	c.json = func(v any) error {
		switch x := v.(type) {
		case string:
			t, err := ParseTime(x)
			if err != nil {
				return err
			}
			return add(t)
		case json.Number:
			secs, err := x.Float64()
			if err != nil {
				return errors.New("not a number")
			}
			t, err := epoch(secs)
			if err != nil {
				return err
			}
			return add(t)
		}
		return errWrongJSON
	}
}

func epoch(secs float64) (time.Time, error) {
	if math.IsNaN(secs) || secs < float64(MinTime.Unix()) || secs > float64(MaxTime.Unix()) {
		return time.Time{}, errTimeRange
	}
	whole, frac := math.Modf(secs)
	return time.Unix(int64(whole), int64(math.Round(frac*1e9))).UTC(), nil
}

func (c *converter) list(start func(bool), elem *converter) {
	c.expected = "a JSON array of " + elem.expected + "s"
	c.json = func(v any) error {
		items, ok := v.([]any)
		if !ok {
			return errWrongJSON
		}
		start(true)
		for i, it := range items {
			if it == nil {
				return fmt.Errorf("element %d: lists cannot hold nulls", i)
			}
			if err := elem.json(it); err != nil {
				return fmt.Errorf("element %d: %w", i, describe(err))
			}
		}
		return nil
	}
	c.text = func(s string) error {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return errors.New("not a JSON array")
		}
		return c.json(v)
	}
}

// put appends one value (nil = null) and keeps the builder one entry longer
// whatever happens, so a bad value never shifts the rows after it.
func (c *converter) put(fromJSON bool, text string, v any) error {
	n := c.b.Len()
	var err error
	switch {
	case fromJSON && v == nil, !fromJSON && text == "":
		c.b.AppendNull()
		return nil
	case fromJSON:
		err = c.json(v)
	default:
		err = c.text(text)
	}
	if err != nil && c.b.Len() == n {
		c.b.AppendNull()
	}
	return describe(err)
}

// describe turns errWrongJSON into a readable reason.
func describe(err error) error {
	if errors.Is(err, errWrongJSON) {
		return errors.New("wrong JSON type")
	}
	return err
}
