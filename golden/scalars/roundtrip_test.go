package scalars_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/scalars"
	"github.com/ifacegen/ifacegen/golden/scalars/scalarsipc"
	"github.com/ifacegen/ifacegen/runtime/ipc"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connect serves impl over a real unix socket pair and returns a client
// for it; both ends are closed when the test ends.
func connect(t *testing.T, impl scalars.Scalars) *scalarsipc.ScalarsClient {
	t.Helper()
	a, b, err := ipc.SocketPair()
	if err != nil {
		t.Fatal(err)
	}
	server := ipc.NewConn(a, &ipc.Options{Bootstrap: scalarsipc.NewScalarsServer(impl)})
	conn := ipc.NewConn(b, nil)
	client := scalarsipc.NewScalarsClient(conn.Bootstrap(context.Background()))
	t.Cleanup(func() {
		client.Release()
		conn.Close()
		server.Close()
	})
	return client
}

// echo returns what it is given.
type echo struct{}

func (echo) Echo(_ context.Context, b bool, i8 int8, i16 int16, i32 int32, i64 int64, i int,
	u8 uint8, u16 uint16, u32 uint32, u64 uint64, u uint, f32 float32, f64 float64,
) (bool, int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint, float32, float64, error) {
	return b, i8, i16, i32, i64, i, u8, u16, u32, u64, u, f32, f64, nil
}

func (echo) EchoNamed(_ context.Context, h scalars.Height, s scalars.Score, f scalars.Flag, d time.Duration, c byte) (scalars.Height, scalars.Score, scalars.Flag, time.Duration, byte, error) {
	return h, s, f, d, c, nil
}

func (echo) EchoAll(_ context.Context, v scalars.All) (scalars.All, error) { return v, nil }

var negZero = math.Copysign(0, -1)

// equal compares with NaN equal to NaN, also for the named float Score
// (which cmpopts.EquateNaNs does not cover).
var equal = cmp.Options{
	cmpopts.EquateNaNs(),
	cmp.Comparer(func(a, b scalars.Score) bool { return a == b || a != a && b != b }),
}

// values are the scalars every test sends: zero values, both extremes of
// every type, and the float specials.
var values = map[string]scalars.All{
	"zero": {},
	"max": {
		B: true, I8: math.MaxInt8, I16: math.MaxInt16, I32: math.MaxInt32, I64: math.MaxInt64, I: math.MaxInt,
		U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxUint64, U: math.MaxUint,
		F32: math.MaxFloat32, F64: math.MaxFloat64,
		H: math.MaxInt32, S: math.MaxFloat64, F: true, D: math.MaxInt64,
	},
	"min": {
		I8: math.MinInt8, I16: math.MinInt16, I32: math.MinInt32, I64: math.MinInt64, I: math.MinInt,
		F32: -math.MaxFloat32, F64: -math.MaxFloat64,
		H: math.MinInt32, S: -math.MaxFloat64, D: math.MinInt64,
	},
	"tiny":    {F32: math.SmallestNonzeroFloat32, F64: math.SmallestNonzeroFloat64, S: -math.SmallestNonzeroFloat64, D: time.Nanosecond},
	"nan":     {F32: float32(math.NaN()), F64: math.NaN(), S: scalars.Score(math.NaN())},
	"inf":     {F32: float32(math.Inf(1)), F64: math.Inf(-1), S: scalars.Score(math.Inf(1))},
	"negzero": {F32: float32(negZero), F64: negZero, S: scalars.Score(negZero)},
}

// checkSigns reports a -0.0 that came back as +0.0 (cmp treats them as equal).
func checkSigns(t *testing.T, want, got scalars.All) {
	t.Helper()
	if math.Signbit(float64(want.F32)) != math.Signbit(float64(got.F32)) ||
		math.Signbit(want.F64) != math.Signbit(got.F64) ||
		math.Signbit(float64(want.S)) != math.Signbit(float64(got.S)) {
		t.Errorf("sign of zero lost: sent %v, got %v", want, got)
	}
}

func TestEchoAll(t *testing.T) {
	c := connect(t, echo{})
	for name, want := range values {
		t.Run(name, func(t *testing.T) {
			got, err := c.EchoAll(context.Background(), want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, equal); diff != "" {
				t.Errorf("EchoAll (-want +got):\n%s", diff)
			}
			checkSigns(t, want, got)
		})
	}
}

func TestEchoParamsAndResults(t *testing.T) {
	c := connect(t, echo{})
	for name, want := range values {
		t.Run(name, func(t *testing.T) {
			var got scalars.All
			var err error
			got.B, got.I8, got.I16, got.I32, got.I64, got.I, got.U8, got.U16, got.U32, got.U64, got.U, got.F32, got.F64, err = c.Echo(
				context.Background(), want.B, want.I8, want.I16, want.I32, want.I64, want.I,
				want.U8, want.U16, want.U32, want.U64, want.U, want.F32, want.F64)
			if err != nil {
				t.Fatal(err)
			}
			var c8 byte
			got.H, got.S, got.F, got.D, c8, err = c.EchoNamed(context.Background(), want.H, want.S, want.F, want.D, want.U8)
			if err != nil {
				t.Fatal(err)
			}
			if c8 != want.U8 {
				t.Errorf("EchoNamed byte = %d, want %d", c8, want.U8)
			}
			if diff := cmp.Diff(want, got, equal); diff != "" {
				t.Errorf("Echo and EchoNamed (-want +got):\n%s", diff)
			}
			checkSigns(t, want, got)
		})
	}
}
