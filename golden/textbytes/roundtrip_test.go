package textbytes_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"capnproto.org/go/capnp/v3"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/textbytes"
	"github.com/ifacegen/ifacegen/golden/textbytes/textbytesipc"
	"github.com/ifacegen/ifacegen/runtime/capnprpc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connect offers boot over a real unix socket pair and returns a client
// for it; both ends are closed when the test ends.
func connect(t *testing.T, boot *ipc.Capability) *textbytesipc.TextsClient {
	t.Helper()
	return textbytesipc.NewTextsClient(ipctest.Pipe(t, boot))
}

type echo struct{}

func (echo) Echo(_ context.Context, s string, b []byte, h [32]byte) (string, []byte, [32]byte, error) {
	return s, b, h, nil
}

func (echo) EchoNamed(_ context.Context, n textbytes.Name, b textbytes.Blob, h textbytes.Hash) (textbytes.Name, textbytes.Blob, textbytes.Hash, error) {
	return n, b, h, nil
}

func (echo) EchoRecord(_ context.Context, r textbytes.Record) (textbytes.Record, error) {
	return r, nil
}

func (echo) Len(_ context.Context, s string) (int, error) { return len(s), nil }

var (
	mebibyte   = strings.Repeat("0123456789abcdef", 1<<16)
	invalidUTF = "\xff\xfe\xc3\x28 not UTF-8 \xed\xa0\x80"
	withNULs   = "\x00a\x00\x00b\x00"
)

// hash returns a [32]byte whose bytes are b, b+1, ….
func hash(b byte) [32]byte {
	var h [32]byte
	for i := range h {
		h[i] = b + byte(i)
	}
	return h
}

var records = map[string]textbytes.Record{
	"zero":          {},
	"empty":         {Data: []byte{}, Blob: textbytes.Blob{}},
	"small":         {Text: "hello", Data: []byte{1, 2, 3}, Hash: hash(1), Short: [4]byte{9, 8, 7, 6}, Name: "name", Blob: textbytes.Blob("blob")},
	"invalid UTF-8": {Text: invalidUTF, Data: []byte(invalidUTF), Name: textbytes.Name(invalidUTF)},
	"NUL bytes":     {Text: withNULs, Data: []byte(withNULs), Name: textbytes.Name(withNULs), Short: [4]byte{0, 1, 0, 0}},
	"mebibyte":      {Text: mebibyte, Data: []byte(mebibyte), Hash: hash(200), Name: textbytes.Name(mebibyte), Blob: textbytes.Blob(mebibyte)},
}

// sameBytes compares byte slices ([]byte and Blob) as a whole, nil apart
// from empty: cmp's element-by-element walk takes seconds on a mebibyte.
var sameBytes = cmp.Comparer(func(x, y []byte) bool { return (x == nil) == (y == nil) && bytes.Equal(x, y) })

func TestEchoRecord(t *testing.T) {
	c := connect(t, textbytesipc.NewTextsServer(echo{}))
	for name, want := range records {
		t.Run(name, func(t *testing.T) {
			got, err := c.EchoRecord(context.Background(), want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, sameBytes); diff != "" {
				t.Errorf("EchoRecord (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEchoParams(t *testing.T) {
	c := connect(t, textbytesipc.NewTextsServer(echo{}))
	for name, want := range records {
		t.Run(name, func(t *testing.T) {
			var got textbytes.Record
			var err error
			got.Text, got.Data, got.Hash, err = c.Echo(context.Background(), want.Text, want.Data, want.Hash)
			if err != nil {
				t.Fatal(err)
			}
			got.Name, got.Blob, got.Hash, err = c.EchoNamed(context.Background(), want.Name, want.Blob, got.Hash)
			if err != nil {
				t.Fatal(err)
			}
			got.Short = want.Short // not a parameter
			if diff := cmp.Diff(want, got, sameBytes); diff != "" {
				t.Errorf("Echo and EchoNamed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLenOfMebibyte(t *testing.T) {
	c := connect(t, textbytesipc.NewTextsServer(echo{}))
	n, err := c.Len(context.Background(), mebibyte)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1<<20 {
		t.Errorf("Len = %d, want %d", n, 1<<20)
	}
}

// shortHash is a peer written against the bindings directly: its
// echoRecord answers with a 31-byte hash, which a [32]byte cannot hold.
func shortHash() *ipc.Capability {
	return capnprpc.NewLocal(capnprpc.ServerFunc(func(_ context.Context, call *capnprpc.Call) error {
		if call.InterfaceID() != textbytesipc.Texts_TypeID || call.MethodID() != 2 {
			return &capnprpc.Exception{Type: capnprpc.Unimplemented, Reason: "shortHash serves only Texts.echoRecord"}
		}
		r, err := call.AllocResults(capnp.ObjectSize{PointerCount: 1})
		if err != nil {
			return err
		}
		v, err := textbytesipc.Texts_echoRecord_Results(r).NewResult()
		if err != nil {
			return err
		}
		return v.SetHash(bytes.Repeat([]byte{7}, 31))
	}))
}

func TestShortByteArrayIsAnError(t *testing.T) {
	c := connect(t, shortHash())
	_, err := c.EchoRecord(context.Background(), textbytes.Record{})
	var ie *ipc.Error
	if !errors.As(err, &ie) || ie.Method != "textbytes.Texts.EchoRecord" {
		t.Fatalf("got %T %v, want an *ipc.Error for textbytes.Texts.EchoRecord", err, err)
	}
	var ce *ipc.ConvertError
	if !errors.As(err, &ce) || ce.Path != "result.Hash" {
		t.Fatalf("got %v, want an *ipc.ConvertError at result.Hash", err)
	}
	if want := "textbytes.Texts.EchoRecord: result.Hash: length 31, want 32"; err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
}
