// Package broken does not type-check, but it mentions no //ipc: directive,
// so Load skips it without a word (a pattern like ./... may match it).
package broken

var _ int = "not an int"
