//go:build !race

package capnprpc_test

const raceEnabled = false
