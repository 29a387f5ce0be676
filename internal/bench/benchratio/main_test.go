package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// Two rounds of two implementations: the ratio is taken within each round
// (3/1 and 10/5), not between medians of each side.
const twoRounds = `goos: linux
BenchmarkAdd/ifacegen/callers=1-2   	    5000	      3000 ns/op	      4.000 allocs/op
BenchmarkAdd/pingpong/callers=1-2   	    5000	      1000 ns/op	      1.000 allocs/op
PASS
BenchmarkAdd/ifacegen/callers=1-2   	    5000	     10000 ns/op	      6.000 allocs/op
BenchmarkAdd/pingpong/callers=1-2   	    5000	      5000 ns/op	      1.000 allocs/op
BenchmarkReleaseToExit-2            	      20	   1500000 ns/op
`

func TestRatioPairsRounds(t *testing.T) {
	res := results{}
	if err := res.read(strings.NewReader(twoRounds)); err != nil {
		t.Fatal(err)
	}
	got := res.ratio("BenchmarkAdd/ifacegen/callers=1", "BenchmarkAdd/pingpong/callers=1", "ns/op")
	want := spread{median: 2.5, min: 2, max: 3, n: 2, values: []float64{2, 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ratio = %+v; want %+v", got, want)
	}
	if got, want := res.value("BenchmarkAdd/ifacegen/callers=1", "allocs/op"), (spread{median: 5, min: 4, max: 6, n: 2, values: []float64{4, 6}}); !reflect.DeepEqual(got, want) {
		t.Errorf("allocs = %+v; want %+v", got, want)
	}
}

func TestReportMarksTargets(t *testing.T) {
	res := results{}
	if err := res.read(strings.NewReader(twoRounds)); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	report(&out, res)
	for _, want := range []string{
		"| Add, 1 caller: ifacegen ÷ floor (pingpong) | 2.50× | 2.00×–3.00× | 2 | ≤ 1.5× | no | 0 of 2 |",
		"| Add, 1 caller: client allocs/op, ifacegen | 5 | 4–6 | 2 | ≤ 8 | **yes** | 2 of 2 |",
		"| Release of a spawned child's bootstrap → exit, ms | 1.50 | 1.50–1.50 | 1 | ≤ 20 | **yes** | 1 of 1 |",
		"| Add, 1 caller: ifacegen ÷ gRPC-go | — | — | 0 | ≤ 0.5× | not measured | — |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q; got:\n%s", want, out.String())
		}
	}
}

func TestParseLineRejectsOtherLines(t *testing.T) {
	for _, line := range []string{"PASS", "ok  	github.com/x	1.2s", "BenchmarkX", "BenchmarkX-2 many 3 ns/op", "BenchmarkX-2 10 abc ns/op"} {
		if name, _, ok := parseLine(line); ok {
			t.Errorf("parseLine(%q) accepted it as %q", line, name)
		}
	}
}
