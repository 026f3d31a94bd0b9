package onlinestore

import "context"

// WriteWithRiders writes rows, then, in a second write, the riders of the
// rows the first took: for stores with no way to write both in one command.
// When the first write cannot tell which rows it skipped, no rider is
// written; the caller then knows of none that it landed.
func WriteWithRiders(ctx context.Context, write func(context.Context, View, []Row) (WriteStats, error), v View, rows []Row) (WriteStats, error) {
	rider := v.Rider
	v.Rider = nil
	st, err := write(ctx, v, rows)
	if err != nil || rider == nil || !st.Landed() {
		return st, err
	}
	riders := make([]Row, 0, len(rows)-len(st.Older))
	older := st.Older
	for i := range rows {
		if len(older) > 0 && older[0] == i {
			older = older[1:]
			continue
		}
		if rows[i].Rider == nil {
			continue
		}
		r := *rows[i].Rider
		r.Key = rows[i].Key
		riders = append(riders, r)
	}
	if len(riders) > 0 {
		if _, err := write(ctx, *rider, riders); err != nil {
			return st, err
		}
	}
	return st, nil
}
