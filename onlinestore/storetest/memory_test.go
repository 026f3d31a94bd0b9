package storetest

import (
	"testing"

	"github.com/feast-go/feast-go/onlinestore"
)

func TestMemoryConformance(t *testing.T) {
	Run(t, func(t *testing.T, blind bool) onlinestore.Store {
		m := NewMemory()
		m.Blind = blind
		return m
	})
}
