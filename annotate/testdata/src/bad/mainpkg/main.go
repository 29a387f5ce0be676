package main

//ipc:interface
type Service interface{ F() }

func main() {}
