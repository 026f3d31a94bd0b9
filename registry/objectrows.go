package registry

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/feast-go/feast-go/registry/feastpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// objectRow is one object of a registry, as a SQL registry stores it: its
// kind's table, project, name and serialized proto. The SQL and remote stores
// both write a registry object by object, from the rows' diff.
type objectRow struct {
	table         *objectTable
	project, name string
	proto         []byte
}

// objectRows is what a registry holds object by object, in table order, and
// each project's project_uuid (feast_metadata in SQL).
type objectRows struct {
	rows  []objectRow
	uuids map[string]string
}

func (r *objectRows) empty() bool { return len(r.rows) == 0 && len(r.uuids) == 0 }

// readRows reads every object row, locking them when lock is set.
func (s *SQLStore) readRows(ctx context.Context, tx *sql.Tx, lock bool) (*objectRows, error) {
	out := &objectRows{uuids: map[string]string{}}
	suffix := ""
	if lock {
		suffix = s.forUpdate()
	}
	for i := range objectTables {
		t := &objectTables[i]
		q := "SELECT " + t.idCol + ", project_id, " + t.protoCol + " FROM " + t.name + " ORDER BY project_id, " + t.idCol + suffix
		if err := s.scan(ctx, tx, q, nil, func(a, b string, c []byte) {
			out.rows = append(out.rows, objectRow{table: t, name: a, project: b, proto: c})
		}); err != nil {
			return nil, s.fail("read "+t.name, err)
		}
	}
	q := s.q("SELECT project_id, metadata_value, NULL FROM feast_metadata WHERE metadata_key = ?" + suffix)
	if err := s.scan(ctx, tx, q, []any{metaProjectUUID}, func(a, b string, _ []byte) { out.uuids[a] = b }); err != nil {
		return nil, s.fail("read feast_metadata", err)
	}
	return out, nil
}

func (s *SQLStore) scan(ctx context.Context, tx *sql.Tx, q string, args []any, each func(a, b string, c []byte)) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var a, b string
		var c []byte
		if err := rows.Scan(&a, &b, &c); err != nil {
			return err
		}
		each(a, b, c)
	}
	return rows.Err()
}

// rowsOf splits a registry into rows. Objects of kinds feast-go does not
// model keep their bytes and no name: diff matches them by their bytes.
func rowsOf(pb *feastpb.Registry) (*objectRows, error) {
	out := &objectRows{uuids: map[string]string{}}
	add := func(table, project, name string, m proto.Message) error {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode %s %q: %w", table, name, err)
		}
		out.rows = append(out.rows, objectRow{table: tableNamed(table), project: project, name: name, proto: b})
		return nil
	}
	var err error
	for _, p := range pb.Projects {
		err = firstErr(err, add("projects", p.GetSpec().GetName(), p.GetSpec().GetName(), p))
	}
	for _, e := range pb.Entities {
		err = firstErr(err, add("entities", e.GetSpec().GetProject(), e.GetSpec().GetName(), e))
	}
	for _, v := range pb.FeatureViews {
		err = firstErr(err, add("feature_views", v.GetSpec().GetProject(), v.GetSpec().GetName(), v))
	}
	for _, d := range pb.DataSources {
		err = firstErr(err, add("data_sources", d.GetProject(), d.GetName(), d))
	}
	for _, v := range pb.StreamFeatureViews {
		err = firstErr(err, add("stream_feature_views", v.GetSpec().GetProject(), v.GetSpec().GetName(), v))
	}
	for _, f := range pb.FeatureServices {
		err = firstErr(err, add("feature_services", f.GetSpec().GetProject(), f.GetSpec().GetName(), f))
	}
	for _, m := range pb.ProjectMetadata {
		out.uuids[m.GetProject()] = m.GetProjectUuid()
	}
	unknown := pb.ProtoReflect().GetUnknown()
	for len(unknown) > 0 {
		num, typ, n := protowire.ConsumeTag(unknown)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, unknown[n:])
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		if t := tableOfField(num); t != nil && typ == protowire.BytesType {
			b, _ := protowire.ConsumeBytes(unknown[n : n+m])
			out.rows = append(out.rows, objectRow{table: t, proto: b})
		}
		unknown = unknown[n+m:]
	}
	return out, err
}

// registry assembles the rows into one Registry, as Feast's SqlRegistry.proto()
// does: each object carries the project of its row.
func (r *objectRows) registry() (*Registry, error) {
	pb := &feastpb.Registry{RegistrySchemaVersion: "1"}
	var unknown []byte
	for _, row := range r.rows {
		m, err := row.decode()
		if err != nil {
			return nil, err
		}
		switch m := m.(type) {
		case *feastpb.Project:
			pb.Projects = append(pb.Projects, m)
		case *feastpb.Entity:
			pb.Entities = append(pb.Entities, m)
		case *feastpb.FeatureView:
			pb.FeatureViews = append(pb.FeatureViews, m)
		case *feastpb.DataSource:
			pb.DataSources = append(pb.DataSources, m)
		case *feastpb.StreamFeatureView:
			pb.StreamFeatureViews = append(pb.StreamFeatureViews, m)
		case *feastpb.FeatureService:
			pb.FeatureServices = append(pb.FeatureServices, m)
		default: // a kind feast-go does not model: kept as bytes
			unknown = protowire.AppendTag(unknown, row.table.field, protowire.BytesType)
			unknown = protowire.AppendBytes(unknown, row.proto)
		}
	}
	projects := make([]string, 0, len(r.uuids))
	for p := range r.uuids {
		projects = append(projects, p)
	}
	sort.Strings(projects)
	for _, p := range projects {
		pb.ProjectMetadata = append(pb.ProjectMetadata, &feastpb.ProjectMetadata{Project: p, ProjectUuid: r.uuids[p]})
	}
	pb.ProtoReflect().SetUnknown(unknown)
	return &Registry{pb: pb}, nil
}

// decode parses a row of a modeled kind (nil for the others), with the row's
// project set on it. A row that does not parse names its table and key.
func (row objectRow) decode() (proto.Message, error) {
	m := row.table.newObject()
	if m == nil {
		return nil, nil
	}
	if err := proto.Unmarshal(row.proto, m); err != nil {
		return nil, fmt.Errorf("%s row %q of project %q: %w: %v (the row is not a serialized %s; restore it from a backup or re-run `feast apply`)",
			row.table.name, row.name, row.project, ErrRegistryUnreadable, err, m.ProtoReflect().Descriptor().FullName())
	}
	switch m := m.(type) {
	case *feastpb.Entity:
		if m.Spec != nil {
			m.Spec.Project = row.project
		}
	case *feastpb.FeatureView:
		if m.Spec != nil {
			m.Spec.Project = row.project
		}
	case *feastpb.DataSource:
		m.Project = row.project
	case *feastpb.StreamFeatureView:
		if m.Spec != nil {
			m.Spec.Project = row.project
		}
	case *feastpb.FeatureService:
		if m.Spec != nil {
			m.Spec.Project = row.project
		}
	}
	return m, nil
}

// rowChange is one row to write: proto nil deletes it; meta inserts a
// project_uuid into feast_metadata.
type rowChange struct {
	table         *objectTable
	project, name string
	proto         []byte
	exists        bool
	meta          bool
}

type rowKey struct{ table, project, name string }

// diff lists the rows to write so that the store holds reg. Objects of
// kinds feast-go does not model must come back as the bytes they were read as.
func (r *objectRows) diff(reg *Registry) ([]rowChange, error) {
	next, err := rowsOf(reg.pb)
	if err != nil {
		return nil, err
	}
	old := map[rowKey]objectRow{}
	for _, row := range r.rows {
		old[row.key()] = row
	}
	seen := map[rowKey]bool{}
	var out []rowChange
	for _, row := range next.rows {
		if !row.table.modeled() {
			k, ok := r.match(row, seen)
			if !ok {
				return nil, fmt.Errorf("a new %s object cannot be written by feast-go; apply it with Feast", row.table.name)
			}
			seen[k] = true
			continue
		}
		k := row.key()
		if seen[k] {
			return nil, fmt.Errorf("two %s named %q in project %q", row.table.name, row.name, row.project)
		}
		seen[k] = true
		prev, exists := old[k]
		if exists {
			pm, err := prev.decode()
			if err != nil {
				return nil, err
			}
			nm, err := row.decode()
			if err != nil {
				return nil, err
			}
			if proto.Equal(pm, nm) {
				continue
			}
		}
		out = append(out, rowChange{table: row.table, project: row.project, name: row.name, proto: row.proto, exists: exists})
	}
	for _, row := range r.rows {
		if !seen[row.key()] {
			out = append(out, rowChange{table: row.table, project: row.project, name: row.name})
		}
	}
	for p, uuid := range next.uuids {
		if _, ok := r.uuids[p]; !ok && p != "" {
			out = append(out, rowChange{table: &objectTable{name: "feast_metadata"}, project: p, name: metaProjectUUID, proto: []byte(uuid), meta: true})
		}
	}
	return out, nil
}

// match finds the old row of an unmodeled object by its bytes.
func (r *objectRows) match(row objectRow, taken map[rowKey]bool) (rowKey, bool) {
	for _, o := range r.rows {
		if k := o.key(); o.table == row.table && !taken[k] && bytes.Equal(o.proto, row.proto) {
			return k, true
		}
	}
	return rowKey{}, false
}

func (row objectRow) key() rowKey {
	if row.table.modeled() || row.name != "" {
		return rowKey{row.table.name, row.project, row.name}
	}
	return rowKey{row.table.name, "", string(row.proto)} // unnamed: its bytes are its identity
}

// newObject is an empty message of the table's kind, nil for a kind
// feast-go does not model.
func (t *objectTable) newObject() proto.Message {
	switch t.field {
	case 17:
		return &feastpb.Project{}
	case 1:
		return &feastpb.Entity{}
	case 6:
		return &feastpb.FeatureView{}
	case 12:
		return &feastpb.DataSource{}
	case 14:
		return &feastpb.StreamFeatureView{}
	case 7:
		return &feastpb.FeatureService{}
	}
	return nil
}

// modeled reports whether feast-go decodes the table's objects.
func (t *objectTable) modeled() bool { return t.newObject() != nil }

func tableNamed(name string) *objectTable {
	for i := range objectTables {
		if objectTables[i].name == name {
			return &objectTables[i]
		}
	}
	return nil
}

func tableOfField(num protowire.Number) *objectTable {
	for i := range objectTables {
		if objectTables[i].field == num {
			return &objectTables[i]
		}
	}
	return nil
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
