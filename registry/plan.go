package registry

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Action is what apply does to one object.
type Action string

// Actions, in the order a plan lists them.
const (
	ActionAdd    Action = "add"
	ActionChange Action = "change"
	ActionRemove Action = "remove"
)

// Object kinds, in the order a plan lists them.
const (
	KindEntity         = "entity"
	KindDataSource     = "data source"
	KindFeatureView    = "feature view"
	KindFeatureService = "feature service"
)

// Change is one object apply adds, changes or removes.
type Change struct {
	Kind   string        `json:"kind"`
	Name   string        `json:"name"`
	Action Action        `json:"action"`
	Fields []FieldChange `json:"fields,omitempty"`
}

// FieldChange is one attribute of a changed object.
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Plan is what apply will do (or did) to a project.
type Plan struct {
	Project   string   `json:"project"`
	Registry  string   `json:"registry"`
	Changes   []Change `json:"changes"`
	Unchanged int      `json:"unchanged"`
	Warnings  []string `json:"warnings,omitempty"`
	DryRun    bool     `json:"dry_run"`
	Applied   bool     `json:"applied"`

	// RemovedViews are the feature views apply removes, whose online rows the
	// caller cleans up.
	RemovedViews []*FeatureView `json:"-"`
}

// Counts returns how many objects are added, changed and removed.
func (p *Plan) Counts() (add, change, remove int) {
	for _, c := range p.Changes {
		switch c.Action {
		case ActionAdd:
			add++
		case ActionChange:
			change++
		case ActionRemove:
			remove++
		}
	}
	return
}

// HasChanges reports whether the plan changes anything.
func (p *Plan) HasChanges() bool { return len(p.Changes) > 0 }

// WriteText prints the plan for people, like `feast plan`.
func (p *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Project %s, registry %s\n\n", p.Project, p.Registry)
	if !p.HasChanges() {
		b.WriteString("No changes: the registry matches the definitions.\n")
	}
	for _, c := range p.Changes {
		sign := map[Action]string{ActionAdd: "+", ActionChange: "~", ActionRemove: "-"}[c.Action]
		fmt.Fprintf(&b, "%s %s %s\n", sign, c.Kind, c.Name)
		for _, f := range c.Fields {
			fmt.Fprintf(&b, "    %s: %s -> %s\n", f.Field, f.From, f.To)
		}
	}
	add, change, remove := p.Counts()
	fmt.Fprintf(&b, "\n%d to add, %d to change, %d to remove, %d unchanged.\n", add, change, remove, p.Unchanged)
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "Warning: %s\n", w)
	}
	switch {
	case p.DryRun:
		b.WriteString("Dry run: nothing was written.\n")
	case p.Applied:
		b.WriteString("Applied.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// MarshalJSON always emits changes as a list.
func (p *Plan) MarshalJSON() ([]byte, error) {
	type plain Plan
	q := *p
	if q.Changes == nil {
		q.Changes = []Change{}
	}
	return json.Marshal((*plain)(&q))
}

// attr is one comparable attribute of an object, rendered as text.
// attr is one compared field of an object.
type attr struct{ name, value string }

// redactedAttrs are the fields that can hold secrets, and how the plan prints
// them: the values are compared as they are, and printed redacted.
var redactedAttrs = map[string]func(string) string{
	"endpoint": RedactURI, "warehouse": RedactURI, "catalog_properties": redactMapText,
}

func (a attr) display() string {
	name := a.name[strings.LastIndexByte(a.name, '.')+1:] // batch_source.endpoint is an endpoint too
	if redact := redactedAttrs[name]; redact != nil {
		return redact(a.value)
	}
	return a.value
}

// redactMapText redacts the secret values of a map printed by mapText.
func redactMapText(s string) string {
	inner, ok := strings.CutPrefix(s, "{")
	if inner, ok2 := strings.CutSuffix(inner, "}"); ok && ok2 && inner != "" {
		parts := strings.Split(inner, ", ")
		for i, p := range parts {
			if k, _, isKV := strings.Cut(p, "="); isKV && IsSecretKey(k) {
				parts[i] = k + "=" + Redacted
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return s
}

func fieldList(fs []Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Name + ":" + DtypeName(f.Type)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func mapText(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func ttlText(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	return d.String()
}

func common(desc, owner string, tags map[string]string) []attr {
	return []attr{{"description", fmt.Sprintf("%q", desc)}, {"owner", fmt.Sprintf("%q", owner)}, {"tags", mapText(tags)}}
}

func (e *Entity) attrs() []attr {
	vt := "unset"
	if e.ValueType != 0 {
		vt = e.ValueType.String()
	}
	return append([]attr{{"join_key", e.JoinKey}, {"value_type", vt}}, common(e.Description, e.Owner, e.Tags)...)
}

func (ds *DataSource) attrs() []attr {
	a := []attr{
		{"type", ds.Type.String()}, {"timestamp_field", ds.TimestampField},
		{"created_timestamp_column", ds.CreatedTimestampColumn}, {"date_partition_column", ds.DatePartitionColumn},
		{"field_mapping", mapText(ds.FieldMapping)},
	}
	if o := ds.Iceberg; o != nil {
		a = append(a, attr{"catalog_type", o.CatalogType}, attr{"catalog_name", o.CatalogName},
			attr{"endpoint", o.Endpoint}, attr{"warehouse", o.Warehouse}, attr{"namespace", o.Namespace},
			attr{"table", o.Table}, attr{"token_env_var", o.TokenEnvVar},
			attr{"credential_vending", fmt.Sprint(o.CredentialVending)}, attr{"catalog_properties", mapText(o.CatalogProperties)})
	}
	if ds.Type == SourcePush {
		a = append(a, attr{"batch_source", ds.BatchSource.DisplayName()})
		a = append(a, embedded("batch_source", ds.BatchSource)...)
	}
	return append(a, common(ds.Description, ds.Owner, ds.Tags)...)
}

// embedded are the fields of a source another object holds a copy of (Feast
// embeds a view's sources in the view, and a push source's batch source in
// it): a changed source changes every object holding it, so that one apply
// rewrites them all and none keeps reading the old table.
func embedded(prefix string, ds *DataSource) []attr {
	if ds == nil {
		return nil
	}
	var out []attr
	for _, a := range ds.attrs() {
		out = append(out, attr{prefix + "." + a.name, a.value})
	}
	return out
}

func (fv *FeatureView) attrs() []attr {
	return append([]attr{
		{"kind", map[bool]string{false: "FeatureView", true: "StreamFeatureView"}[fv.Stream]},
		{"entities", "[" + strings.Join(fv.Entities, ", ") + "]"}, {"entity_columns", fieldList(fv.EntityColumns)},
		{"features", fieldList(fv.Features)}, {"ttl", ttlText(fv.TTL)}, {"online", fmt.Sprint(fv.Online)},
		{"offline", fmt.Sprint(fv.Offline)}, {"enabled", fmt.Sprint(!fv.Disabled)},
		{"batch_source", fv.BatchSource.DisplayName()}, {"stream_source", fv.StreamSource.DisplayName()},
	}, slices.Concat(embedded("batch_source", fv.BatchSource), embedded("stream_source", fv.StreamSource),
		common(fv.Description, fv.Owner, fv.Tags))...)
}

func (p Projection) String() string {
	s := p.View
	if p.Alias != "" {
		s += " as " + p.Alias
	}
	s += fieldList(p.Features)
	if len(p.JoinKeyMap) > 0 {
		s += " join_key_map " + mapText(p.JoinKeyMap)
	}
	return s
}

func (fs *FeatureService) attrs() []attr {
	parts := make([]string, len(fs.Projections))
	for i, p := range fs.Projections {
		parts[i] = p.String()
	}
	return append([]attr{{"features", strings.Join(parts, "; ")}, {"precompute_online", fmt.Sprint(fs.PrecomputeOnline)}},
		common(fs.Description, fs.Owner, fs.Tags)...)
}

func diffAttrs(from, to []attr) []FieldChange {
	old := map[string]attr{}
	for _, a := range from {
		old[a.name] = a
	}
	var out []FieldChange
	for _, a := range to {
		if prev, ok := old[a.name]; !ok || prev.value != a.value {
			out = append(out, FieldChange{Field: a.name, From: prev.display(), To: a.display()})
		}
	}
	return out
}

type attrObject interface{ attrs() []attr }

// diffKind compares one kind of object by name, returning changes sorted by name.
func diffKind[T attrObject](kind string, current, desired []T, name func(T) string) (changes []Change, unchanged int) {
	cur := map[string]T{}
	for _, c := range current {
		cur[name(c)] = c
	}
	want := map[string]bool{}
	for _, d := range desired {
		want[name(d)] = true
		c, ok := cur[name(d)]
		if !ok {
			changes = append(changes, Change{Kind: kind, Name: name(d), Action: ActionAdd})
			continue
		}
		if f := diffAttrs(c.attrs(), d.attrs()); len(f) > 0 {
			changes = append(changes, Change{Kind: kind, Name: name(d), Action: ActionChange, Fields: f})
		} else {
			unchanged++
		}
	}
	for _, c := range current {
		if !want[name(c)] {
			changes = append(changes, Change{Kind: kind, Name: name(c), Action: ActionRemove})
		}
	}
	slices.SortFunc(changes, func(a, b Change) int { return cmp.Compare(a.Name, b.Name) })
	return changes, unchanged
}

// Diff plans the changes that turn current into desired.
func Diff(current, desired *Objects) *Plan {
	p := &Plan{Project: desired.Project}
	collect := func(ch []Change, n int) {
		p.Changes = append(p.Changes, ch...)
		p.Unchanged += n
	}
	// Feast registers a placeholder entity for entityless views in every project; it is Feast's, not the user's.
	userEntities := slices.DeleteFunc(slices.Clone(current.Entities), func(e *Entity) bool { return e.Name == DummyEntityName })
	collect(diffKind(KindEntity, userEntities, desired.Entities, func(e *Entity) string { return e.Name }))
	collect(diffKind(KindDataSource, current.DataSources, desired.DataSources, func(d *DataSource) string { return d.Name }))
	collect(diffKind(KindFeatureView, current.FeatureViews, desired.FeatureViews, func(f *FeatureView) string { return f.Name }))
	collect(diffKind(KindFeatureService, current.FeatureServices, desired.FeatureServices, func(f *FeatureService) string { return f.Name }))
	for _, c := range p.Changes {
		if c.Kind == KindFeatureView && c.Action == ActionRemove {
			fv, _ := current.FeatureView(c.Name)
			p.RemovedViews = append(p.RemovedViews, fv)
		}
	}
	p.Warnings = staleVectorWarnings(p, current, desired)
	return p
}

// staleVectorWarnings names the precomputed services whose stored vectors no
// longer match after this plan, and the command that rebuilds them.
func staleVectorWarnings(p *Plan, current, desired *Objects) []string {
	changed := map[string]map[string]bool{}
	for _, c := range p.Changes {
		if changed[c.Kind] == nil {
			changed[c.Kind] = map[string]bool{}
		}
		for _, f := range c.Fields {
			if f.Field == "features" || f.Field == "entity_columns" || f.Field == "precompute_online" {
				changed[c.Kind][c.Name] = true
			}
		}
	}
	var out []string
	for _, fs := range desired.FeatureServices {
		if !fs.PrecomputeOnline {
			continue
		}
		if _, err := current.FeatureService(fs.Name); err != nil {
			out = append(out, fmt.Sprintf("feature service %q has no precomputed vectors yet: run `feast-go precompute %s` (or materialize)", fs.Name, fs.Name))
			continue
		}
		stale := changed[KindFeatureService][fs.Name]
		for _, pr := range fs.Projections {
			stale = stale || changed[KindFeatureView][pr.View]
		}
		if stale {
			out = append(out, fmt.Sprintf("the precomputed vectors of feature service %q no longer match its schema: run `feast-go precompute %s` (or materialize)", fs.Name, fs.Name))
		}
	}
	return out
}
