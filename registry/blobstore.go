package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/storage"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"gocloud.dev/blob"
	"gocloud.dev/blob/gcsblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
)

// BlobStore is Feast's file registry in object storage (s3://bucket/key or
// gs://bucket/key): one serialized Registry, as on a local disk.
//
// An update reads the object and its version (S3's ETag, GCS's generation),
// and writes the new registry only if the object is still at that version
// (S3 If-Match, GCS generation precondition; If-None-Match and
// DoesNotExist for the first write). On a conflict it reads again and
// retries, so concurrent feast-go runs never lose an interval.
type BlobStore struct {
	location, scheme, bucketName, key string
	// Now is the clock for version stamps (time.Now when nil).
	Now func() time.Time

	mu     sync.Mutex
	bucket *blob.Bucket
}

// Limits of one registry operation in object storage.
const (
	blobOpTimeout = 60 * time.Second
	blobAttempts  = 40
)

// OpenBlobStore returns the store of an s3:// or gs:// registry path.
func OpenBlobStore(path string) (*BlobStore, error) {
	u, err := url.Parse(path)
	if err != nil || u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return nil, fmt.Errorf("registry %s: expected %s://bucket/path/to/registry.db", RedactURI(path), strings.SplitN(path, ":", 2)[0])
	}
	return &BlobStore{location: path, scheme: u.Scheme, bucketName: u.Host, key: strings.TrimPrefix(u.Path, "/")}, nil
}

// Location is the registry's URL.
func (s *BlobStore) Location() string { return s.location }

// Close releases the bucket's clients.
func (s *BlobStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bucket == nil {
		return nil
	}
	err := s.bucket.Close()
	s.bucket = nil
	return err
}

func (s *BlobStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// open connects to the bucket with the usual credential chains: the AWS SDK's
// (environment, shared files, instance roles) with FEAST_S3_ENDPOINT_URL for
// S3-compatible stores, as Feast reads it; Google's Application Default
// Credentials, or STORAGE_EMULATOR_HOST.
func (s *BlobStore) open(ctx context.Context) (*blob.Bucket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bucket != nil {
		return s.bucket, nil
	}
	var b *blob.Bucket
	switch s.scheme {
	case "s3":
		cfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, s.fail("AWS configuration", err)
		}
		if cfg.Region == "" {
			cfg.Region = "us-east-1" // boto3 signs for us-east-1 when no region is set; so do we
		}
		client := s3.NewFromConfig(cfg, func(o *s3.Options) {
			if ep := os.Getenv("FEAST_S3_ENDPOINT_URL"); ep != "" {
				o.BaseEndpoint = aws.String(ep)
				o.UsePathStyle = true
			}
		})
		if b, err = s3blob.OpenBucket(ctx, client, s.bucketName, nil); err != nil {
			return nil, s.fail("open bucket", err)
		}
	case "gs":
		client, err := storage.NewClient(ctx) // Application Default Credentials, or STORAGE_EMULATOR_HOST
		if err != nil {
			return nil, s.fail("Google Cloud credentials", err)
		}
		if b, err = gcsblob.OpenBucket(ctx, nil, s.bucketName, &gcsblob.Options{Client: client}); err != nil {
			return nil, s.fail("open bucket", err)
		}
	default:
		return nil, fmt.Errorf("registry %s: %w: scheme %q", s.location, ErrUnsupportedRegistry, s.scheme)
	}
	s.bucket = b
	return b, nil
}

// fail names the registry, what failed and what to check.
func (s *BlobStore) fail(what string, err error) error {
	hint := "check the bucket, the credentials (AWS_* variables or profile) and FEAST_S3_ENDPOINT_URL"
	if s.scheme == "gs" {
		hint = "check the bucket and the credentials (GOOGLE_APPLICATION_CREDENTIALS)"
	}
	return unavailable(s.location, what, err, err.Error(), hint)
}

// get reads the registry object and its version ("" when it does not exist).
func (s *BlobStore) get(ctx context.Context, b *blob.Bucket) ([]byte, string, error) {
	r, err := b.NewReader(ctx, s.key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		// No registry yet, unless the bucket itself is missing or out of reach.
		if ok, aerr := b.IsAccessible(ctx); !ok {
			return nil, "", s.fail("bucket "+s.bucketName, cmp.Or(aerr, errors.New("the bucket does not exist or these credentials cannot reach it")))
		}
		return nil, "", nil
	}
	if err != nil {
		return nil, "", s.fail("read", err)
	}
	defer func() { _ = r.Close() }()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, "", s.fail("read", err)
	}
	var version string
	var out s3.GetObjectOutput
	var raw *storage.Reader
	switch {
	case r.As(&out):
		version = aws.ToString(out.ETag)
	case r.As(&raw):
		version = strconv.FormatInt(raw.Attrs.Generation, 10)
	}
	if version == "" {
		return nil, "", s.fail("read", errors.New("the object store gave no version for the registry object"))
	}
	return data, version, nil
}

// Read loads the registry. A missing or empty object is ErrNoRegistry.
func (s *BlobStore) Read(ctx context.Context) (*Registry, error) {
	ctx, cancel := context.WithTimeout(ctx, blobOpTimeout)
	defer cancel()
	b, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	data, _, err := s.get(ctx, b)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("registry %s: %w", s.location, ErrNoRegistry)
	}
	r, err := ParseRegistry(data)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", s.location, err)
	}
	return r, nil
}

// errConflict is a conditional write that lost to another writer.
var errConflict = errors.New("the registry changed while it was being updated")

// Update runs fn on the current registry and writes the result on the
// condition that nobody wrote in between, retrying on a conflict.
func (s *BlobStore) Update(ctx context.Context, fn func(*Registry) error) error {
	var err error
	for attempt := range blobAttempts {
		if err = s.update(ctx, fn); !errors.Is(err, errConflict) {
			return err
		}
		wait := min(time.Duration(25<<min(attempt, 6))*time.Millisecond, 2*time.Second)
		select {
		case <-ctx.Done():
			return fmt.Errorf("registry %s: %w", s.location, context.Cause(ctx))
		case <-time.After(wait/2 + rand.N(wait)): // jitter, so that writers do not collide again
		}
	}
	return fmt.Errorf("registry %s: %w after %d attempts; another writer keeps updating it", s.location, err, blobAttempts)
}

func (s *BlobStore) update(ctx context.Context, fn func(*Registry) error) error {
	ctx, cancel := context.WithTimeout(ctx, blobOpTimeout)
	defer cancel()
	b, err := s.open(ctx)
	if err != nil {
		return err
	}
	data, version, err := s.get(ctx, b)
	if err != nil {
		return err
	}
	r := NewRegistry()
	if len(data) > 0 {
		if r, err = ParseRegistry(data); err != nil {
			return fmt.Errorf("registry %s: %w", s.location, err)
		}
	}
	if write, err := runUpdate(r, fn); !write {
		return err
	}
	out, err := r.Marshal(s.now())
	if err != nil {
		return fmt.Errorf("encode registry: %w", err)
	}
	opts := &blob.WriterOptions{ContentType: "application/octet-stream", IfNotExist: version == ""}
	if s.scheme == "gs" {
		opts.BufferSize = 256 << 10 // GCS's smallest chunk; its default buffers 16 MiB a write
	}
	if version != "" {
		opts.BeforeWrite = func(as func(any) bool) error {
			var in *transfermanager.UploadObjectInput
			var obj **storage.ObjectHandle
			switch {
			case as(&in):
				in.IfMatch = aws.String(version)
			case as(&obj):
				gen, _ := strconv.ParseInt(version, 10, 64)
				*obj = (*obj).If(storage.Conditions{GenerationMatch: gen})
			default:
				return errors.New("no conditional write for this object store")
			}
			return nil
		}
	}
	if err := b.WriteAll(ctx, s.key, out, opts); err != nil {
		if isWriteConflict(err) {
			return errConflict
		}
		return s.fail("write", err)
	}
	return nil
}

// isWriteConflict reports a failed write precondition, or S3's 409 for two
// conditional writes of one key at once.
func isWriteConflict(err error) bool {
	if gcerrors.Code(err) == gcerrors.FailedPrecondition {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ConditionalRequestConflict"
}
