package main

import (
	"errors"
	"slices"
	"testing"
)

func TestParseChildren(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []int
		err  bool
	}{
		{"none", "", nil, false},
		{"one with the kernel's trailing space", "4321 ", []int{4321}, false},
		{"several", "12 345 6789 \n", []int{12, 345, 6789}, false},
		{"not a number", "12 abc", nil, true},
		{"zero", "0", nil, true},
		{"negative", "-3", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseChildren([]byte(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %v", err, tc.err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTree(t *testing.T) {
	errGone := errors.New("gone")
	for _, tc := range []struct {
		name string
		kids map[int][]int // absent: the process ended (an error)
		want []int
	}{
		{"alone", map[int][]int{1: nil}, []int{1}},
		{"postmaster and backends", map[int][]int{1: {10, 11, 12}, 10: nil, 11: nil, 12: nil}, []int{1, 10, 11, 12}},
		{"grandchildren, breadth first", map[int][]int{1: {10, 11}, 10: {100}, 11: {110, 111}, 100: nil, 110: nil, 111: nil},
			[]int{1, 10, 11, 100, 110, 111}},
		{"a child ended during the walk", map[int][]int{1: {10, 11}, 11: {110}, 110: nil}, []int{1, 10, 11, 110}},
		{"a reused pid does not loop", map[int][]int{1: {10}, 10: {1, 10, 20}, 20: {10}}, []int{1, 10, 20}},
		{"the root ended", map[int][]int{}, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tree(1, func(pid int) ([]int, error) {
				k, ok := tc.kids[pid]
				if !ok {
					return nil, errGone
				}
				return k, nil
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
