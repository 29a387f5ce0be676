// Command benchratio reads the output of internal/bench's benchmarks (`go
// test -bench`, one or more files, or standard input) and prints, as a
// Markdown table, the paired ratios issue 10 sets targets for: the
// generated proxies (on the engine) against the floors, gRPC-go, go-plugin
// and hand-written go-capnp; the client's allocations per Add; the server's
// resident memory against gRPC-go's; and the time from releasing a spawned
// child's bootstrap capability to its exit.
//
// A ratio is paired by round: -count N reruns each Benchmark function, whose
// sub-benchmarks cover every implementation, so the k-th result of one
// sub-benchmark and the k-th result of another ran within the same round,
// minutes apart at most, under about the same load. benchratio divides
// within each round and reports the median and the range over rounds, which
// is what a loaded machine allows to compare.
//
// Usage:
//
//	go run ./internal/bench/benchratio benchdata/engine-2026-12-06.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: benchratio [bench-output-file ...]  (standard input without files)")
		flag.PrintDefaults()
	}
	flag.Parse()
	results := results{}
	if flag.NArg() == 0 {
		if err := results.read(os.Stdin); err != nil {
			fmt.Fprintln(os.Stderr, "benchratio: standard input:", err)
			os.Exit(1)
		}
	}
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err == nil {
			err = results.read(f)
			f.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchratio: %v\n", err)
			os.Exit(1)
		}
	}
	if len(results) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: no benchmark results in the input; give it the output of go test -bench on internal/bench")
		os.Exit(1)
	}
	report(os.Stdout, results)
}

// results holds, per benchmark name (without the -GOMAXPROCS suffix), one
// map of unit to value per round, in the order they were read.
type results map[string][]map[string]float64

// read adds the benchmark result lines of r.
func (res results) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, metrics, ok := parseLine(sc.Text())
		if ok {
			res[name] = append(res[name], metrics)
		}
	}
	return sc.Err()
}

// parseLine parses one `go test -bench` result line: the name, the
// iteration count, then value-unit pairs. ok is false for any other line.
func parseLine(line string) (name string, metrics map[string]float64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return "", nil, false
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return "", nil, false
	}
	name = f[0]
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	metrics = map[string]float64{}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", nil, false
		}
		metrics[f[i+1]] = v
	}
	return name, metrics, true
}

// spread is a median and the range it came from.
type spread struct {
	median, min, max float64
	n                int
	values           []float64 // sorted
}

// atMost counts the values ≤ limit.
func (s spread) atMost(limit float64) int {
	n := 0
	for _, v := range s.values {
		if v <= limit {
			n++
		}
	}
	return n
}

func spreadOf(v []float64) spread {
	if len(v) == 0 {
		return spread{}
	}
	s := slices.Sorted(slices.Values(v))
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return spread{median: m, min: s[0], max: s[len(s)-1], n: len(s), values: s}
}

// ratio returns unit of num divided by unit of den, round by round, over
// the rounds both have.
func (res results) ratio(num, den, unit string) spread {
	a, b := res[num], res[den]
	var v []float64
	for i := 0; i < len(a) && i < len(b); i++ {
		x, okx := a[i][unit]
		y, oky := b[i][unit]
		if okx && oky && y != 0 {
			v = append(v, x/y)
		}
	}
	return spreadOf(v)
}

// value returns unit of name over its rounds.
func (res results) value(name, unit string) spread {
	var v []float64
	for _, m := range res[name] {
		if x, ok := m[unit]; ok {
			v = append(v, x)
		}
	}
	return spreadOf(v)
}

// row is one line of the report: what is compared, how it is measured and
// the target it is held to (0: no target, shown for reading).
type row struct {
	what    string
	measure func(results) spread
	target  float64
	format  string // of the median, min and max
}

// bench names a sub-benchmark of internal/bench.
func bench(fn, impl string, callers int) string {
	return fmt.Sprintf("Benchmark%s/%s/callers=%d", fn, impl, callers)
}

// callersText is "1 caller" or "<n> callers".
func callersText(n int) string {
	if n == 1 {
		return "1 caller"
	}
	return fmt.Sprintf("%d callers", n)
}

// timeRatio compares ns/op of fn on impl with fn on base, at callers.
func timeRatio(what, fn, impl, baseFn, base string, callers int, target float64) row {
	return row{what: what, target: target, format: "%.2f×", measure: func(r results) spread {
		return r.ratio(bench(fn, impl, callers), bench(baseFn, base, callers), "ns/op")
	}}
}

// p50Ratio compares the median latency of single calls (p50-ns), which a
// burst of load on the machine moves less than the mean (ns/op). Shown for
// reading; the targets are on ns/op.
func p50Ratio(what, fn, impl, baseFn, base string, callers int) row {
	return row{what: what, format: "%.2f×", measure: func(r results) spread {
		return r.ratio(bench(fn, impl, callers), bench(baseFn, base, callers), "p50-ns")
	}}
}

// rows lists the report. "floor" is the ping-pong floor at one caller and
// the multiplexed raw floor at 16 (DESIGN §8).
func rows() []row {
	var rs []row
	floors := map[int]string{1: "pingpong", 16: "raw"}
	for _, fn := range []string{"Add", "Echo4K"} {
		for _, callers := range []int{1, 16} {
			target := 0.0
			if fn == "Add" {
				target = map[int]float64{1: 1.5, 16: 2}[callers]
			}
			rs = append(rs, timeRatio(fmt.Sprintf("%s, %s: ifacegen ÷ floor (%s)", fn, callersText(callers), floors[callers]), fn, "ifacegen", fn, floors[callers], callers, target))
			if callers == 1 {
				rs = append(rs,
					p50Ratio(fmt.Sprintf("%s, 1 caller: p50 latency, ifacegen ÷ floor (pingpong)", fn), fn, "ifacegen", fn, "pingpong", 1),
					timeRatio(fmt.Sprintf("%s, 1 caller: ifacegen ÷ multiplexed raw", fn), fn, "ifacegen", fn, "raw", 1, 0))
			}
			rs = append(rs,
				timeRatio(fmt.Sprintf("%s, %s: ifacegen ÷ gRPC-go", fn, callersText(callers)), fn, "ifacegen", fn, "grpc", callers, 0.5),
				timeRatio(fmt.Sprintf("%s, %s: ifacegen ÷ go-plugin", fn, callersText(callers)), fn, "ifacegen", fn, "go-plugin", callers, 0.5),
				timeRatio(fmt.Sprintf("%s, %s: ifacegen ÷ hand-written go-capnp", fn, callersText(callers)), fn, "ifacegen", fn, "go-capnp", callers, 0))
		}
	}
	for _, callers := range []int{1, 16} {
		rs = append(rs,
			timeRatio(fmt.Sprintf("Callback, %s: ifacegen ÷ floor's Add (%s)", callersText(callers), floors[callers]), "Callback", "ifacegen", "Add", floors[callers], callers, 2.5),
			timeRatio(fmt.Sprintf("Callback, %s: ifacegen ÷ ping-pong Visit (two round trips)", callersText(callers)), "Callback", "ifacegen", "Callback", "pingpong", callers, 0),
			p50Ratio(fmt.Sprintf("Callback, %s: p50 latency, ifacegen ÷ floor's Add (%s)", callersText(callers), floors[callers]), "Callback", "ifacegen", "Add", floors[callers], callers),
			timeRatio(fmt.Sprintf("Callback, %s: ifacegen ÷ hand-written go-capnp", callersText(callers)), "Callback", "ifacegen", "Callback", "go-capnp", callers, 0))
	}
	for _, callers := range []int{1, 16} {
		rs = append(rs, row{what: fmt.Sprintf("Add, %s: client allocs/op, ifacegen", callersText(callers)), target: 8, format: "%.0f",
			measure: func(r results) spread { return r.value(bench("Add", "ifacegen", callers), "allocs/op") }})
	}
	for _, fn := range []string{"Add", "Echo4K"} {
		target := 0.0
		if fn == "Add" {
			target = 0.6
		}
		rs = append(rs,
			row{what: fmt.Sprintf("%s, 16 callers: server RSS, ifacegen ÷ gRPC-go", fn), target: target, format: "%.2f×",
				measure: func(r results) spread {
					return r.ratio(bench(fn, "ifacegen", 16), bench(fn, "grpc", 16), "server-rss-KiB")
				}},
			row{what: fmt.Sprintf("%s, 16 callers: server RSS, the raw floor ÷ gRPC-go (what the shared test binary leaves to win)", fn), format: "%.2f×",
				measure: func(r results) spread {
					return r.ratio(bench(fn, "raw", 16), bench(fn, "grpc", 16), "server-rss-KiB")
				}},
			row{what: fmt.Sprintf("%s, 16 callers: server anonymous RSS (heap, stacks), ifacegen ÷ gRPC-go", fn), target: target, format: "%.2f×",
				measure: func(r results) spread {
					return r.ratio(bench(fn, "ifacegen", 16), bench(fn, "grpc", 16), "server-anon-KiB")
				}})
	}
	rs = append(rs,
		row{what: "Release of a spawned child's bootstrap → exit, ms", target: 20, format: "%.2f",
			measure: func(r results) spread { return scale(r.value("BenchmarkReleaseToExit", "ns/op"), 1e-6) }},
		row{what: "Release → exit, p99 of a round, ms", format: "%.2f",
			measure: func(r results) spread { return scale(r.value("BenchmarkReleaseToExit", "p99-ns"), 1e-6) }})
	return rs
}

func scale(s spread, f float64) spread {
	s.median, s.min, s.max = s.median*f, s.min*f, s.max*f
	s.values = slices.Clone(s.values)
	for i := range s.values {
		s.values[i] *= f
	}
	return s
}

// report writes the table of rows measured on res.
func report(w io.Writer, res results) {
	fmt.Fprintln(w, "| measure | median | range | rounds | target | met? (median) | rounds within target |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|---:|")
	for _, r := range rows() {
		s := r.measure(res)
		if s.n == 0 {
			fmt.Fprintf(w, "| %s | — | — | 0 | %s | not measured | — |\n", r.what, targetText(r))
			continue
		}
		met, within := "—", "—"
		if r.target > 0 {
			met = "no"
			if s.median <= r.target {
				met = "**yes**"
			}
			within = fmt.Sprintf("%d of %d", s.atMost(r.target), s.n)
		}
		fmt.Fprintf(w, "| %s | "+r.format+" | "+r.format+"–"+r.format+" | %d | %s | %s | %s |\n", r.what, s.median, s.min, s.max, s.n, targetText(r), met, within)
	}
}

func targetText(r row) string {
	if r.target == 0 {
		return "—"
	}
	unit := ""
	if strings.HasSuffix(r.format, "×") {
		unit = "×"
	}
	return "≤ " + strconv.FormatFloat(r.target, 'g', -1, 64) + unit
}
