package faults

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// proc is a running feast-go, its debug log parsed for phase changes.
type proc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	mu     sync.Mutex
	stderr bytes.Buffer
	phases chan string // the phase of each "phase" log record; closed at exit
	done   chan struct{}
	exit   int // exit code; -1: ended by a signal
	sig    string
	ended  time.Time
}

// start runs feast-go in dir with debug logs as JSON on stderr.
func start(t testing.TB, dir string, args ...string) *proc {
	t.Helper()
	return startEnv(t, dir, nil, args...)
}

// startEnv is start with variables added to the environment.
func startEnv(t testing.TB, dir string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{phases: make(chan string, 4096), done: make(chan struct{})}
	p.cmd = exec.Command(binary, append([]string{"--log-level", "debug", "--log-format", "json", "--json"}, args...)...)
	p.cmd.Dir = dir
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stdout = &p.stdout
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(errPipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			p.mu.Lock()
			p.stderr.Write(line)
			p.stderr.WriteByte('\n')
			p.mu.Unlock()
			var rec struct{ Phase string }
			if json.Unmarshal(line, &rec) == nil && rec.Phase != "" {
				select {
				case p.phases <- rec.Phase:
				default: // nobody waits for so many
				}
			}
		}
		err := p.cmd.Wait()
		p.ended = time.Now()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee) && ee.ExitCode() >= 0:
			p.exit = ee.ExitCode()
		case errors.As(err, &ee):
			p.exit = -1
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				p.sig = ws.Signal().String()
			}
		default:
			p.exit = -1
		}
		close(p.phases)
		close(p.done)
	}()
	return p
}

// await waits for the nth start of phase; false if the run ended first.
func (p *proc) await(phase string, nth int) bool {
	seen := 0
	for ph := range p.phases {
		if ph == phase {
			if seen++; seen == nth {
				return true
			}
		}
	}
	return false
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// wait waits for the run to end, at most bound; a run still going then is
// killed and false returned.
func (p *proc) wait(bound time.Duration) bool {
	go func() { // drain phase records nobody awaits
		for range p.phases {
		}
	}()
	select {
	case <-p.done:
		return true
	case <-time.After(bound):
		_ = p.cmd.Process.Kill()
		<-p.done
		return false
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String() + p.stderr.String()
}
