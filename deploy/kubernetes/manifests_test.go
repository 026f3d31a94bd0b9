package kubernetes

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/feast-go/feast-go/materialize"
	"github.com/feast-go/feast-go/registry"
	"go.yaml.in/yaml/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "sigs.k8s.io/json"
)

// decode reads every document of a manifest file into its official type.
// Unknown and duplicate fields are errors, matched case-sensitively, as
// the API server's strict field validation does.
func decode(path string) ([]runtime.Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var out []runtime.Object
	dec := yaml.NewDecoder(f)
	for doc := 1; ; doc++ {
		var v any
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, doc, err)
		}
		js, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", path, doc, err)
		}
		var meta struct{ APIVersion, Kind string }
		_ = json.Unmarshal(js, &meta)
		var obj runtime.Object
		switch meta.APIVersion + " " + meta.Kind {
		case "batch/v1 CronJob":
			obj = &batchv1.CronJob{}
		case "v1 ConfigMap":
			obj = &corev1.ConfigMap{}
		case "v1 Secret":
			obj = &corev1.Secret{}
		default:
			return nil, fmt.Errorf("%s: document %d: unexpected kind %q %q", path, doc, meta.APIVersion, meta.Kind)
		}
		strict, err := kjson.UnmarshalStrict(js, obj)
		if err == nil && len(strict) > 0 {
			err = errors.Join(strict...)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d (%s): %w", path, doc, meta.Kind, err)
		}
		out = append(out, obj)
	}
}

// manifests decodes every manifest of the folder.
func manifests(t *testing.T) (cron *batchv1.CronJob, cms map[string]*corev1.ConfigMap, secrets map[string]*corev1.Secret) {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	cms, secrets = map[string]*corev1.ConfigMap{}, map[string]*corev1.Secret{}
	for _, f := range files {
		objs, err := decode(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range objs {
			switch o := obj.(type) {
			case *batchv1.CronJob:
				cron = o
			case *corev1.ConfigMap:
				cms[o.Name] = o
			case *corev1.Secret:
				secrets[o.Name] = o
			}
		}
	}
	if cron == nil {
		t.Fatal("no CronJob among the manifests")
	}
	return cron, cms, secrets
}

func TestStrictDecodingCatchesTypos(t *testing.T) {
	dir := t.TempDir()
	for name, doc := range map[string]string{
		"unknown field": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndatta: {}\n",
		"wrong case":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {Name: x}\n",
		"duplicate key": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {}\ndata: {}\n",
		"wrong type":    "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec: {schedule: 5, jobTemplate: {}}\n",
		"unknown kind":  "apiVersion: v1\nkind: ConfigMapp\nmetadata: {name: x}\n",
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".yaml")
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := decode(path); err == nil {
			t.Errorf("%s: %q decoded without an error", name, doc)
		}
	}
}

// The Indexed Job contract, as the manifests state it.
func TestCronJobRunsShardsAsAnIndexedJob(t *testing.T) {
	cron, cms, secrets := manifests(t)
	if cron.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("concurrencyPolicy %q: runs must not overlap", cron.Spec.ConcurrencyPolicy)
	}
	job := cron.Spec.JobTemplate.Spec
	if job.CompletionMode == nil || *job.CompletionMode != batchv1.IndexedCompletion {
		t.Fatal("completionMode must be Indexed: JOB_COMPLETION_INDEX is the shard's index")
	}
	if job.Completions == nil || job.Parallelism == nil || *job.Completions != *job.Parallelism {
		t.Errorf("completions %v and parallelism %v must be equal: every shard runs at once", job.Completions, job.Parallelism)
	}
	if job.BackoffLimitPerIndex == nil || *job.BackoffLimitPerIndex < 1 {
		t.Error("backoffLimitPerIndex must retry a failed shard alone")
	}
	if job.ActiveDeadlineSeconds == nil {
		t.Error("activeDeadlineSeconds must bound a run")
	}
	pod := job.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %q: a podFailurePolicy needs Never", pod.RestartPolicy)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	usage := false
	for _, r := range job.PodFailurePolicy.Rules {
		e := r.OnExitCodes
		usage = usage || r.Action == batchv1.PodFailurePolicyActionFailIndex && e != nil && e.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn &&
			slices.Contains(e.Values, 2) && (e.ContainerName == nil || *e.ContainerName == c.Name)
	}
	if !usage {
		t.Error("podFailurePolicy must fail the index on exit code 2 (usage error) instead of retrying it")
	}

	// --shard /N: the index from JOB_COMPLETION_INDEX, N the Job's completions.
	i := slices.Index(c.Args, "--shard")
	if i < 0 || i+1 >= len(c.Args) {
		t.Fatalf("args %q lack --shard", c.Args)
	}
	shard, err := materialize.ParseShard(c.Args[i+1], "0")
	if err != nil {
		t.Fatalf("--shard %q: %v", c.Args[i+1], err)
	}
	if !strings.HasPrefix(c.Args[i+1], "/") || shard.Count != int(*job.Completions) {
		t.Errorf("--shard %q: want /%d (the index from JOB_COMPLETION_INDEX, N = completions)", c.Args[i+1], *job.Completions)
	}
	runID := false
	for _, e := range c.Env {
		runID = runID || e.Name == "FEAST_GO_RUN_ID" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil &&
			e.ValueFrom.FieldRef.FieldPath == "metadata.labels['batch.kubernetes.io/job-name']"
	}
	if !runID {
		t.Error("FEAST_GO_RUN_ID must come from the Job's name (downward API), so that a retried index rejoins its run")
	}
	if _, ok := c.Resources.Requests[corev1.ResourceMemory]; !ok {
		t.Error("the container must request memory (sized from BENCHMARKS.md)")
	}
	if c.Resources.Limits.Memory().Cmp(*c.Resources.Requests.Memory()) < 0 {
		t.Error("the memory limit is below the request")
	}

	// The repository comes from the ConfigMap, its credentials from the Secret.
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.SecretRef == nil {
			continue
		}
		s := secrets[from.SecretRef.Name]
		if s == nil {
			t.Fatalf("envFrom names Secret %q, which is not among the manifests", from.SecretRef.Name)
		}
		for k, v := range s.StringData {
			env[k] = v
		}
	}
	repoDir := ""
	if j := slices.Index(c.Args, "-C"); j >= 0 && j+1 < len(c.Args) {
		repoDir = c.Args[j+1]
	}
	var cm *corev1.ConfigMap
	for _, m := range c.VolumeMounts {
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.ConfigMap != nil && m.MountPath == repoDir {
				cm = cms[v.ConfigMap.Name]
			}
		}
	}
	if cm == nil {
		t.Fatalf("no ConfigMap among the manifests is mounted at -C %q", repoDir)
	}
	checkFeatureStore(t, cm.Data["feature_store.yaml"], env, int(*job.Completions))
}

// checkFeatureStore loads the ConfigMap's feature_store.yaml as feast-go
// would, with the Secret's variables set, and checks what a sharded run
// needs of it.
func checkFeatureStore(t *testing.T, text string, env map[string]string, shards int) {
	t.Helper()
	for _, m := range regexp.MustCompile(`\$\{(\w+)\}`).FindAllStringSubmatch(text, -1) {
		if _, ok := env[m[1]]; !ok {
			t.Errorf("feature_store.yaml uses ${%s}, which the Secret does not set", m[1])
		}
		t.Setenv(m[1], env[m[1]])
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "feature_store.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := registry.LoadConfig(path)
	if err != nil {
		t.Fatalf("the ConfigMap's feature_store.yaml: %v", err)
	}
	if cfg.Registry.Type == "" || cfg.Registry.Type == "file" && !strings.Contains(cfg.Registry.Path, "://") {
		t.Errorf("registry %+v: %d shards on different machines need a shared registry (sql, remote, s3://, gs://)", cfg.Registry, shards)
	}
	if o := cfg.OnlineStore; o.Type != registry.OnlineStoreRedis {
		t.Errorf("online store %q: sharded runs on many machines keep their plan in Redis", o.Type)
	}
}
