// Package gencache is ifacegen's on-disk cache: executables it builds once
// (capnpc-go) and outputs of deterministic steps (capnpc-go's bindings for
// a CodeGeneratorRequest), kept between runs so that a warm run pays for
// neither.
//
// The cache lives in $IFACEGEN_CACHE, else in "ifacegen" below the user's
// cache directory (os.UserCacheDir: $XDG_CACHE_HOME or ~/.cache on Linux).
// IFACEGEN_CACHE=off disables it. Entries are named by Key, a hash of
// everything their content depends on; the caller decides what that is.
//
// Every entry is written to a temporary name in the cache directory and
// renamed into place, so concurrent ifacegen processes sharing a cache
// never see a partial entry: at worst two of them build the same entry
// and the last rename wins, with the same content. Entries unused for
// MaxAge are removed, at most once a day, by Trim.
//
// A *Cache is safe for concurrent use. The cache is a speed-up only: a
// caller that cannot open or write it does the work itself.
package gencache

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// EnvVar names the environment variable that overrides the cache
// directory; the value "off" disables the cache.
const EnvVar = "IFACEGEN_CACHE"

// MaxAge is how long an entry may go unused before Trim removes it.
const MaxAge = 5 * 24 * time.Hour

// markInterval is how stale an entry's modification time may get before a
// use refreshes it (as the go command's cache does, to save writes).
const markInterval = time.Hour

// trimInterval is how often Trim actually scans the cache.
const trimInterval = 24 * time.Hour

// ErrDisabled is Open's error when IFACEGEN_CACHE is "off".
var ErrDisabled = errors.New("the ifacegen cache is off (" + EnvVar + "=off)")

// Cache is an opened cache directory.
type Cache struct {
	dir string
}

// Key names an entry: a hash of what the entry's content depends on.
type Key [sha256.Size]byte

// NewKey hashes parts, each length-prefixed so that no two different
// lists of parts give the same key.
func NewKey(parts ...[]byte) Key {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	var k Key
	h.Sum(k[:0])
	return k
}

// String returns the key in hex, as it appears in file names.
func (k Key) String() string { return hex.EncodeToString(k[:]) }

// Open returns the cache in $IFACEGEN_CACHE or the user's cache directory,
// creating the directory when it does not exist. It fails when the cache
// is off (ErrDisabled), no cache directory is known, or it cannot be
// created.
func Open() (*Cache, error) {
	dir := os.Getenv(EnvVar)
	switch {
	case dir == "off":
		return nil, ErrDisabled
	case dir == "":
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("ifacegen cache: %w", err)
		}
		dir = filepath.Join(base, "ifacegen")
	case !filepath.IsAbs(dir):
		return nil, fmt.Errorf("ifacegen cache: %s=%s is not an absolute path", EnvVar, dir)
	}
	return OpenDir(dir)
}

// OpenDir returns the cache in dir, creating dir when it does not exist.
func OpenDir(dir string) (*Cache, error) {
	for _, sub := range []string{dirOutputs, dirExecutables} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o777); err != nil {
			return nil, fmt.Errorf("ifacegen cache: %w", err)
		}
	}
	return &Cache{dir: dir}, nil
}

// The cache's subdirectories.
const (
	dirOutputs     = "out" // one file per output, named by its key
	dirExecutables = "exe" // one directory per executable, named by its key
)

// Dir returns the cache's directory.
func (c *Cache) Dir() string { return c.dir }

// Get returns the output stored under key, or false when there is none
// (or it cannot be read). The caller owns the returned slice.
func (c *Cache) Get(key Key) ([]byte, bool) {
	name := filepath.Join(c.dir, dirOutputs, key.String())
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, false
	}
	markUsed(name)
	return data, true
}

// Put stores data under key, replacing what was there.
func (c *Cache) Put(key Key, data []byte) error {
	dir := filepath.Join(c.dir, dirOutputs)
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("ifacegen cache: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ifacegen cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, key.String())); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ifacegen cache: %w", err)
	}
	return nil
}

// Executable returns the path of the executable stored under key with the
// given file name, calling build to make it when it is not there yet.
// build writes the executable to the path it is given (a fresh temporary
// directory inside the cache, so that the final rename is atomic); its
// error is returned as is, and nothing is stored then.
//
// Concurrent callers with the same key may each run build; every caller
// gets a complete executable.
func (c *Cache) Executable(key Key, name string, build func(path string) error) (string, error) {
	final := filepath.Join(c.dir, dirExecutables, key.String())
	exe := filepath.Join(final, name)
	if fi, err := os.Stat(exe); err == nil && fi.Mode().IsRegular() {
		markUsed(final)
		return exe, nil
	}
	tmp, err := os.MkdirTemp(filepath.Join(c.dir, dirExecutables), ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("ifacegen cache: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op after a successful rename
	if err := build(filepath.Join(tmp, name)); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		// Another process got there first (renaming onto a non-empty
		// directory fails): use its executable.
		if fi, serr := os.Stat(exe); serr == nil && fi.Mode().IsRegular() {
			return exe, nil
		}
		return "", fmt.Errorf("ifacegen cache: %w", err)
	}
	return exe, nil
}

// markUsed refreshes the modification time of an entry when it is older
// than markInterval, so that Trim keeps entries in use.
func markUsed(name string) {
	fi, err := os.Stat(name)
	if err != nil {
		return
	}
	if now := time.Now(); now.Sub(fi.ModTime()) > markInterval {
		os.Chtimes(name, now, now)
	}
}

// Trim removes the entries unused for MaxAge, and leftover temporary files
// as old, unless the cache was trimmed less than a day ago. Errors are
// ignored: trimming is housekeeping.
func (c *Cache) Trim() {
	stamp := filepath.Join(c.dir, "trim.txt")
	now := time.Now()
	if fi, err := os.Stat(stamp); err == nil && now.Sub(fi.ModTime()) < trimInterval {
		return
	}
	if err := os.WriteFile(stamp, []byte(now.UTC().Format(time.RFC3339)+"\n"), 0o666); err != nil {
		return
	}
	for _, sub := range []string{dirOutputs, dirExecutables} {
		entries, err := os.ReadDir(filepath.Join(c.dir, sub))
		if err != nil {
			continue
		}
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil || now.Sub(fi.ModTime()) < MaxAge {
				continue
			}
			os.RemoveAll(filepath.Join(c.dir, sub, e.Name()))
		}
	}
}
