package server

// SetBenchObserver makes o the counting hook BenchmarkHotPath measures.
func SetBenchObserver(o Observer) { benchObserver = o }
