package catalog

import (
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// TimeReader returns a function reading row i of a timestamp or date column
// as a UTC time (ok false for null). Arrow timestamps hold UTC instants in any
// unit; a timestamp without a zone is taken as UTC, as Feast does; a date is
// midnight UTC of that day.
func TimeReader(col arrow.Array) (func(i int) (time.Time, bool), error) {
	switch c := col.(type) {
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		return func(i int) (time.Time, bool) {
			if c.IsNull(i) {
				return time.Time{}, false
			}
			return c.Value(i).ToTime(unit).UTC(), true
		}, nil
	case *array.Date32:
		return func(i int) (time.Time, bool) {
			if c.IsNull(i) {
				return time.Time{}, false
			}
			return c.Value(i).ToTime().UTC(), true
		}, nil
	case *array.Date64:
		return func(i int) (time.Time, bool) {
			if c.IsNull(i) {
				return time.Time{}, false
			}
			return c.Value(i).ToTime().UTC(), true
		}, nil
	}
	return nil, fmt.Errorf("column of type %s is not a timestamp or date", col.DataType())
}
