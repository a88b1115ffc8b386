package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// summary is one server's runs of a case reduced to medians, beside
// nginx's runs of the same rounds.
type summary struct {
	Rate     float64
	Ratio    float64 // median of the per-round ratios to nginx, not the ratio of medians
	P99      time.Duration
	CPU      time.Duration // per request
	CPURatio float64       // median of the per-round nginx CPU / this CPU: above 1, this server spends less
}

func summarize(nginx, runs []wrkResult) summary {
	var rate, ratio, cpuRatio []float64
	var p99, cpu []time.Duration
	for i, r := range runs {
		rate = append(rate, r.RequestsPerSec)
		p99 = append(p99, r.P99)
		cpu = append(cpu, r.CPUPerRequest)
		if nginx[i].RequestsPerSec > 0 {
			ratio = append(ratio, r.RequestsPerSec/nginx[i].RequestsPerSec)
		}
		if r.CPUPerRequest > 0 {
			cpuRatio = append(cpuRatio, float64(nginx[i].CPUPerRequest)/float64(r.CPUPerRequest))
		}
	}
	return summary{Rate: median(rate), Ratio: median(ratio), P99: median(p99), CPU: median(cpu), CPURatio: median(cpuRatio)}
}

// median of an even count is the mean of the middle two.
func median[T ~int64 | ~float64](v []T) T {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// row is a line of the report: a case as one server answered it.
type row struct {
	testCase, server string
	summary
}

func printSummary(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tserver\treq/s\tvs nginx\tp99\tµs CPU/req\tnginx CPU ÷ this")
	last := ""
	for _, r := range rows {
		name := r.testCase
		if name == last {
			name = ""
		}
		last = r.testCase
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.2fx\t%s\t%.1f\t%.2fx\n", name, r.server, r.Rate, r.Ratio,
			roundLatency(r.P99), micros(r.CPU), r.CPURatio)
	}
	tw.Flush()
}

func roundLatency(d time.Duration) time.Duration {
	if d >= time.Millisecond {
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
