package schema

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ifacegen/ifacegen/internal/gencache"
)

// cacheEntries returns the names of the entries in one of the cache's
// subdirectories.
func cacheEntries(t *testing.T, dir, sub string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestBindingsCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(gencache.EnvVar, dir)
	req, err := Request(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	first, err := Bindings(t.Context(), ".", req)
	if err != nil {
		t.Fatal(err)
	}
	exes := cacheEntries(t, dir, "exe")
	outs := cacheEntries(t, dir, "out")
	if len(exes) != 1 || len(outs) != 1 {
		t.Fatalf("after one run the cache holds executables %v and outputs %v, want one of each", exes, outs)
	}

	// The cached output is what a second run returns, without running
	// capnpc-go: marking the entry shows it was read.
	name := filepath.Join(dir, "out", outs[0])
	marked := append(slices.Clone(first), "// marked\n"...)
	if err := os.WriteFile(name, marked, 0o600); err != nil {
		t.Fatal(err)
	}
	second, err := Bindings(t.Context(), ".", req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(second, marked) {
		t.Errorf("the second run did not return the cached bindings")
	}

	// A different request is a miss; the executable is reused.
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	third, err := Bindings(t.Context(), ".", req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(third, first) {
		t.Errorf("bindings built with the cached capnpc-go differ from the first run's")
	}
	if got := cacheEntries(t, dir, "exe"); !slices.Equal(got, exes) {
		t.Errorf("executables %v after a miss, want %v (reused)", got, exes)
	}

	// Without the cache the bytes are the same.
	t.Setenv(gencache.EnvVar, "off")
	uncached, err := Bindings(t.Context(), ".", req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(uncached), string(first)); diff != "" {
		t.Errorf("bindings without the cache differ from cached ones (-off +cached):\n%s", diff)
	}
}

// TestBindingsCacheUnusable checks that an unusable cache directory (one
// that cannot be created) costs nothing but time.
func TestBindingsCacheUnusable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	req, err := Request(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(gencache.EnvVar, "off")
	want, err := Bindings(t.Context(), ".", req)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(gencache.EnvVar, filepath.Join(file, "cache"))
	for _, n := range []int{1, minBuiltRequests} {
		got, err := BindingsAll(t.Context(), ".", slices.Repeat([][]byte{req}, n))
		if err != nil {
			t.Fatalf("%d requests with an unusable cache: %v", n, err)
		}
		for i := range got {
			if !bytes.Equal(got[i], want) {
				t.Fatalf("%d requests with an unusable cache: bindings %d differ", n, i)
			}
		}
	}
}

// TestBindingsCacheConcurrent runs BindingsAll side by side on an empty
// cache: every caller gets the same bindings, and the cache ends with one
// executable and one output per request.
func TestBindingsCacheConcurrent(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(gencache.EnvVar, dir)
	var requests [][]byte
	for _, m := range testModels()[:3] {
		req, err := Request(m.pkg)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		requests = append(requests, req)
	}
	const callers = 4
	outs := make([][][]byte, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { outs[i], errs[i] = BindingsAll(t.Context(), ".", requests) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if diff := cmp.Diff(byteStrings(outs[0]), byteStrings(outs[i])); diff != "" {
			t.Errorf("caller %d differs from caller 0:\n%s", i, diff)
		}
	}
	if got := cacheEntries(t, dir, "exe"); len(got) != 1 {
		t.Errorf("executables %v, want one", got)
	}
	if got := cacheEntries(t, dir, "out"); len(got) != len(requests) {
		t.Errorf("outputs %v, want %d", got, len(requests))
	}
}

// TestBindingsAllWithoutCache is TestBindingsAllFirstError with the cache
// off: `go run` for a few requests, a temporary build for more.
func TestBindingsAllWithoutCache(t *testing.T) {
	good, err := Request(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	want, err := Bindings(t.Context(), ".", good)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(gencache.EnvVar, "off")
	for _, n := range []int{0, minBuiltRequests} {
		requests := slices.Repeat([][]byte{good}, n)
		requests = append(requests, missingFileRequest(t))
		out, err := BindingsAll(t.Context(), ".", requests)
		var berr *BindingsError
		if !errors.As(err, &berr) || berr.Index != n || !strings.Contains(berr.Error(), "no node in schema matches") {
			t.Fatalf("%d good requests first: error %v, want request %d's capnpc-go failure", n, err, n)
		}
		if len(out) != n {
			t.Fatalf("%d good requests first: %d bindings before the failure", n, len(out))
		}
		for i := range out {
			if !bytes.Equal(out[i], want) {
				t.Errorf("%d good requests first: bindings %d differ from the cached run's", n, i)
			}
		}
	}
}

// TestBindingsErrorsNotCached checks that a failing request fails again:
// only bindings are cached, never failures.
func TestBindingsErrorsNotCached(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(gencache.EnvVar, dir)
	bad := missingFileRequest(t)
	for range 2 {
		if _, err := Bindings(t.Context(), ".", bad); err == nil {
			t.Fatal("no error for a request naming a missing file node")
		}
	}
	if got := cacheEntries(t, dir, "out"); len(got) != 0 {
		t.Errorf("outputs %v after failures, want none", got)
	}
}

// TestBindingsCachedPluginDoesNotRun checks that a cached capnpc-go that
// cannot be executed (a cache on a noexec file system, say) costs only
// time: Bindings falls back to running capnpc-go without the cache.
func TestBindingsCachedPluginDoesNotRun(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(gencache.EnvVar, dir)
	req, err := Request(miningModel())
	if err != nil {
		t.Fatal(err)
	}
	want, err := Bindings(t.Context(), ".", req)
	if err != nil {
		t.Fatal(err)
	}
	exes, err := filepath.Glob(filepath.Join(dir, "exe", "*", "capnpc-go*"))
	if err != nil || len(exes) != 1 {
		t.Fatalf("cached executables %v (%v), want one", exes, err)
	}
	if err := os.Chmod(exes[0], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range cacheEntries(t, dir, "out") {
		if err := os.Remove(filepath.Join(dir, "out", out)); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []int{1, minBuiltRequests} {
		got, err := BindingsAll(t.Context(), ".", slices.Repeat([][]byte{req}, n))
		if err != nil {
			t.Fatalf("%d requests with a cached capnpc-go that cannot run: %v", n, err)
		}
		for i := range got {
			if !bytes.Equal(got[i], want) {
				t.Errorf("%d requests: bindings %d differ", n, i)
			}
		}
	}
}
