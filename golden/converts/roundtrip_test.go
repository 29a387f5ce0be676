package converts_test

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/ifacegen/ifacegen/golden/converts"
	"github.com/ifacegen/ifacegen/golden/converts/convertsipc"
	"github.com/ifacegen/ifacegen/runtime/ipctest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type wallet struct{}

func (wallet) Double(_ context.Context, a converts.Amount, labels []converts.Label, maybe *converts.Amount) (converts.Amount, []converts.Label, *converts.Amount, error) {
	return converts.NewAmount(2 * a.Sats()), labels, maybe, nil
}

func TestConvertHooks(t *testing.T) {
	ctx := context.Background()
	c := convertsipc.NewWalletClient(ipctest.Pipe(t, convertsipc.NewWalletServer(wallet{})))
	defer c.Release()
	m := converts.NewAmount(7)
	a, labels, maybe, err := c.Double(ctx, converts.NewAmount(21), []converts.Label{converts.NewLabel("a \"b\""), converts.NewLabel("")}, &m)
	if err != nil {
		t.Fatal(err)
	}
	if a.Sats() != 42 || len(labels) != 2 || labels[0].String() != "a \"b\"" || labels[1].String() != "" || maybe == nil || maybe.Sats() != 7 {
		t.Errorf("Double = %v, %v, %v", a, labels, maybe)
	}
	if _, _, maybe, err := c.Double(ctx, converts.NewAmount(1), nil, nil); err != nil || maybe != nil {
		t.Errorf("Double with nil = %v, %v", maybe, err)
	}
	// The caller's hook fails: the call is not sent.
	if _, _, _, err := c.Double(ctx, converts.NewAmount(-1), nil, nil); err == nil || !strings.Contains(err.Error(), "amount: negative") {
		t.Errorf("Double(-1): %v; want the hook's error", err)
	}
	// The implementation's hook fails reading the argument.
	if _, _, _, err := c.Double(ctx, converts.NewAmount(3e14), nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.Double(ctx, converts.NewAmount(22e14), nil, nil); err == nil || !strings.Contains(err.Error(), "amount: more than all bitcoin") {
		t.Errorf("Double(22e14): %v; want the implementation side's hook error", err)
	}
	// The caller's hook fails reading the result.
	if _, _, _, err := c.Double(ctx, converts.NewAmount(15e14), nil, nil); err == nil || !strings.Contains(err.Error(), "amount: more than all bitcoin") {
		t.Errorf("Double(15e14): %v; want the caller side's hook error on the result", err)
	}
}
