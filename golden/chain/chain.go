// Package chain is a golden case for callbacks, modelled on Bitcoin Core's
// interfaces::Chain: a Notifications listener registered with
// HandleNotifications and kept (called after the registering call
// returned) until its Handler is disconnected; func-typed callbacks, named
// and called during the call; and a callback that calls back into the
// chain, recursively.
package chain

import "context"

// BlockInfo describes a connected block.
type BlockInfo struct {
	Hash   [32]byte
	Height int32
}

// SettingsUpdate receives the current value of a setting and returns the
// new value and an action code.
type SettingsUpdate func(value string) (string, int32)

// Visitor is called by Chain.Walk with the current depth; it may call
// back into the chain.
type Visitor func(ctx context.Context, depth int32) (int32, error)

// Notifications receives chain events.
//
//ipc:interface
type Notifications interface {
	// BlockConnected announces a new tip.
	BlockConnected(ctx context.Context, block BlockInfo) error
	// ChainStateFlushed announces that the chain state reached disk.
	ChainStateFlushed(ctx context.Context) error
}

// Handler keeps a registration alive until Disconnect.
//
//ipc:interface
type Handler interface {
	// Disconnect stops the notifications; the listener is released.
	Disconnect(ctx context.Context) error
}

// Chain is the node's view of the block chain.
//
//ipc:interface
type Chain interface {
	// GetHeight returns the height of the tip, ok false before genesis.
	GetHeight(ctx context.Context) (height int32, ok bool, err error)
	// HandleNotifications registers n; it is called until the Handler is
	// disconnected or released.
	HandleNotifications(ctx context.Context, n Notifications) (Handler, error)
	// ConnectBlock connects a block and notifies every listener (a stand-in
	// for the node's own events).
	ConnectBlock(ctx context.Context, block BlockInfo) error
	// UpdateSetting calls update with the setting's value, stores the new
	// value and returns it.
	UpdateSetting(ctx context.Context, name string, update SettingsUpdate) (string, error)
	// Walk calls visit with depth and returns what it returns.
	Walk(ctx context.Context, depth int32, visit Visitor) (int32, error)
}
