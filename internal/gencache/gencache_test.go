package gencache

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewKeySeparatesParts(t *testing.T) {
	if NewKey([]byte("ab"), []byte("c")) == NewKey([]byte("a"), []byte("bc")) {
		t.Error(`NewKey("ab", "c") == NewKey("a", "bc")`)
	}
	a1, a2 := NewKey([]byte("a")), NewKey([]byte("a"))
	if a1 != a2 {
		t.Error("NewKey is not deterministic")
	}
}

func TestPutGet(t *testing.T) {
	c, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := NewKey([]byte("x"))
	if _, ok := c.Get(key); ok {
		t.Fatal("Get on an empty cache found something")
	}
	if err := c.Put(key, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(key, []byte("two")); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get(key)
	if !ok || string(got) != "two" {
		t.Fatalf("Get = %q, %v; want \"two\", true", got, ok)
	}
	entries, err := os.ReadDir(filepath.Join(c.Dir(), dirOutputs))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != key.String() {
		t.Errorf("the outputs directory holds %v, want only %s (no temporary files)", entries, key)
	}
}

func TestOpen(t *testing.T) {
	t.Setenv(EnvVar, "off")
	if _, err := Open(); !errors.Is(err, ErrDisabled) {
		t.Errorf("%s=off: Open error %v, want ErrDisabled", EnvVar, err)
	}
	t.Setenv(EnvVar, "relative/dir")
	if _, err := Open(); err == nil {
		t.Errorf("%s=relative/dir: Open succeeded", EnvVar)
	}
	dir := filepath.Join(t.TempDir(), "new", "cache")
	t.Setenv(EnvVar, dir)
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	if c.Dir() != dir {
		t.Errorf("Dir() = %s, want %s", c.Dir(), dir)
	}
	// A directory that cannot be created: below a regular file.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvVar, filepath.Join(file, "cache"))
	if _, err := Open(); err == nil {
		t.Error("Open succeeded below a regular file")
	}
}

func TestExecutableBuildsOnce(t *testing.T) {
	c, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := NewKey([]byte("tool"))
	var builds atomic.Int32
	build := func(path string) error {
		builds.Add(1)
		return os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755)
	}
	// Side by side on an empty cache: each caller gets a complete file.
	var wg sync.WaitGroup
	paths := make([]string, 8)
	errs := make([]error, 8)
	for i := range paths {
		wg.Go(func() { paths[i], errs[i] = c.Executable(key, "tool", build) })
	}
	wg.Wait()
	for i := range paths {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if data, err := os.ReadFile(paths[i]); err != nil || string(data) != "#!/bin/sh\n" {
			t.Fatalf("caller %d: %s holds %q, %v", i, paths[i], data, err)
		}
	}
	n := builds.Load()
	again, err := c.Executable(key, "tool", build)
	if err != nil {
		t.Fatal(err)
	}
	if builds.Load() != n {
		t.Error("Executable built again with the executable in the cache")
	}
	if again != paths[0] {
		t.Errorf("path %s, then %s", paths[0], again)
	}
	leftovers, _ := filepath.Glob(filepath.Join(c.Dir(), dirExecutables, ".tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary directories left behind: %v", leftovers)
	}
}

func TestExecutableBuildFails(t *testing.T) {
	c, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	key := NewKey([]byte("tool"))
	if _, err := c.Executable(key, "tool", func(string) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("error %v, want the build's", err)
	}
	built := false
	if _, err := c.Executable(key, "tool", func(path string) error {
		built = true
		return os.WriteFile(path, nil, 0o755)
	}); err != nil || !built {
		t.Errorf("after a failed build: err %v, built %v; want a new build", err, built)
	}
}

func TestTrim(t *testing.T) {
	c, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	old, fresh := NewKey([]byte("old")), NewKey([]byte("fresh"))
	for _, k := range []Key{old, fresh} {
		if err := c.Put(k, []byte(k.String())); err != nil {
			t.Fatal(err)
		}
	}
	oldExe, err := c.Executable(old, "tool", func(path string) error { return os.WriteFile(path, nil, 0o755) })
	if err != nil {
		t.Fatal(err)
	}
	long := time.Now().Add(-MaxAge - time.Hour)
	for _, name := range []string{filepath.Join(c.Dir(), dirOutputs, old.String()), filepath.Dir(oldExe)} {
		if err := os.Chtimes(name, long, long); err != nil {
			t.Fatal(err)
		}
	}
	c.Trim()
	if _, ok := c.Get(old); ok {
		t.Error("Trim kept an output unused for longer than MaxAge")
	}
	if _, err := os.Stat(filepath.Dir(oldExe)); err == nil {
		t.Error("Trim kept an executable unused for longer than MaxAge")
	}
	if got, ok := c.Get(fresh); !ok || !bytes.Equal(got, []byte(fresh.String())) {
		t.Error("Trim removed a fresh output")
	}
	// Within a day of the last trim, Trim does nothing.
	if err := c.Put(old, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(c.Dir(), dirOutputs, old.String()), long, long); err != nil {
		t.Fatal(err)
	}
	c.Trim()
	if _, ok := c.Get(old); !ok {
		t.Error("a second Trim within a day removed an entry")
	}
}

func TestGetMarksUse(t *testing.T) {
	c, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := NewKey([]byte("k"))
	if err := c.Put(key, nil); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(c.Dir(), dirOutputs, key.String())
	long := time.Now().Add(-MaxAge - time.Hour)
	if err := os.Chtimes(name, long, long); err != nil {
		t.Fatal(err)
	}
	c.Get(key)
	c.Trim()
	if _, ok := c.Get(key); !ok {
		t.Error("Trim removed an entry Get had just used")
	}
}
