package schema

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The expected IDs below are what capnp 0.9.2 derived for a test file
// @0xe0f5b4a3c2d1e0f1 declaring struct Opts, struct E, enum Kind and
// interface Mining @0xc0f5b4a3c2d1e0f1 with methods isTestChain,
// createNewBlock and interrupt. TestOracleRequest checks the same rules
// against the installed compiler on every test model.

func TestChildID(t *testing.T) {
	const file = 0xe0f5b4a3c2d1e0f1
	got := map[string]uint64{}
	for _, name := range []string{"Opts", "E", "Kind"} {
		got[name] = ChildID(file, name)
	}
	want := map[string]uint64{
		"Opts": 12873117022660604948,
		"E":    11590498231762548806,
		"Kind": 10022294535993948716,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ChildID (-compiler +ours):\n%s", diff)
	}
}

func TestGoAnnotationIDs(t *testing.T) {
	// capnpc-go recognizes $Go.package and $Go.import by these IDs.
	if got := ChildID(goCapnpFileID, "package"); got != goPackageAnnotID {
		t.Errorf("ChildID(go.capnp, package) = %#x, want %#x", got, uint64(goPackageAnnotID))
	}
	if got := ChildID(goCapnpFileID, "import"); got != goImportAnnotID {
		t.Errorf("ChildID(go.capnp, import) = %#x, want %#x", got, uint64(goImportAnnotID))
	}
}

func TestMethodStructID(t *testing.T) {
	const iface = 0xc0f5b4a3c2d1e0f1
	type pair struct{ Params, Results uint64 }
	var got []pair
	for ord := range uint16(3) {
		got = append(got, pair{MethodStructID(iface, ord, false), MethodStructID(iface, ord, true)})
	}
	want := []pair{
		{16247524296974906118, 14712619610779524023}, // isTestChain @0
		{15385943133412791910, 14858010319634545312}, // createNewBlock @1
		{15296108823244484179, 17124272798207737396}, // interrupt @2
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MethodStructID (-compiler +ours):\n%s", diff)
	}
}

func TestFileID(t *testing.T) {
	pkg := miningModel()
	// MD5("example.com/x/mining/miningipc") starts ff6b677e6861ff2f (high bit
	// already set).
	if got, want := FileID(pkg), uint64(0xff6b677e6861ff2f); got != want {
		t.Errorf("FileID = %#x, want %#x", got, want)
	}
	other := miningModel()
	other.IPCPath = "example.com/y/mining/miningipc"
	if FileID(other) == FileID(pkg) {
		t.Errorf("FileID ignores IPCPath")
	}
}

func TestInterfaceID(t *testing.T) {
	pkg := kindsModel()
	if got, want := InterfaceID(pkg, pkg.Interfaces[0]), ChildID(FileID(pkg), "Kinds"); got != want {
		t.Errorf("derived InterfaceID = %#x, want %#x", got, want)
	}
	if got, want := InterfaceID(pkg, pkg.Interfaces[1]), uint64(0xa1b2c3d4e5f60718); got != want {
		t.Errorf("pinned InterfaceID = %#x, want %#x", got, want)
	}
}
