package server_test

import (
	"time"

	"syndicate/internal/audience"
	"syndicate/internal/server"
	"syndicate/internal/store"
)

// The collector serve runs, for BenchmarkHotPath's "+counting" cases. It
// is never flushed: the benchmark measures what a request pays.
func init() {
	c := audience.New(audience.Options{Store: store.NewMemory(), Timeout: time.Second})
	server.SetBenchObserver(c)
}
