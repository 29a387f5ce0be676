package ipc

// Read budget of a received message. go-capnp charges every struct or list
// reached through a pointer against its message's traversal limit, each
// time it is reached; an element of a list of zero-sized structs or of
// Void counts as 8 bytes although it takes none in the message, and so
// does an element of a list of Bool, which takes one bit. Its default
// limit, 64 MiB whatever the message's size, lets a 48-byte message hold
// a list of 8 Mi zero-sized structs, for which generated code allocates 8
// Mi Go values (320 MiB for a small struct type).
//
// A connection instead gives every message it receives a budget of
// readBudgetFactor times its size, at least minReadBudget and at most
// maxReadBudget (go-capnp's default, so no message may be read further
// than before). The factor is 64 because a legitimate List(Bool) of n
// elements takes n/8 bytes and is charged 8n; every other list or struct
// that a message holds once is charged at most its size in the message.
// So a message read once, as generated code reads it, always fits, and
// what it can make generated code allocate is bounded by a constant times
// its size: a list of zero-sized structs can have at most 8 elements per
// byte of its message.
//
// The RPC layer, generated code and the debug log (which gets a budget of
// its own) read a message; a message whose reading exceeds the budget
// fails with "read traversal limit reached", which generated code returns
// as the call's error.
const (
	readBudgetFactor = 64
	minReadBudget    = 64 << 10
	maxReadBudget    = 64 << 20
)

// readBudget returns the traversal limit for a received message of size
// bytes: readBudgetFactor times size, clamped to [minReadBudget,
// maxReadBudget].
func readBudget(size uint64) uint64 {
	if size > maxReadBudget/readBudgetFactor {
		return maxReadBudget
	}
	return max(size*readBudgetFactor, minReadBudget)
}
