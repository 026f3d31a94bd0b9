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

// liveLine redraws one line on stderr from describe every 200 ms, only when
// stderr is a terminal and neither --quiet nor --json is set. Workers update
// counters; this goroutine alone draws. stop clears the line (once).
type liveLine struct {
	bar  *progressbar.ProgressBar
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

func (e *Env) liveLine(label string, describe func() string) *liveLine {
	l := &liveLine{done: make(chan struct{})}
	if !e.IO.StderrTTY || e.Global.Quiet || e.Global.JSON {
		return l
	}
	l.bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(e.IO.ErrOut), progressbar.OptionSetDescription(label),
		progressbar.OptionSpinnerType(14), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-l.done:
				return
			case <-t.C:
				l.bar.Describe(fitWidth(describe(), e.IO.ErrWidth))
				_ = l.bar.Add(0)
			}
		}
	}()
	return l
}

func (l *liveLine) stop() {
	l.once.Do(func() {
		close(l.done)
		l.wg.Wait()
		if l.bar != nil {
			_ = l.bar.Finish()
		}
	})
}

// viewsLine shows each running view's counters (materialize, push).
func (e *Env) viewsLine(label string) (track func(*materialize.ViewProgress), stop func()) {
	var mu sync.Mutex
	var views []*materialize.ViewProgress
	l := e.liveLine(label, func() string {
		mu.Lock()
		defer mu.Unlock()
		parts := make([]string, 0, len(views))
		for _, v := range views {
			parts = append(parts, fmt.Sprintf("%s: %d rows read, %d/%d entities written",
				v.View, v.RowsScanned.Load(), v.EntitiesWritten.Load(), v.Entities.Load()))
		}
		return strings.Join(parts, " | ")
	})
	return func(v *materialize.ViewProgress) {
		mu.Lock()
		views = append(views, v)
		mu.Unlock()
	}, l.stop
}

// counterLine shows one live counter of entities.
func (e *Env) counterLine(label string, n *atomic.Int64) (stop func()) {
	return e.liveLine(label, func() string { return fmt.Sprintf("%s: %d entities", label, n.Load()) }).stop
}

// stepLine shows the current step of a long command; set changes it.
func (e *Env) stepLine(label string) (set func(string), stop func()) {
	var step atomic.Value
	step.Store(label)
	l := e.liveLine(label, func() string { return step.Load().(string) })
	return func(s string) { step.Store(s) }, l.stop
}

// liveLineRoom is what the spinner and the elapsed time take beside the description.
const liveLineRoom = 24

// fitWidth cuts s so that the live line fits the terminal (it would wrap and
// repeat itself on every redraw otherwise).
func fitWidth(s string, width func() int) string {
	if width == nil {
		return s
	}
	w := width() - liveLineRoom
	if w <= 0 {
		return s
	}
	if r := []rune(s); len(r) > w {
		return string(r[:max(w-1, 0)]) + "…"
	}
	return s
}
