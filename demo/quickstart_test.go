package demo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feast-go/feast-go/internal/testenv"
)

// TestREADMEQuickstart runs the README's first command verbatim (in a temp
// folder) and checks features come back from the online store.
func TestREADMEQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds feast-go")
	}
	readme, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := string(readme)[strings.Index(string(readme), "## Quickstart"):]
	block = block[strings.Index(block, "```sh")+5:]
	block = block[:strings.Index(block, "```")]
	var first string
	for _, line := range strings.Split(block, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			first = line
			break
		}
	}
	if first != "bash scripts/demo.sh" {
		t.Fatalf("the README's first command is %q; this test runs it and expects the demo script", first)
	}
	cmd := exec.Command("bash", "-c", first)
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = append(os.Environ(), "FEAST_GO_DEMO_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", first, err, out)
	}
	for _, want := range []string{"Applied.", "precomputed vectors: 200 written", "driver_live                           1          1         0  ok", "driver_id=1001", "driver_hourly_stats__conv_rate", "driver_profile__rating", "PRESENT", "driver_live__conv_rate               0.99                     PRESENT"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("quickstart output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "NOT_FOUND") {
		t.Errorf("features missing after the quickstart:\n%s", out)
	}
}
