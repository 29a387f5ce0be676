package schema

import (
	"bytes"
	"context"
	"os/exec"
	"runtime"
	"sync"

	"github.com/ifacegen/ifacegen/internal/gencache"
)

// capnpModule is the module capnpc-go comes from.
const capnpModule = "capnproto.org/go/capnp/v3"

// pluginCache is ifacegen's cache as Bindings uses it for one capnpc-go:
// the capnpc-go that the go command builds in one module directory.
type pluginCache struct {
	cache *gencache.Cache
	// identity names that capnpc-go: the capnp module's path and version
	// (and its replacement's), and the Go toolchain's version, OS and
	// architecture.
	identity []byte
}

// openPluginCache returns the cache for the capnpc-go of moduleDir, or nil
// when there is no usable cache or capnpc-go cannot be named by versions:
// the go command fails there (outside a module, or capnp is not a
// dependency: `go run` then says why), or capnp is replaced by a local
// directory, whose content can change under the same name.
func openPluginCache(ctx context.Context, moduleDir string) *pluginCache {
	cache, err := gencache.Open()
	if err != nil {
		return nil
	}
	var (
		wg                sync.WaitGroup
		module, toolchain []byte
		modErr, envErr    error
	)
	wg.Go(func() {
		module, modErr = goCommand(ctx, moduleDir, "list", "-m", "-f",
			"{{.Path}}@{{.Version}}{{with .Replace}} => {{.Path}}@{{.Version}}{{end}}", capnpModule)
	})
	wg.Go(func() {
		toolchain, envErr = goCommand(ctx, moduleDir, "env", "GOVERSION", "GOOS", "GOARCH")
	})
	wg.Wait()
	if modErr != nil || envErr != nil {
		return nil
	}
	module = bytes.TrimSpace(module)
	if bytes.HasSuffix(module, []byte("@")) || !bytes.HasPrefix(module, []byte(capnpModule+"@v")) {
		return nil // a local replacement (no version), or not what was asked
	}
	identity := append(append(module, '\n'), bytes.TrimSpace(toolchain)...)
	return &pluginCache{cache: cache, identity: identity}
}

// goCommand runs the go command in dir and returns its standard output.
func goCommand(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	return cmd.Output()
}

// outputKey names the bindings of request: the same request given to the
// same capnpc-go gives the same bindings (with ifacegen's header).
func (pc *pluginCache) outputKey(request []byte) gencache.Key {
	return gencache.NewKey([]byte("capnpc-go bindings"), pc.identity, []byte(goHeader), request)
}

// pluginBuildError is the go command's failure to build capnpc-go into
// the cache, as opposed to a failure of the cache itself.
type pluginBuildError struct{ err error }

func (e *pluginBuildError) Error() string { return e.err.Error() }

// executable returns the path of capnpc-go in the cache, building it with
// `go build` in moduleDir the first time. A failure to build is a
// *pluginBuildError; any other error means the cache cannot hold it.
func (pc *pluginCache) executable(ctx context.Context, moduleDir string) (string, error) {
	name := "capnpc-go"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	key := gencache.NewKey([]byte("capnpc-go executable"), pc.identity)
	return pc.cache.Executable(key, name, func(path string) error {
		if _, err := runCapnpcGo(ctx, moduleDir, nil, "go", "build", "-o", path, capnpcGoPackage); err != nil {
			return &pluginBuildError{err: err}
		}
		return nil
	})
}
