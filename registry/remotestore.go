package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/feast-go/feast-go/registry/feastpb"
	"github.com/feast-go/feast-go/registry/feastpb/registrypb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

// RemoteStore is Feast's registry server (registry_type: remote, `feast
// serve_registry`), reached over gRPC, with TLS when the configuration asks
// for it, as Feast's remote registry client does.
//
// The server holds the registry; feast-go lists the project's objects and
// writes object by object. Kinds feast-go does not model are neither read nor
// written. An interval is recorded with the server's own
// ApplyMaterialization, which appends it under the server's lock, so
// concurrent runs lose none. Other changes are applied with the Apply and
// Delete calls of their kind.
type RemoteStore struct {
	cfg     RegistryConfig
	project string

	mu   sync.Mutex
	conn *grpc.ClientConn
}

// remoteCallTimeout bounds every call to the registry server.
const remoteCallTimeout = 60 * time.Second

// OpenRemoteStore returns the store of a registry server. It connects on first use.
func OpenRemoteStore(c RegistryConfig, project string) (*RemoteStore, error) {
	if (c.ClientCert == "") != (c.ClientKey == "") {
		return nil, fmt.Errorf("registry %s: client_cert and client_key go together (mutual TLS); only one is set", c.Path)
	}
	return &RemoteStore{cfg: c, project: project}, nil
}

// Location is the server's address.
func (s *RemoteStore) Location() string { return s.cfg.Path }

// Close closes the connection.
func (s *RemoteStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// client dials the server (lazily: the first call connects).
func (s *RemoteStore) client() (registrypb.RegistryServerClient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		creds, err := s.credentials()
		if err != nil {
			return nil, err
		}
		opts := []grpc.DialOption{grpc.WithTransportCredentials(creds), grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(256 << 20))}
		if s.cfg.Authority != "" {
			opts = append(opts, grpc.WithAuthority(s.cfg.Authority))
		}
		if s.conn, err = grpc.NewClient(s.cfg.Path, opts...); err != nil {
			return nil, fmt.Errorf("registry %s: %w: %v", s.cfg.Path, ErrRegistryUnreadable, err)
		}
	}
	return registrypb.NewRegistryServerClient(s.conn), nil
}

// credentials are plain text, or TLS trusting cert (else SSL_CERT_FILE or
// REQUESTS_CA_BUNDLE, as Feast reads them, else the system's roots), with a
// client certificate for mutual TLS.
func (s *RemoteStore) credentials() (credentials.TransportCredentials, error) {
	c := s.cfg
	if !c.IsTLS && c.Cert == "" {
		return insecure.NewCredentials(), nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	ca := c.Cert
	for _, env := range []string{"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"} {
		if ca == "" {
			ca = os.Getenv(env)
		}
	}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("registry %s: certificate: %w", c.Path, err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("registry %s: certificate %s: no PEM certificate in the file", c.Path, ca)
		}
	}
	if c.ClientCert != "" {
		pair, err := tls.LoadX509KeyPair(c.ClientCert, c.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("registry %s: client certificate: %w", c.Path, err)
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	return credentials.NewTLS(conf), nil
}

// fail names the server and what to check.
func (s *RemoteStore) fail(what string, err error) error {
	return unavailable(s.cfg.Path, what, err, err.Error(), "check that `feast serve_registry` runs there, and the TLS settings: is_tls, cert, client_cert")
}

// read takes a consistent snapshot of the project: Feast's server changes
// its registry in place (ApplyMaterialization removes a view and appends it
// again), so a list taken while another client writes can miss an object.
// Two lists in a row that agree are taken as the registry.
func (s *RemoteStore) read(ctx context.Context) (*feastpb.Registry, error) {
	prev, err := s.list(ctx)
	if err != nil {
		return nil, err
	}
	for range 20 {
		next, err := s.list(ctx)
		if err != nil {
			return nil, err
		}
		if proto.Equal(prev, next) {
			return next, nil
		}
		prev = next
	}
	return nil, fmt.Errorf("registry %s: %w: the registry kept changing while it was read", s.cfg.Path, ErrRegistryUnreadable)
}

// list lists the projects and the project's objects, and sets the project
// on each object, which the server leaves empty.
func (s *RemoteStore) list(ctx context.Context) (*feastpb.Registry, error) {
	c, err := s.client()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, remoteCallTimeout)
	defer cancel()
	pb := &feastpb.Registry{RegistrySchemaVersion: "1"}
	projects, err := c.ListProjects(ctx, &registrypb.ListProjectsRequest{AllowCache: true})
	if err != nil {
		return nil, s.fail("list projects", err)
	}
	pb.Projects = projects.GetProjects()
	if !slices.ContainsFunc(pb.Projects, func(p *feastpb.Project) bool { return p.GetSpec().GetName() == s.project }) {
		return pb, nil
	}
	req := &registrypb.ListRequest{Project: s.project, AllowCache: true} // the server's cache is updated by its own writes
	entities, err := c.ListEntities(ctx, req)
	if err != nil {
		return nil, s.fail("list entities", err)
	}
	sources, err := c.ListDataSources(ctx, req)
	if err != nil {
		return nil, s.fail("list data sources", err)
	}
	views, err := c.ListFeatureViews(ctx, req)
	if err != nil {
		return nil, s.fail("list feature views", err)
	}
	streams, err := c.ListStreamFeatureViews(ctx, req)
	if err != nil {
		return nil, s.fail("list stream feature views", err)
	}
	services, err := c.ListFeatureServices(ctx, req)
	if err != nil {
		return nil, s.fail("list feature services", err)
	}
	for _, e := range entities.GetEntities() {
		if e.Spec != nil {
			e.Spec.Project = s.project
		}
	}
	for _, d := range sources.GetDataSources() {
		d.Project = s.project
	}
	for _, v := range views.GetFeatureViews() {
		if v.Spec != nil {
			v.Spec.Project = s.project
		}
	}
	for _, v := range streams.GetStreamFeatureViews() {
		if v.Spec != nil {
			v.Spec.Project = s.project
		}
	}
	for _, f := range services.GetFeatureServices() {
		if f.Spec != nil {
			f.Spec.Project = s.project
		}
	}
	pb.Entities, pb.DataSources, pb.FeatureViews = entities.GetEntities(), sources.GetDataSources(), views.GetFeatureViews()
	pb.StreamFeatureViews, pb.FeatureServices = streams.GetStreamFeatureViews(), services.GetFeatureServices()
	return pb, nil
}

// Read loads the registry from the server. A server with no project is ErrNoRegistry.
func (s *RemoteStore) Read(ctx context.Context) (*Registry, error) {
	pb, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	r := &Registry{pb: pb}
	if len(r.Projects()) == 0 {
		return nil, fmt.Errorf("registry %s: %w", s.cfg.Path, ErrNoRegistry)
	}
	return r, nil
}

// ErrRemoteUnsupported is a change the registry server has no call for.
var ErrRemoteUnsupported = errors.New("the registry server has no call for this change")

// remoteWriters serializes this process's updates of one registry server.
// Feast 0.67's server, on a file registry, rewrites registry.db in place
// (truncate, write) while its other threads reload the file when its mtime
// changes: concurrent reads and writes can load a half-written registry
// ("Wire format was corrupt") and drop views, with Feast's own clients too.
var remoteWriters sync.Map // address -> *sync.Mutex

// Update reads the registry, runs fn on it, and sends the changes: interval
// appends as ApplyMaterialization, other changes as Apply and Delete calls.
// Updates from this process to one server take turns.
func (s *RemoteStore) Update(ctx context.Context, fn func(*Registry) error) error {
	mu, _ := remoteWriters.LoadOrStore(s.cfg.Path, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	pb, err := s.read(ctx)
	if err != nil {
		return err
	}
	old, err := rowsOf(pb)
	if err != nil {
		return fmt.Errorf("registry %s: %w", s.cfg.Path, err)
	}
	r := &Registry{pb: proto.Clone(pb).(*feastpb.Registry)}
	if write, err := runUpdate(r, fn); !write {
		return err
	}
	changes, err := old.diff(r)
	if err != nil {
		return fmt.Errorf("registry %s: %w", s.cfg.Path, err)
	}
	calls, err := remoteCalls(old, changes)
	if err != nil {
		return fmt.Errorf("registry %s: %w", s.cfg.Path, err)
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	for _, call := range calls {
		cctx, cancel := context.WithTimeout(ctx, remoteCallTimeout)
		err := call.do(cctx, c)
		cancel()
		if err != nil {
			return s.fail(call.what, err)
		}
	}
	return nil
}

// remoteCall is one call to the registry server.
type remoteCall struct {
	what  string
	order int // projects and sources first, services before views on deletion
	do    func(context.Context, registrypb.RegistryServerClient) error
}

// remoteCalls turns row changes into the server's calls, in an order that
// never leaves an object pointing at one that is not there.
func remoteCalls(old *objectRows, changes []rowChange) ([]remoteCall, error) {
	var calls []remoteCall
	for _, ch := range changes {
		if ch.meta {
			continue // the server keeps project metadata itself
		}
		call, err := remoteCallFor(old, ch)
		if err != nil {
			return nil, err
		}
		calls = append(calls, call...)
	}
	slices.SortStableFunc(calls, func(a, b remoteCall) int { return a.order - b.order })
	return calls, nil
}

func remoteCallFor(old *objectRows, ch rowChange) ([]remoteCall, error) {
	name, project := ch.name, ch.project
	what := ch.table.name + " " + name
	if ch.proto == nil { // deletion: services, then views, then entities and sources
		del := map[string]struct {
			order int
			do    func(context.Context, registrypb.RegistryServerClient) error
		}{
			"feature_services": {10, func(ctx context.Context, c registrypb.RegistryServerClient) error {
				_, err := c.DeleteFeatureService(ctx, &registrypb.DeleteFeatureServiceRequest{Name: name, Project: project, Commit: true})
				return err
			}},
			"feature_views": {11, func(ctx context.Context, c registrypb.RegistryServerClient) error {
				_, err := c.DeleteFeatureView(ctx, &registrypb.DeleteFeatureViewRequest{Name: name, Project: project, Commit: true})
				return err
			}},
			"entities": {12, func(ctx context.Context, c registrypb.RegistryServerClient) error {
				_, err := c.DeleteEntity(ctx, &registrypb.DeleteEntityRequest{Name: name, Project: project, Commit: true})
				return err
			}},
			"data_sources": {12, func(ctx context.Context, c registrypb.RegistryServerClient) error {
				_, err := c.DeleteDataSource(ctx, &registrypb.DeleteDataSourceRequest{Name: name, Project: project, Commit: true})
				return err
			}},
		}
		d, ok := del[ch.table.name]
		if ch.table.name == "stream_feature_views" {
			d, ok = del["feature_views"]
		}
		if !ok {
			return nil, fmt.Errorf("deleting %s: %w", what, ErrRemoteUnsupported)
		}
		return []remoteCall{{what: "delete " + what, order: d.order, do: d.do}}, nil
	}
	row := objectRow{table: ch.table, project: project, name: name, proto: ch.proto}
	m, err := row.decode()
	if err != nil {
		return nil, err
	}
	apply := func(order int, do func(context.Context, registrypb.RegistryServerClient) error) []remoteCall {
		return []remoteCall{{what: "apply " + what, order: order, do: do}}
	}
	switch m := m.(type) {
	case *feastpb.Project:
		return apply(0, func(ctx context.Context, c registrypb.RegistryServerClient) error {
			_, err := c.ApplyProject(ctx, &registrypb.ApplyProjectRequest{Project: m, Commit: true})
			return err
		}), nil
	case *feastpb.DataSource:
		return apply(1, func(ctx context.Context, c registrypb.RegistryServerClient) error {
			_, err := c.ApplyDataSource(ctx, &registrypb.ApplyDataSourceRequest{DataSource: m, Project: project, Commit: true})
			return err
		}), nil
	case *feastpb.Entity:
		return apply(1, func(ctx context.Context, c registrypb.RegistryServerClient) error {
			_, err := c.ApplyEntity(ctx, &registrypb.ApplyEntityRequest{Entity: m, Project: project, Commit: true})
			return err
		}), nil
	case *feastpb.FeatureService:
		return apply(3, func(ctx context.Context, c registrypb.RegistryServerClient) error {
			_, err := c.ApplyFeatureService(ctx, &registrypb.ApplyFeatureServiceRequest{FeatureService: m, Project: project, Commit: true})
			return err
		}), nil
	case *feastpb.FeatureView:
		return viewCalls(old, ch, m.GetMeta(), &registrypb.ApplyFeatureViewRequest{BaseFeatureView: &registrypb.ApplyFeatureViewRequest_FeatureView{FeatureView: m}, Project: project, Commit: true}, m)
	case *feastpb.StreamFeatureView:
		return viewCalls(old, ch, m.GetMeta(), &registrypb.ApplyFeatureViewRequest{BaseFeatureView: &registrypb.ApplyFeatureViewRequest_StreamFeatureView{StreamFeatureView: m}, Project: project, Commit: true}, streamAsFeatureView(m))
	}
	return nil, fmt.Errorf("writing %s: %w", what, ErrRemoteUnsupported)
}
