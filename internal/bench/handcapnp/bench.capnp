# The benchmarked service written by hand, schema first, as a go-capnp user
# would without ifacegen. Regenerate the bindings (bench.capnp.go) with
# go generate in this directory; see doc.go.

@0x91bbb887d3349b05;

using Go = import "/go.capnp";
$Go.package("handcapnp");
$Go.import("github.com/ifacegen/ifacegen/internal/bench/handcapnp");

interface Bench @0xc5b2d5e3a1f04e77 {
  add @0 (a :Int64, b :Int64) -> (sum :Int64);
  echo @1 (data :Data) -> (data :Data);
  visit @2 (n :Int64, v :Visitor) -> (result :Int64);
}

interface Visitor @0xe41c7a2b9d3f5066 {
  call @0 (n :Int64) -> (result :Int64);
}
