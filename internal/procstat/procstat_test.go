package procstat

import (
	"math"
	"os"
	"runtime"
	"testing"
	"time"

	"syndicate/internal/document"
)

func TestStatusKB(t *testing.T) {
	status := []byte("Name:\tsyndicate\nVmPeak:\t  999999 kB\nVmHWM:\t  123456 kB\nVmRSS:\t   65432 kB\nThreads:\t7\nVmOdd:\t12 pages\n")
	for _, tt := range []struct {
		key  string
		want int64
		ok   bool
	}{
		{"VmHWM", 123456 * 1024, true},
		{"VmRSS", 65432 * 1024, true},
		{"VmSwap", 0, false},  // absent
		{"Threads", 0, false}, // not in kB
		{"VmOdd", 0, false},   // another unit
	} {
		t.Run(tt.key, func(t *testing.T) {
			got, err := StatusKB(status, tt.key)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("StatusKB(%s) = %d, %v; want %d (ok %v)", tt.key, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestMemoryOfThisProcess(t *testing.T) {
	rss, hwm, err := Memory(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if rss <= 0 || hwm < rss {
		t.Errorf("VmRSS %d, VmHWM %d: want 0 < rss <= hwm", rss, hwm)
	}
}

func TestStatCPU(t *testing.T) {
	// A command name with a space and a ")" must not shift the fields.
	stat := []byte("4242 (synd icate) x) S 1 4242 4242 0 -1 4194560 9000 0 0 0 1234 567 0 0 20 0 9 0 100 0 0")
	if cpu, err := StatCPU(stat); err != nil || cpu != 18.01 {
		t.Errorf("StatCPU = %v, %v; want 18.01", cpu, err)
	}
	if _, err := StatCPU([]byte("4242 no name")); err == nil {
		t.Error("a stat line without a command name read as a value")
	}
}

func TestMemFileBytesOfThisProcess(t *testing.T) {
	before, err := MemFileBytes(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	doc := document.Document{Body: make([]byte, 3*document.FileMin)}.Seal()
	if doc.File(document.PartBody) == nil {
		t.Skip("no in-memory files here")
	}
	after, err := MemFileBytes(os.Getpid())
	if err != nil || after-before != 3*document.FileMin {
		t.Errorf("MemFileBytes grew by %d (%v) with a %d-byte file open", after-before, err, 3*document.FileMin)
	}
	runtime.KeepAlive(doc)
}

func TestSampleCountsFilesAndResidentMemory(t *testing.T) {
	if _, _, err := Memory(os.Getpid()); err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	stop := Sample(os.Getpid(), time.Millisecond)
	doc := document.Document{Body: make([]byte, 64*document.FileMin)}.Seal()
	if doc.File(document.PartBody) == nil {
		t.Skip("no in-memory files here")
	}
	time.Sleep(20 * time.Millisecond)
	p := stop()
	runtime.KeepAlive(doc)
	rss, _, _ := Memory(os.Getpid())
	if p.Files < 64*document.FileMin {
		t.Errorf("peak files %d, want at least the %d-byte file open throughout", p.Files, 64*document.FileMin)
	}
	if p.Total < p.Files+rss/2 {
		t.Errorf("peak total %d with files %d and VmRSS %d: the resident memory is missing", p.Total, p.Files, rss)
	}
}

func TestStatCPUWithChildren(t *testing.T) {
	// Fields after the name: state ppid pgrp session tty tpgid flags
	// minflt cminflt majflt cmajflt utime stime cutime cstime ...; times
	// in ticks of 1/100 s.
	for _, tc := range []struct {
		name  string
		line  string
		want  float64
		isErr bool
	}{
		{"own time only", "42 (postgres) S 1 1 1 0 -1 4194560 100 200 0 0 250 50 0 0 20 0 1 0 123456\n", 3.0, false},
		{"reaped children added", "42 (postgres) S 1 1 1 0 -1 4194560 100 200 0 0 250 50 700 300 20 0 1 0 123456\n", 13.0, false},
		{"a name with spaces and parentheses", "42 (postgres: bench (x) idle) S 1 1 1 0 -1 4194560 100 200 0 0 100 0 0 100 20 0 1 0 123456\n", 2.0, false},
		{"cutime missing", "42 (postgres) S 1 1 1 0 -1 4194560 100 200 0 0 250 50\n", 0, true},
		{"cstime not a number", "42 (postgres) S 1 1 1 0 -1 4194560 100 200 0 0 250 50 7 x 20\n", 0, true},
		{"no name", "42 postgres S 1\n", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StatCPUWithChildren([]byte(tc.line))
			if (err != nil) != tc.isErr {
				t.Fatalf("error %v, want error %v", err, tc.isErr)
			}
			if math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("got %v s, want %v s", got, tc.want)
			}
		})
	}
}
