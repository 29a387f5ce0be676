// Package benchpb holds the protoc-generated messages and gRPC service for the
// benchmarked service (bench.proto), used by the gRPC-go and go-plugin
// implementations in internal/bench. The .pb.go files are committed.
//
// Regenerate with `go generate` here. It needs protoc (Debian package
// protobuf-compiler) and the two plugins at the versions pinned below on PATH:
//
//	go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
//	go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
package benchpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative bench.proto
