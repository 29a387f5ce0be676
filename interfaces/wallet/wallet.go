// Package wallet declares the wallet process's interfaces, modelled on
// Bitcoin Core's interfaces::WalletLoader and interfaces::Wallet: the node
// (or a GUI through the node) asks a WalletLoader to create and load
// wallets, and calls each Wallet for addresses, balances, transactions and
// payments. A wallet learns about blocks and mempool transactions through
// the chain.Chain its loader was given, by registering chain.Notifications.
//
// Loader is an in-memory implementation:
//
//	loader := wallet.NewLoader(node) // node is a chain.Chain, perhaps a client of another process
//	w, _, err := loader.CreateWallet(ctx, "demo", "", 0)
//	addr, err := w.GetNewAddress(ctx, "mining")
//	// ... the node mines to addr ...
//	balance, err := w.GetBalance(ctx)
package wallet

//go:generate go run github.com/ifacegen/ifacegen/cmd/ifacegen .

import (
	"context"
	"errors"

	"github.com/ifacegen/ifacegen/interfaces/chain"
)

// Balances are a wallet's balances.
type Balances struct {
	// Balance is what the wallet can spend: confirmed coins, and the
	// change of its own unconfirmed payments.
	Balance chain.Amount
	// UnconfirmedBalance is what others paid the wallet in transactions
	// not yet in a block.
	UnconfirmedBalance chain.Amount
}

// WalletTx is a transaction that pays the wallet or spends its coins.
type WalletTx struct {
	TxID chain.Hash
	Tx   chain.Transaction
	// Credit is what the transaction pays to the wallet's addresses.
	Credit chain.Amount
	// Debit is what the wallet's coins it spends held.
	Debit chain.Amount
	// BlockHeight is the height of the block that confirmed the
	// transaction; nil while it is unconfirmed.
	BlockHeight *int32
	// Time is when the wallet first saw the transaction: its block's time
	// stamp, or the tip's for a mempool transaction (seconds since 1970).
	Time int64
}

// Net returns what the transaction changed in the wallet's balance.
func (t WalletTx) Net() chain.Amount { return t.Credit - t.Debit }

// AddressInfo is one of a wallet's addresses.
type AddressInfo struct {
	Address string
	Label   string
	// IsChange is true for an address the wallet made for change.
	IsChange bool
}

// Recipient is an output of a payment.
type Recipient struct {
	Address string
	Amount  chain.Amount
	// SubtractFeeFromAmount makes the recipient pay the fee.
	SubtractFeeFromAmount bool
}

// ChangeType says how a wallet transaction changed.
//
//ipc:enum
type ChangeType int32

// How a wallet transaction changed (Bitcoin Core's ChangeType).
const (
	ChangeNew     ChangeType = iota // the wallet sees it for the first time
	ChangeUpdated                   // it was confirmed or unconfirmed
	ChangeDeleted                   // it was removed from the wallet
)

// BalanceChangedFn receives a wallet's balances whenever they change. An
// error ends the registration.
type BalanceChangedFn func(ctx context.Context, balances Balances) error

// TransactionChangedFn receives the id of a wallet transaction that
// changed, and how. An error ends the registration.
type TransactionChangedFn func(ctx context.Context, txid chain.Hash, status ChangeType) error

// LoadWalletFn receives every wallet a loader creates or loads. An error
// ends the registration.
type LoadWalletFn func(ctx context.Context, w Wallet) error

// Errors of wallets and loaders; errors.Is holds across processes too.
var (
	// ErrWalletNotFound: no wallet has the name given.
	//
	//ipc:error
	ErrWalletNotFound = errors.New("wallet not found")
	// ErrWalletExists: a wallet with the name given exists already.
	//
	//ipc:error
	ErrWalletExists = errors.New("wallet already exists")
	// ErrInsufficientFunds: the wallet's balance does not cover the
	// payment and its fee.
	//
	//ipc:error
	ErrInsufficientFunds = errors.New("insufficient funds")
)

// Wallet is one loaded wallet. Its methods are safe for concurrent use.
// A Wallet that was removed (Remove, or its loader stopped) refuses calls
// that need the chain.
//
//ipc:interface
type Wallet interface {
	// GetWalletName returns the wallet's name.
	GetWalletName(ctx context.Context) (string, error)
	// GetNewAddress returns a new receiving address with label.
	GetNewAddress(ctx context.Context, label string) (string, error)
	// GetAddresses returns every address of the wallet, in the order
	// they were made.
	GetAddresses(ctx context.Context) ([]AddressInfo, error)
	// GetBalance returns the spendable balance (Balances.Balance).
	GetBalance(ctx context.Context) (chain.Amount, error)
	// GetBalances returns all the wallet's balances.
	GetBalances(ctx context.Context) (Balances, error)
	// GetWalletTx returns the wallet transaction txid, or nil if the
	// wallet does not have it.
	GetWalletTx(ctx context.Context, txid chain.Hash) (*WalletTx, error)
	// GetWalletTxs returns every wallet transaction, oldest first.
	GetWalletTxs(ctx context.Context) ([]WalletTx, error)
	// CreateTransaction builds and signs a transaction paying recipients
	// from the wallet's coins, with change back to a new change address,
	// without broadcasting it; it returns the transaction and its fee.
	CreateTransaction(ctx context.Context, recipients []Recipient) (tx chain.Transaction, fee chain.Amount, err error)
	// CommitTransaction broadcasts tx through the chain and records it in
	// the wallet.
	CommitTransaction(ctx context.Context, tx chain.Transaction) error
	// SendToAddress pays amount to address: CreateTransaction then
	// CommitTransaction. It returns the transaction's id.
	SendToAddress(ctx context.Context, address string, amount chain.Amount) (chain.Hash, error)
	// HandleBalanceChanged calls fn with the balances whenever they
	// change, until the returned Handler is disconnected or released.
	HandleBalanceChanged(ctx context.Context, fn BalanceChangedFn) (chain.Handler, error)
	// HandleTransactionChanged calls fn whenever a wallet transaction is
	// added or changes, until the returned Handler is disconnected or
	// released.
	HandleTransactionChanged(ctx context.Context, fn TransactionChangedFn) (chain.Handler, error)
	// Remove unloads the wallet: it stops listening to the chain and
	// leaves the loader's list. LoadWallet loads it again.
	Remove(ctx context.Context) error
}

// ChainClient is what the node drives of a chain client (Bitcoin Core's
// interfaces::ChainClient, which the wallet loader implements) through its
// life: verify and load at startup, start, flush and stop at shutdown.
//
//ipc:interface
type ChainClient interface {
	// Verify checks the client's configuration; false stops startup.
	Verify(ctx context.Context) (bool, error)
	// Load loads the wallets to open at startup; false stops startup.
	Load(ctx context.Context) (bool, error)
	// Start starts the client's background work.
	Start(ctx context.Context) error
	// Flush writes the client's state to disk.
	Flush(ctx context.Context) error
	// Stop unloads every wallet and lets go of the chain.
	Stop(ctx context.Context) error
	// SetMockTime makes the client use t (seconds since 1970) as the
	// current time, for tests; zero goes back to the clock.
	SetMockTime(ctx context.Context, t int64) error
}

// WalletLoader creates, loads and lists wallets. Its methods are safe for
// concurrent use.
//
//ipc:interface
type WalletLoader interface {
	ChainClient
	// CreateWallet creates and loads the wallet name, encrypted with
	// passphrase unless it is empty; flags are wallet creation flags
	// (none are defined here). It fails with ErrWalletExists if there is
	// a wallet of that name.
	CreateWallet(ctx context.Context, name, passphrase string, flags uint64) (w Wallet, warnings []string, err error)
	// LoadWallet loads the wallet name, which must have been created
	// before, and catches up with the chain. It fails with
	// ErrWalletNotFound if there is no such wallet and ErrWalletExists if
	// it is loaded.
	LoadWallet(ctx context.Context, name string) (w Wallet, warnings []string, err error)
	// GetWalletDir returns the directory the wallets live in.
	GetWalletDir(ctx context.Context) (string, error)
	// ListWalletDir returns the names of every wallet, loaded or not,
	// sorted.
	ListWalletDir(ctx context.Context) ([]string, error)
	// GetWallets returns the loaded wallets, in the order they were
	// loaded. The caller owns them (releases them when done).
	GetWallets(ctx context.Context) ([]Wallet, error)
	// HandleLoadWallet calls fn with every wallet created or loaded from
	// now on, until the returned Handler is disconnected or released.
	HandleLoadWallet(ctx context.Context, fn LoadWalletFn) (chain.Handler, error)
}
