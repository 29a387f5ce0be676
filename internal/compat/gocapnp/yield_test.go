package gocapnp

import "time"

func runtimeYield() { time.Sleep(time.Millisecond) }
