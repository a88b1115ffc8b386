package store_test

import (
	"testing"

	"syndicate/internal/store"
	"syndicate/internal/store/storetest"
)

func TestMemory(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return store.NewMemory() })
}
