package websub

import (
	"reflect"
	"testing"

	"syndicate/internal/store"
)

// Queued changes coalesce per topic, from the version served before the
// first to the newest; changes handed back after a failure stay ahead of
// those queued since, and older than them.
func TestChangeQueue(t *testing.T) {
	var q changeQueue
	q.add(store.TopicChange{Topic: "a", Prev: "", ETag: "a1"})
	q.add(store.TopicChange{Topic: "b", Prev: "b0", ETag: "b1"})
	q.add(store.TopicChange{Topic: "a", Prev: "a1", ETag: "a2"})
	want := []store.TopicChange{{Topic: "a", Prev: "", ETag: "a2"}, {Topic: "b", Prev: "b0", ETag: "b1"}}
	if got := q.take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("take = %+v, want %+v", got, want)
	}
	if q.len() != 0 {
		t.Fatalf("%d changes left after take", q.len())
	}
	// b's change failed to record while b and c changed again.
	q.add(store.TopicChange{Topic: "c", Prev: "c0", ETag: "c1"})
	q.add(store.TopicChange{Topic: "b", Prev: "b1", ETag: "b2"})
	q.putBack(store.TopicChange{Topic: "b", Prev: "b0", ETag: "b1"})
	q.putBack(store.TopicChange{Topic: "a", Prev: "", ETag: "a2"})
	want = []store.TopicChange{{Topic: "a", Prev: "", ETag: "a2"}, {Topic: "c", Prev: "c0", ETag: "c1"}, {Topic: "b", Prev: "b0", ETag: "b2"}}
	if got := q.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("after handing back: %+v, want %+v", got, want)
	}
}
