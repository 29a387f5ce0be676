package mpthread_test

import (
	"testing"

	"github.com/ifacegen/ifacegen/runtime/mpproxy/mpproxyipc"
	"github.com/ifacegen/ifacegen/runtime/mpthread"
)

// TestIDs: the protocol's IDs are those of the generated mp/proxy.capnp
// (which internal/mpexamples conforms to the real file).
func TestIDs(t *testing.T) {
	if mpthread.ThreadMapID != mpproxyipc.ThreadMap_TypeID || mpthread.ThreadID != mpproxyipc.Thread_TypeID || mpthread.ContextID != mpproxyipc.Context_TypeID {
		t.Errorf("IDs %#x %#x %#x, mpproxyipc's %#x %#x %#x", mpthread.ThreadMapID, mpthread.ThreadID, mpthread.ContextID,
			uint64(mpproxyipc.ThreadMap_TypeID), uint64(mpproxyipc.Thread_TypeID), uint64(mpproxyipc.Context_TypeID))
	}
}
