package registry

import "context"

// Repo is a feature repository as a command sees it: feature_store.yaml,
// the registry it names, and the project's objects read from that registry.
type Repo struct {
	Config   *Config
	Registry Store
	Objects  *Objects
}

// OpenRepo opens the registry cfg names and reads the project's objects once.
func OpenRepo(ctx context.Context, cfg *Config) (*Repo, error) {
	store, err := OpenStore(cfg)
	if err != nil {
		return nil, err
	}
	reg, err := store.Read(ctx)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	objs, err := reg.Objects(cfg.Project)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return &Repo{Config: cfg, Registry: store, Objects: objs}, nil
}

// Close releases the registry's connections.
func (r *Repo) Close() error { return r.Registry.Close() }
