package bench

import "github.com/feast-go/feast-go/onlinestore/remote"

// Report is everything a bench run measured, as its JSON summary holds it.
type Report struct {
	Service     string        `json:"feature_service"`
	Features    int           `json:"features"`
	Views       int           `json:"views"`
	Source      string        `json:"source"`
	Entities    int           `json:"entities"`
	Iterations  int           `json:"iterations"`
	Warmup      int           `json:"warmup"`
	Check       *Check        `json:"check,omitempty"`
	Latency     []Latency     `json:"latency"`
	Throughput  []*Throughput `json:"throughput,omitempty"`
	HTTP        *remote.Stats `json:"http,omitempty"`
	KeepAlive   *bool         `json:"keepalive,omitempty"`
	PlotWritten string        `json:"plot,omitempty"`
}
