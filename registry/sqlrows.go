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

// sqlRow is one object row of a SQL registry.
type sqlRow struct {
	table         *sqlTable
	project, name string
	proto         []byte
}

// sqlRows is what a SQL registry holds: its object rows, in table order,
// and each project's project_uuid from feast_metadata.
type sqlRows struct {
	rows  []sqlRow
	uuids map[string]string
}

func (r *sqlRows) empty() bool { return len(r.rows) == 0 && len(r.uuids) == 0 }

// readRows reads every object row, locking them when lock is set.
func (s *SQLStore) readRows(ctx context.Context, tx *sql.Tx, lock bool) (*sqlRows, error) {
	out := &sqlRows{uuids: map[string]string{}}
	suffix := ""
	if lock {
		suffix = s.forUpdate()
	}
	for i := range objectTables {
		t := &objectTables[i]
		q := "SELECT " + t.idCol + ", project_id, " + t.protoCol + " FROM " + t.name + " ORDER BY project_id, " + t.idCol + suffix
		if err := s.scan(ctx, tx, q, nil, func(a, b string, c []byte) {
			out.rows = append(out.rows, sqlRow{table: t, name: a, project: b, proto: c})
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

// registry assembles the rows into one Registry, as Feast's SqlRegistry.proto()
// does: each object carries the project of its row.
func (r *sqlRows) registry() (*Registry, error) {
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
func (row sqlRow) decode() (proto.Message, error) {
	var m proto.Message
	switch row.table.field {
	case 17:
		m = &feastpb.Project{}
	case 1:
		m = &feastpb.Entity{}
	case 6:
		m = &feastpb.FeatureView{}
	case 12:
		m = &feastpb.DataSource{}
	case 14:
		m = &feastpb.StreamFeatureView{}
	case 7:
		m = &feastpb.FeatureService{}
	default:
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
	table         *sqlTable
	project, name string
	proto         []byte
	exists        bool
	meta          bool
}

type rowKey struct{ table, project, name string }

// diff lists the rows to write so that the database holds r.
func (r *sqlRows) diff(reg *Registry) ([]rowChange, error) {
	old := map[rowKey]sqlRow{}
	for _, row := range r.rows {
		old[rowKey{row.table.name, row.project, row.name}] = row
	}
	seen := map[rowKey]bool{}
	var out []rowChange
	add := func(tableName, project, name string, m proto.Message) error {
		t := tableNamed(tableName)
		k := rowKey{tableName, project, name}
		if seen[k] {
			return fmt.Errorf("two %s named %q in project %q", tableName, name, project)
		}
		seen[k] = true
		prev, exists := old[k]
		if exists {
			pm, err := prev.decode()
			if err != nil {
				return err
			}
			if proto.Equal(pm, m) {
				return nil
			}
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode %s %q: %w", tableName, name, err)
		}
		out = append(out, rowChange{table: t, project: project, name: name, proto: b, exists: exists})
		return nil
	}
	pb := reg.pb
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
	if err != nil {
		return nil, err
	}
	// Kinds feast-go does not model come back as the bytes they were read as.
	kept, err := unmodeledRows(pb.ProtoReflect().GetUnknown(), r.rows)
	if err != nil {
		return nil, err
	}
	for k := range kept {
		seen[k] = true
	}
	for _, row := range r.rows {
		if k := (rowKey{row.table.name, row.project, row.name}); !seen[k] {
			out = append(out, rowChange{table: row.table, project: row.project, name: row.name})
		}
	}
	for _, m := range pb.ProjectMetadata {
		if _, ok := r.uuids[m.GetProject()]; !ok && m.GetProject() != "" {
			out = append(out, rowChange{table: &sqlTable{name: "feast_metadata"}, project: m.GetProject(), name: metaProjectUUID, proto: []byte(m.GetProjectUuid()), meta: true})
		}
	}
	return out, nil
}

// unmodeledRows matches the registry's unknown fields to the rows they were
// read from. A new object of such a kind is refused: feast-go cannot name it.
func unmodeledRows(unknown []byte, rows []sqlRow) (map[rowKey]bool, error) {
	kept := map[rowKey]bool{}
	for len(unknown) > 0 {
		num, typ, n := protowire.ConsumeTag(unknown)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		unknown = unknown[n:]
		m := protowire.ConsumeFieldValue(num, typ, unknown)
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		value := unknown[:m]
		unknown = unknown[m:]
		t := tableOfField(num)
		if t == nil {
			continue // a field with no table (infra, feature tables): not kept in SQL
		}
		b, _ := protowire.ConsumeBytes(value)
		found := false
		for _, row := range rows {
			k := rowKey{row.table.name, row.project, row.name}
			if row.table == t && !kept[k] && bytes.Equal(row.proto, b) {
				kept[k], found = true, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("a new %s object cannot be written by feast-go; apply it with Feast", t.name)
		}
	}
	return kept, nil
}

func tableNamed(name string) *sqlTable {
	for i := range objectTables {
		if objectTables[i].name == name {
			return &objectTables[i]
		}
	}
	return nil
}

func tableOfField(num protowire.Number) *sqlTable {
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
