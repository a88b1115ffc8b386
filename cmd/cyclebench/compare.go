package main

import (
	"fmt"
	"io"
	"math"
)

// medians are one store's figures in one scenario, each the median of
// its rounds: seconds, and MiB for memory.
type medians struct {
	Cycle, Polled, CPU, StoreCPU float64
	HWM, Files, Total, StoreHWM  float64
	RendersMax, Renders          float64
	Mem                          float64 // the process's peak: the larger of HWM and Total
}

func medianOf(rs []result) medians {
	m := func(f func(result) float64) float64 {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		return median(xs)
	}
	const mib = 1 << 20
	return medians{
		Cycle:      m(func(r result) float64 { return r.Cycle.Seconds() }),
		Polled:     m(func(r result) float64 { return r.Polled.Seconds() }),
		CPU:        m(func(r result) float64 { return r.CPU }),
		StoreCPU:   m(func(r result) float64 { return r.StoreCPU }),
		HWM:        m(func(r result) float64 { return float64(r.HWM) / mib }),
		Files:      m(func(r result) float64 { return float64(r.Files) / mib }),
		Total:      m(func(r result) float64 { return float64(r.Total) / mib }),
		StoreHWM:   m(func(r result) float64 { return float64(r.StoreHWM) / mib }),
		RendersMax: m(func(r result) float64 { return float64(r.RendersMax) }),
		Renders:    m(func(r result) float64 { return float64(r.Renders) }),
		// VmHWM misses syndicate's in-memory files, the sampled total
		// can miss a short peak: the process held at least the larger.
		Mem: m(func(r result) float64 { return float64(max(r.HWM, r.Total)) / mib }),
	}
}

// ratios are a store's figures divided by Miniflux's in one scenario.
type ratios struct {
	Cycle    float64 // cycle time
	CPU      float64 // CPU seconds of the process and its store together
	Mem      float64 // the process's peak memory alone
	MemStore float64 // the process's and its store's together
}

// ratiosTo divides a's figures by b's; a figure b has none of (0) is NaN.
func ratiosTo(a, b medians) ratios {
	div := func(x, y float64) float64 {
		if y <= 0 {
			return math.NaN()
		}
		return x / y
	}
	return ratios{
		Cycle:    div(a.Cycle, b.Cycle),
		CPU:      div(a.CPU+a.StoreCPU, b.CPU+b.StoreCPU),
		Mem:      div(a.Mem, b.Mem),
		MemStore: div(a.Mem+a.StoreHWM, b.Mem+b.StoreHWM),
	}
}

// printRatios prints every other store's figures as ratios to
// Miniflux's, measured in the same run.
func printRatios(w io.Writer, stores []string, all map[string]map[string]medians, mode string) {
	fmt.Fprintf(w, "\nratios to miniflux (refresh: %s), syndicate ÷ miniflux, of the medians; below 1: syndicate needs less\n", mode)
	fmt.Fprintf(w, "%-8s %-8s %9s %10s %9s %10s\n", "store", "scenario", "cycle", "cpu+store", "mem", "mem+store")
	for _, st := range stores {
		if st == "miniflux" {
			continue
		}
		for _, sc := range []string{"all-304", "all-200"} {
			r := ratiosTo(all[st][sc], all["miniflux"][sc])
			fmt.Fprintf(w, "%-8s %-8s %9.3f %10.3f %9.3f %10.3f\n", st, sc, r.Cycle, r.CPU, r.Mem, r.MemStore)
		}
	}
	fmt.Fprintln(w, "cpu+store: CPU seconds of the process and its store (redis-server; PostgreSQL's postmaster and backends)")
	fmt.Fprintln(w, "mem: peak of the process (max of VmHWM and sampled RSS+in-memory files); mem+store adds the store's (redis VmHWM; PostgreSQL summed Pss)")
}
