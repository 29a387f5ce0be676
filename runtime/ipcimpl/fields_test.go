package ipcimpl_test

import (
	"errors"
	"testing"

	"github.com/ifacegen/ifacegen/runtime/ipc"
	"github.com/ifacegen/ifacegen/runtime/ipcimpl"
)

func TestFieldsKeepsTheFirstError(t *testing.T) {
	var fields ipcimpl.Fields
	if !fields.Check("A", nil) {
		t.Error("Check(nil) = false, want true")
	}
	if fields.Err() != nil {
		t.Fatalf("Err() = %v after a success, want nil", fields.Err())
	}
	first, second := errors.New("first"), errors.New("second")
	if fields.Check("B", ipcimpl.InElem(3, first)) {
		t.Error("Check(error) = true, want false")
	}
	if fields.Check("C", second) {
		t.Error("Check(error) = true, want false")
	}
	err := fields.Err()
	if !errors.Is(err, first) || errors.Is(err, second) {
		t.Fatalf("Err() = %v, want the first error", err)
	}
	var ce *ipc.ConvertError
	if !errors.As(err, &ce) || ce.Path != "B[3]" {
		t.Errorf("Err() = %#v, want a ConvertError at B[3]", err)
	}
}

func TestFieldsZeroValueHasNoError(t *testing.T) {
	var fields ipcimpl.Fields
	if err := fields.Err(); err != nil {
		t.Errorf("zero Fields: Err() = %v, want nil", err)
	}
}
