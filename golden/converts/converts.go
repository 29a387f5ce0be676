// Package converts is a golden case for //ipc:convert hooks: a type with
// only unexported fields crosses as a struct of its own choosing, another
// as a string, and a hook's error on either side becomes the call's error.
package converts

import (
	"context"
	"errors"
	"strconv"
)

// Amount is an amount of satoshis; its value is private.
type Amount struct{ sats int64 }

// NewAmount returns an amount of sats.
func NewAmount(sats int64) Amount { return Amount{sats} }

// Sats returns the amount in satoshis.
func (a Amount) Sats() int64 { return a.sats }

// AmountWire is how an Amount crosses.
type AmountWire struct {
	Sats int64
}

// AmountToWire converts an Amount for the wire; negative amounts fail.
//
//ipc:convert
func AmountToWire(a Amount) (AmountWire, error) {
	if a.sats < 0 {
		return AmountWire{}, errors.New("amount: negative")
	}
	return AmountWire{Sats: a.sats}, nil
}

// AmountFromWire converts back; amounts above 21e14 fail.
//
//ipc:convert
func AmountFromWire(w AmountWire) (Amount, error) {
	if w.Sats > 21e14 {
		return Amount{}, errors.New("amount: more than all bitcoin")
	}
	return Amount{w.Sats}, nil
}

// Label is a private string that crosses as decimal text of its length
// and content.
type Label struct{ s string }

// NewLabel returns a label.
func NewLabel(s string) Label { return Label{s} }

// String returns the label's text.
func (l Label) String() string { return l.s }

// LabelText converts a Label to text.
//
//ipc:convert
func LabelText(l Label) (string, error) { return strconv.Quote(l.s), nil }

// LabelFromText converts text to a Label.
//
//ipc:convert
func LabelFromText(s string) (Label, error) {
	u, err := strconv.Unquote(s)
	return Label{u}, err
}

// Wallet moves amounts.
//
//ipc:interface
type Wallet interface {
	// Double returns twice a, and the labels back.
	Double(ctx context.Context, a Amount, labels []Label, maybe *Amount) (Amount, []Label, *Amount, error)
}
