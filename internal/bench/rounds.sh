#!/bin/sh
# rounds.sh runs internal/bench's benchmarks in interleaved rounds and
# prints the paired ratios (see BENCHMARKS.md, "The engine").
#
# Usage, from the repository root:
#
#	internal/bench/rounds.sh [rounds [output-file]]
#
# Each round is one run of the test binary with -test.count 1: every
# implementation's Add, Echo4K and Callback (5000 calls each, 1 and 16
# callers), then 20 spawned children for ReleaseToExit. (-test.count N
# would repeat each sub-benchmark N times in a row on the same child, so
# its results would not pair across implementations.) The raw output is
# appended to output-file (default benchdata/engine-<today>.txt), and
# benchratio divides the k-th result of one benchmark by the k-th of
# another.
set -eu
rounds=${1:-6}
out=${2:-benchdata/engine-$(date -u +%Y-%m-%d).txt}
case $out in /*) ;; *) out=$PWD/$out ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/bench.test" ./internal/bench
i=1
while [ "$i" -le "$rounds" ]; do
	echo "round $i of $rounds" >&2
	(
		cd internal/bench
		"$tmp/bench.test" -test.run '^$' -test.bench '^Benchmark(Add|Echo4K|Callback)$' -test.benchtime 5000x
		"$tmp/bench.test" -test.run '^$' -test.bench '^BenchmarkReleaseToExit$' -test.benchtime 20x
	) >>"$out"
	i=$((i + 1))
done
go run ./internal/bench/benchratio "$out"
