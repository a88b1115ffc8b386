package server

// SetBenchObserve makes f the counting hook BenchmarkHotPath measures.
func SetBenchObserve(f func(Hit)) { benchObserve = f }
