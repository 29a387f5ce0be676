package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ifacegen/ifacegen/gen/schema"
)

var (
	corpusRaw = flag.String("corpusraw", "", "BenchmarkGenerateCorpus: append each round's times to this `file`")
	corpusOld = flag.String("corpusold", "", "BenchmarkGenerateCorpus: also time this ifacegen `binary` (an older build) in each round")
)

// BenchmarkGenerateCorpus measures a warm `ifacegen ./...` on the
// benchmark corpus (see writeCorpus: 282 methods over 6 packages) against
// two baselines over the same interfaces, in interleaved rounds:
//
//   - capnp: the schema-first step, `capnp compile` with a prebuilt
//     capnpc-go turning the corpus's 6 schemas (ifacegen's output) into Go
//     bindings, in one invocation;
//   - mockgen: go.uber.org/mock's mockgen v0.6.0 in source mode on each
//     package's file, one process per package as go generate runs it
//     (skipped when mockgen cannot be installed).
//
// Each round runs the three commands once each as separate processes,
// starting with a different one each round, so that all see the same
// machine load; the ratios are taken per round. Reported: the median
// time of each (ifacegen-s, capnp-s, mockgen-s) and the median, lowest
// and highest per-round ratio (x-capnp-med …); the same medians of CPU
// time (user + system of the processes and their children: *-cpu-s,
// x-*-cpu-med), which the load of other jobs disturbs less. With
// -corpusold=binary an older ifacegen build is timed in each round too
// (ifacegen-old-s), with its ratios. ns/op is the time of a whole round.
// Run with -benchtime=Nx for N rounds; -corpusraw=file appends every
// round's times. Timing decides nothing here: read the ratios in
// BENCHMARKS.md.
func BenchmarkGenerateCorpus(b *testing.B) {
	if _, err := exec.LookPath("capnp"); err != nil {
		b.Skip("capnp not installed (apt-get install capnproto)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		b.Fatal(err)
	}
	goSum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		b.Fatal(err)
	}
	tmp := b.TempDir()
	dir := filepath.Join(tmp, "corpus")
	if err := writeCorpus(dir, root, goSum); err != nil {
		b.Fatal(err)
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
	command := func(dir, name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = env
		return cmd
	}
	mustRun := func(cmd *exec.Cmd) {
		b.Helper()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
		}
	}

	// ifacegen, built as users run it; the first runs generate the corpus
	// and fill the caches.
	ifacegen := filepath.Join(tmp, "bin", "ifacegen")
	mustRun(command(".", "go", "build", "-o", ifacegen, "."))
	for range 2 {
		mustRun(command(dir, ifacegen, "./..."))
	}

	// capnp: the schemas laid out by import path, as they import each
	// other, with the go.capnp they import, and capnpc-go prebuilt.
	inc := filepath.Join(tmp, "inc")
	out := filepath.Join(tmp, "out")
	var schemas []string
	for _, name := range corpusPackageNames() {
		rel := filepath.Join(corpusModule, name, name+"ipc", name+".capnp")
		text, err := os.ReadFile(filepath.Join(dir, name, name+"ipc", name+".capnp"))
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range []string{filepath.Join(inc, filepath.Dir(rel)), filepath.Join(out, filepath.Dir(rel))} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(inc, rel), text, 0o644); err != nil {
			b.Fatal(err)
		}
		schemas = append(schemas, filepath.Join(inc, rel))
	}
	if err := os.WriteFile(filepath.Join(inc, "go.capnp"), schema.GoCapnp(), 0o644); err != nil {
		b.Fatal(err)
	}
	capnpcGo := filepath.Join(tmp, "bin", "capnpc-go")
	mustRun(command(dir, "go", "build", "-o", capnpcGo, "capnproto.org/go/capnp/v3/capnpc-go"))
	capnpArgs := append([]string{"compile", "-I" + inc, "--src-prefix=" + inc, "-o" + capnpcGo + ":" + out}, schemas...)
	mustRun(command(dir, "capnp", capnpArgs...))

	tasks := []struct {
		name string
		cmds func() []*exec.Cmd // the processes of one run, in order
	}{
		{name: "ifacegen", cmds: func() []*exec.Cmd { return []*exec.Cmd{command(dir, ifacegen, "./...")} }},
		{name: "capnp", cmds: func() []*exec.Cmd { return []*exec.Cmd{command(dir, "capnp", capnpArgs...)} }},
		{name: "mockgen"},
	}

	// mockgen, installed from the module proxy at the version the
	// comparison names; the benchmark goes on without it.
	mockgen := filepath.Join(tmp, "bin", "mockgen")
	install := exec.Command("go", "install", "go.uber.org/mock/mockgen@v0.6.0")
	install.Dir = tmp
	install.Env = append(os.Environ(), "GOBIN="+filepath.Dir(mockgen), "GOFLAGS=")
	if msg, err := install.CombinedOutput(); err != nil {
		b.Logf("mockgen not measured: go install go.uber.org/mock/mockgen@v0.6.0: %v\n%s", err, msg)
		tasks = tasks[:2]
	} else {
		mocks := filepath.Join(tmp, "mocks")
		tasks[2].cmds = func() []*exec.Cmd {
			var cmds []*exec.Cmd
			for _, name := range corpusPackageNames() {
				cmds = append(cmds, command(dir, mockgen, "-source="+filepath.Join(name, name+".go"),
					"-destination="+filepath.Join(mocks, name, name+"_mock.go"), "-package="+name+"mock"))
			}
			return cmds
		}
		for _, cmd := range tasks[2].cmds() {
			mustRun(cmd)
		}
	}

	if *corpusOld != "" {
		old, err := filepath.Abs(*corpusOld)
		if err != nil {
			b.Fatal(err)
		}
		mustRun(command(dir, old, "./..."))
		tasks = append(tasks, struct {
			name string
			cmds func() []*exec.Cmd
		}{"ifacegen-old", func() []*exec.Cmd { return []*exec.Cmd{command(dir, old, "./...")} }})
	}

	// A round's row holds each task's wall time, then each task's CPU time
	// (user + system, its processes and their waited-for children: less
	// sensitive than wall time to the load of other jobs).
	n := len(tasks)
	var rounds [][]time.Duration
	for b.Loop() {
		row := make([]time.Duration, 2*n)
		for k := range tasks {
			i := (k + len(rounds)) % n
			start := time.Now()
			for _, cmd := range tasks[i].cmds() {
				mustRun(cmd)
				row[n+i] += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
			row[i] = time.Since(start)
		}
		rounds = append(rounds, row)
	}

	for i, t := range tasks {
		b.ReportMetric(median(column(rounds, func(r []time.Duration) float64 { return r[i].Seconds() })), t.name+"-s")
		b.ReportMetric(median(column(rounds, func(r []time.Duration) float64 { return r[n+i].Seconds() })), t.name+"-cpu-s")
	}
	for i := 1; i < n; i++ {
		ratios := column(rounds, func(r []time.Duration) float64 { return r[0].Seconds() / r[i].Seconds() })
		b.ReportMetric(median(ratios), "x-"+tasks[i].name+"-med")
		b.ReportMetric(slices.Min(ratios), "x-"+tasks[i].name+"-min")
		b.ReportMetric(slices.Max(ratios), "x-"+tasks[i].name+"-max")
		cpu := column(rounds, func(r []time.Duration) float64 { return r[n].Seconds() / r[n+i].Seconds() })
		b.ReportMetric(median(cpu), "x-"+tasks[i].name+"-cpu-med")
	}
	if *corpusRaw != "" {
		columns := make([]string, 2*n)
		for i, t := range tasks {
			columns[i], columns[n+i] = t.name+"-s", t.name+"-cpu-s"
		}
		if err := appendRounds(*corpusRaw, columns, rounds); err != nil {
			b.Fatal(err)
		}
	}
}

// column returns f of every round.
func column(rounds [][]time.Duration, f func([]time.Duration) float64) []float64 {
	out := make([]float64, len(rounds))
	for i, r := range rounds {
		out[i] = f(r)
	}
	return out
}

// median returns the median of xs (the mean of the middle two for an even
// count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// appendRounds appends to the file name a header line naming the columns,
// then one line per round: its number and its times in seconds.
func appendRounds(name string, columns []string, rounds [][]time.Duration) error {
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# round\t" + strings.Join(columns, "\t") + "\n")
	for r, row := range rounds {
		fmt.Fprintf(&b, "%d", r)
		for _, t := range row {
			fmt.Fprintf(&b, "\t%.4f", t.Seconds())
		}
		b.WriteString("\n")
	}
	_, werr := f.WriteString(b.String())
	return errors.Join(werr, f.Close())
}
