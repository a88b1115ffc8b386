package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// round is one wrk run against each server for the same case.
type round struct {
	nginx, syndicate wrkResult
}

// summary is a case's rounds reduced to medians.
type summary struct {
	NginxRate, SyndicateRate float64
	Ratio                    float64 // median of the per-round ratios, not the ratio of medians
	NginxP99, SyndicateP99   time.Duration
	NginxCPU, SyndicateCPU   time.Duration // per request
	CPURatio                 float64       // median of per-round nginx CPU/syndicate CPU: above 1, syndicate spends less
}

func summarize(rounds []round) summary {
	var s summary
	var ng, sy, ratio []float64
	var ngP, syP, ngCPU, syCPU []time.Duration
	var cpuRatio []float64
	for _, r := range rounds {
		ngCPU = append(ngCPU, r.nginx.CPUPerRequest)
		syCPU = append(syCPU, r.syndicate.CPUPerRequest)
		if r.syndicate.CPUPerRequest > 0 {
			cpuRatio = append(cpuRatio, float64(r.nginx.CPUPerRequest)/float64(r.syndicate.CPUPerRequest))
		}
		ng = append(ng, r.nginx.RequestsPerSec)
		sy = append(sy, r.syndicate.RequestsPerSec)
		if r.nginx.RequestsPerSec > 0 {
			ratio = append(ratio, r.syndicate.RequestsPerSec/r.nginx.RequestsPerSec)
		}
		ngP = append(ngP, r.nginx.P99)
		syP = append(syP, r.syndicate.P99)
	}
	s.NginxRate, s.SyndicateRate, s.Ratio = median(ng), median(sy), median(ratio)
	s.NginxP99, s.SyndicateP99 = median(ngP), median(syP)
	s.NginxCPU, s.SyndicateCPU, s.CPURatio = median(ngCPU), median(syCPU), median(cpuRatio)
	return s
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

func printSummary(w io.Writer, names []string, sums []summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tnginx req/s\tsyndicate req/s\tsyndicate/nginx\tnginx p99\tsyndicate p99\tnginx µs CPU/req\tsyndicate µs CPU/req\tnginx/syndicate CPU\t")
	for i, s := range sums {
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2fx\t%s\t%s\t%.1f\t%.1f\t%.2fx\t\n", names[i], s.NginxRate, s.SyndicateRate, s.Ratio,
			roundLatency(s.NginxP99), roundLatency(s.SyndicateP99), micros(s.NginxCPU), micros(s.SyndicateCPU), s.CPURatio)
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
