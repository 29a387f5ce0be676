package ipc_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// userAPI is every exported name of runtime/ipc, each with who uses it.
// The package is what programs call, match with errors.Is/As, or name in
// their code; what only generated code calls belongs in runtime/ipcimpl,
// which makes no compatibility promise to users.
var userAPI = map[string]string{
	// Connections and processes.
	"Conn":                      "NewConn, Dial: a connection to a peer",
	"NewConn":                   "serving or calling over any stream",
	"Options":                   "NewConn's options",
	"Limits":                    "Options.Limits",
	"DefaultMaxConcurrentCalls": "the default of Options.MaxConcurrentCalls",
	"Dialect":                   "Options.Dialect",
	"Plain":                     "a Dialect",
	"Libmultiprocess":           "a Dialect: Bitcoin Core's IPC",
	"Dial":                      "connecting to a listener",
	"DialOptions":               "Dial's options",
	"Listen":                    "serving on a socket",
	"ListenOptions":             "Listen's options",
	"Listener":                  "what Listen returns",
	"Spawn":                     "starting a child process",
	"SpawnOptions":              "Spawn's options",
	"Sandbox":                   "SpawnOptions.Sandbox",
	"SyscallPolicy":             "Sandbox.Syscalls",
	"Process":                   "what Spawn returns",
	"ExitError":                 "errors.As on a child's end",
	"ServeSpawned":              "a spawned child's main",
	"SpawnFDEnv":                "how a child learns it was spawned",
	"ErrNotSpawned":             "errors.Is on ServeSpawned in a child started by hand",
	"SocketPair":                "tests and hand-made children",
	"Capability":                "what NewXServer returns and NewXClient takes",
	// Errors programs match.
	"Error":            "errors.As: a failure of the call machinery",
	"RemoteError":      "errors.As: an error the remote implementation returned",
	"ConvertError":     "errors.As: a value that could not be converted",
	"ErrDisconnected":  "errors.Is: the peer is gone",
	"ErrUnimplemented": "errors.Is: the peer lacks the method; UnimplementedX returns it",
	"ErrReleased":      "errors.Is: a call on a released client",
	"ErrTooDeep":       "errors.Is: a value nested deeper than MaxNesting",
	"MaxNesting":       "the nesting bound (README)",
	"ErrListTooLong":   "errors.Is: a list longer than its message allows",
	"ErrDuplicateKey":  "errors.Is: a map key that came twice",
	"CallError":        "a call made with Capability.Call, without a generated client",
	// Debug logging.
	"DebugEnv":  "IFACEGEN_DEBUG=ipc",
	"LogSchema": "naming the methods of hand-written bindings in debug logs",
}

// TestUserAPI fails when runtime/ipc exports a name that is not in
// userAPI, or userAPI lists a name the package no longer exports.
func TestUserAPI(t *testing.T) {
	exported := exportedNames(t, ".")
	for _, name := range exported {
		if _, ok := userAPI[name]; !ok {
			t.Errorf("runtime/ipc exports %s, which is not in userAPI: if programs use it, add it there with who does; if only generated code does, move it to runtime/ipcimpl", name)
		}
	}
	for name := range userAPI {
		if !slices.Contains(exported, name) {
			t.Errorf("userAPI lists %s, which runtime/ipc does not export; remove it from the list", name)
		}
	}
}

// exportedNames returns the exported package-level names (constants,
// variables, functions, types) that the non-test Go files of dir declare,
// for every platform.
func exportedNames(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var names []string
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names = append(names, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						names = append(names, s.Name.Name)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							names = append(names, n.Name)
						}
					}
				}
			}
		}
	}
	names = slices.DeleteFunc(names, func(n string) bool { return !token.IsExported(n) })
	if len(names) == 0 {
		t.Fatalf("no exported names found in %s", dir)
	}
	slices.Sort(names)
	return slices.Compact(names)
}
