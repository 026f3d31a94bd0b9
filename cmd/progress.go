package cmd

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feast-go/feast-go/materialize"
	"github.com/schollz/progressbar/v3"
)

// counterLine shows one live counter on stderr (same terminal rules as
// progress) until stop.
func (e *Env) counterLine(label string, n *atomic.Int64) (stop func()) {
	if !e.IO.StderrTTY || e.Global.Quiet || e.Global.JSON {
		return func() {}
	}
	bar := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(e.IO.ErrOut), progressbar.OptionSpinnerType(14),
		progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				bar.Describe(fmt.Sprintf("%s: %d entities", label, n.Load()))
				_ = bar.Add(0)
			}
		}
	}()
	return func() { close(done); wg.Wait(); _ = bar.Finish() }
}

// progress renders materialization counters on stderr, only when stderr is a
// terminal and neither --quiet nor --json is set. Workers update atomic
// counters; one goroutine draws.
type progress struct {
	on    bool
	bar   *progressbar.ProgressBar
	mu    sync.Mutex
	views []*materialize.ViewProgress
	done  chan struct{}
	wg    sync.WaitGroup
}

func (e *Env) newProgress(what string) *progress {
	p := &progress{on: e.IO.StderrTTY && !e.Global.Quiet && !e.Global.JSON, done: make(chan struct{})}
	if p.on {
		p.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(e.IO.ErrOut),
			progressbar.OptionSetDescription(what),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}
	return p
}

func (p *progress) track(v *materialize.ViewProgress) {
	p.mu.Lock()
	p.views = append(p.views, v)
	p.mu.Unlock()
}

func (p *progress) start() {
	if !p.on {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
				p.mu.Lock()
				parts := make([]string, 0, len(p.views))
				for _, v := range p.views {
					parts = append(parts, fmt.Sprintf("%s: %d rows read, %d/%d entities written",
						v.View, v.RowsScanned.Load(), v.EntitiesWritten.Load(), v.Entities.Load()))
				}
				p.mu.Unlock()
				p.bar.Describe(strings.Join(parts, " | "))
				_ = p.bar.Add(0)
			}
		}
	}()
}

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
	if p.on {
		_ = p.bar.Finish()
	}
}

// stepLine shows the current step of a long command on stderr (same terminal
// rules as progress); set changes it, done clears it (once).
type stepLine struct {
	bar  *progressbar.ProgressBar
	once sync.Once
}

func (e *Env) stepLine(what string) *stepLine {
	s := &stepLine{}
	if e.IO.StderrTTY && !e.Global.Quiet && !e.Global.JSON {
		s.bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(e.IO.ErrOut), progressbar.OptionSetDescription(what),
			progressbar.OptionSpinnerType(14), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	return s
}

func (s *stepLine) set(what string) {
	if s.bar != nil {
		s.bar.Describe(what)
		_ = s.bar.Add(0)
	}
}

func (s *stepLine) done() {
	s.once.Do(func() {
		if s.bar != nil {
			_ = s.bar.Finish()
		}
	})
}
