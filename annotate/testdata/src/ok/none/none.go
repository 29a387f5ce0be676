// Package none has no directives at all: Load skips it.
package none

type Thing struct{ X chan int }
