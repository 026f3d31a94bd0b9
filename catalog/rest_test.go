package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	icecat "github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/catalog/rest"
	"github.com/apache/iceberg-go/table"
	"github.com/feast-go/feast-go/internal/icebergtest"
	"github.com/feast-go/feast-go/internal/testenv"
	"github.com/feast-go/feast-go/registry"
)

// TestRESTCatalogLoadsOnce runs against Apache Iceberg's own REST catalog
// server: 20 feature views over 3 tables make exactly one catalog load and
// three table loads, counted at the HTTP transport.
func TestRESTCatalogLoadsOnce(t *testing.T) {
	uri, wh := testenv.IcebergREST(t)
	ctx := context.Background()

	// Create the tables through the same server with a separate client.
	writer, err := rest.NewCatalog(ctx, "rest", uri, rest.WithWarehouseLocation(wh))
	if err != nil {
		t.Fatal(err)
	}
	if err := writer.CreateNamespace(ctx, table.Identifier{"feast"}, nil); err != nil && !errors.Is(err, icecat.ErrNamespaceAlreadyExists) {
		t.Fatal(err)
	}
	isc, err := table.ArrowSchemaToIcebergWithFreshIDs(statsSchema, false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		tbl, err := writer.CreateTable(ctx, table.Identifier{"feast", fmt.Sprintf("t%d", i)}, isc)
		if err != nil {
			t.Fatal(err)
		}
		icebergtest.Append(t, tbl, statsRows(0, 24, 5, -1))
	}

	cache := NewCache()
	defer func() { _ = cache.Close() }()
	for i := range 20 {
		src := &registry.DataSource{
			Name: "s", Type: registry.SourceIceberg, TimestampField: "event_timestamp", CreatedTimestampColumn: "created",
			Iceberg: &registry.IcebergOptions{CatalogType: "rest", CatalogName: "rest", Endpoint: uri, Warehouse: wh,
				Namespace: "feast", Table: fmt.Sprintf("t%d", i%3)},
		}
		cfg, err := ConfigFor(src, t.TempDir(), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := cache.ScanView(ctx, statsView(src), cfg, base, base.Add(5*3600e9), ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := drain(t, vs).rows; got != 30 {
			t.Fatalf("view %d read %d rows, want 30", i, got)
		}
	}
	s := cache.Stats()
	if s.CatalogLoads != 1 || s.TableLoads != 3 {
		t.Errorf("stats = %+v, want 1 catalog load and 3 table loads", s)
	}
	// GET /v1/config once, GET .../tables/{t} once per table.
	if s.RESTRequests != 4 {
		t.Errorf("REST requests = %d, want 4 (1 config + 3 table loads)", s.RESTRequests)
	}
}

func TestRESTCatalogUnreachable(t *testing.T) {
	port := testenv.FreePort(t)
	src := &registry.DataSource{Name: "s", Iceberg: &registry.IcebergOptions{CatalogType: "rest", CatalogName: "r",
		Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), Namespace: "n", Table: "t",
		CatalogProperties: map[string]string{"credential": "id:topsecret"}}}
	cfg, err := ConfigFor(src, t.TempDir(), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	cache := NewCache()
	defer func() { _ = cache.Close() }()
	_, err = cache.Catalog(context.Background(), cfg)
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("error %v is not ErrUnreachable", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(port)) || strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error must name the uri and not the credential: %v", err)
	}
}
