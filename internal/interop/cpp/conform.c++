// conform is the C++ peer of the RPC engine's conformance test
// (internal/interop/conform_test.go). It is built from the schema ifacegen
// emits for internal/interop/conformapi, compiled by capnp's own C++ code
// generator, and speaks Cap'n Proto's two-party RPC over a unix socket:
//
//   conform client <socket>  connects to a Go server and checks, against
//                            the Go engine: calls pipelined two levels deep
//                            on answers not yet returned; a Pipe of its own
//                            sent to Go and reflected back while a call is
//                            pipelined on the answer (the C++ side embargoes
//                            and sends a Disembargo that Go must reflect
//                            after forwarding the pipelined call); that Go
//                            frees the Pipes it created once C++ releases
//                            them; and that cancelling a call (dropping its
//                            promise, which sends Finish) cancels the Go
//                            implementation's context.
//   conform server <socket>  listens, prints "listening" on stdout, serves
//                            one connection with a C++ Pipe (whose later()
//                            answers with a promise that resolves after the
//                            call returned, and whose block() can be
//                            cancelled) and exits when it ends.
//
// Every mismatch is printed on stderr; the exit status is 1 if there was
// any, 2 on a usage error, 0 otherwise.

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <kj/debug.h>

#include <iostream>
#include <vector>

#include "conformapi.capnp.h"

namespace {

int mismatches = 0;

void expect(bool ok, kj::StringPtr what) {
  if (!ok) {
    ++mismatches;
    std::cerr << "mismatch: " << what.cStr() << std::endl;
  }
}

// How long a C++ Pipe holds the answers of next() and reflect(), and how
// long later()'s promise takes to resolve: long enough for pipelined
// calls to arrive first (not a pass/fail timing).
constexpr auto kHold = 50 * kj::MILLISECONDS;

class TaskErrors final : public kj::TaskSet::ErrorHandler {
 public:
  void taskFailed(kj::Exception&& e) override {
    expect(false, kj::str("background task failed: ", e.getDescription()));
  }
};

// State is what every C++ Pipe of one program shares.
struct State {
  explicit State(kj::Timer& timer) : timer(timer), tasks(errors) {}
  kj::Timer& timer;
  TaskErrors errors;
  kj::TaskSet tasks;
  int32_t live = 0;
  int32_t blocking = 0;
  int32_t cancelled = 0;
};

class PipeImpl final : public Pipe::Server {
 public:
  PipeImpl(State& st, int32_t depth) : st(st), level(depth) { ++st.live; }
  ~PipeImpl() noexcept(false) { --st.live; }

  std::vector<int32_t> seqs;

 protected:
  kj::Promise<void> next(NextContext ctx) override {
    return st.timer.afterDelay(kHold).then([this, ctx]() mutable {
      ctx.getResults().setResult(kj::heap<PipeImpl>(st, level + 1));
    });
  }

  kj::Promise<void> depth(DepthContext ctx) override {
    ctx.getResults().setResult(level);
    return kj::READY_NOW;
  }

  kj::Promise<void> later(LaterContext ctx) override {
    auto paf = kj::newPromiseAndFulfiller<Pipe::Client>();
    ctx.getResults().setResult(Pipe::Client(kj::mv(paf.promise)));
    State& s = st;
    int32_t d = level + 1;
    st.tasks.add(st.timer.afterDelay(kHold).then(
        [&s, d, f = kj::mv(paf.fulfiller)]() mutable { f->fulfill(kj::heap<PipeImpl>(s, d)); }));
    return kj::READY_NOW;
  }

  kj::Promise<void> reflect(ReflectContext ctx) override {
    auto p = ctx.getParams().getP();
    return st.timer.afterDelay(kHold).then([ctx, p = kj::mv(p)]() mutable { ctx.getResults().setResult(kj::mv(p)); });
  }

  kj::Promise<void> record(RecordContext ctx) override {
    seqs.push_back(ctx.getParams().getSeq());
    ctx.getResults().setResult(seqs.size());
    return kj::READY_NOW;
  }

  kj::Promise<void> log(LogContext ctx) override {
    auto l = ctx.getResults().initResult(seqs.size());
    for (size_t i = 0; i < seqs.size(); ++i) l.set(i, seqs[i]);
    return kj::READY_NOW;
  }

  kj::Promise<void> block(BlockContext ctx) override {
    ctx.allowCancellation();
    ++st.blocking;
    State& s = st;
    return kj::Promise<void>(kj::NEVER_DONE).attach(kj::defer([&s]() {
      --s.blocking;
      ++s.cancelled;
    }));
  }

  kj::Promise<void> blocking(BlockingContext ctx) override {
    ctx.getResults().setResult(st.blocking);
    return kj::READY_NOW;
  }

  kj::Promise<void> cancelled(CancelledContext ctx) override {
    ctx.getResults().setResult(st.cancelled);
    return kj::READY_NOW;
  }

  kj::Promise<void> live(LiveContext ctx) override {
    ctx.getResults().setResult(st.live);
    return kj::READY_NOW;
  }

 private:
  State& st;
  int32_t level;
};

// poll calls ask until it answers want, up to about five seconds, and
// returns the last answer.
template <typename Ask>
int32_t poll(kj::WaitScope& ws, kj::Timer& timer, int32_t want, Ask ask) {
  int32_t got = -1;
  for (int i = 0; i < 250; ++i) {
    got = ask();
    if (got == want) break;
    timer.afterDelay(20 * kj::MILLISECONDS).wait(ws);
  }
  return got;
}

int client(kj::StringPtr socket) {
  auto io = kj::setupAsyncIo();
  auto& ws = io.waitScope;
  auto& timer = io.provider->getTimer();
  State st(timer);
  auto addr = io.provider->getNetwork().parseAddress(kj::str("unix:", socket)).wait(ws);
  auto stream = addr->connect().wait(ws);
  capnp::TwoPartyClient rpc(*stream);
  auto root = rpc.bootstrap().castAs<Pipe>();

  // Pipelining two levels deep: depth() is called on the answer of a
  // next() called on the answer of a next(), before either returned.
  {
    auto p1 = root.nextRequest().send().getResult();
    auto p2 = p1.nextRequest().send().getResult();
    auto d = p2.depthRequest().send().wait(ws).getResult();
    expect(d == 2, kj::str("depth two levels deep: got ", d, ", want 2"));
  }

  // A Pipe of our own, sent to Go and reflected back, with record(1)
  // pipelined on the answer: once the answer says the Pipe is ours, the
  // C++ side embargoes it until Go reflects its Disembargo, which Go must
  // send after forwarding record(1) back to us. record(2), made after
  // the answer, must arrive second.
  {
    auto own = kj::heap<PipeImpl>(st, 100);
    PipeImpl& ownRef = *own;
    Pipe::Client ownCap = kj::mv(own);
    auto req = root.reflectRequest();
    req.setP(ownCap);
    auto answer = req.send();
    auto reflected = answer.getResult();
    auto r1 = reflected.recordRequest();
    r1.setSeq(1);
    auto f1 = r1.send();
    answer.wait(ws);
    auto r2 = reflected.recordRequest();
    r2.setSeq(2);
    auto f2 = r2.send();
    f1.wait(ws);
    f2.wait(ws);
    bool inOrder = ownRef.seqs.size() == 2 && ownRef.seqs[0] == 1 && ownRef.seqs[1] == 2;
    expect(inOrder, kj::str("calls on a reflected Pipe: got ", ownRef.seqs.size(), " records, want [1 2] in order"));
  }

  // Release: Go frees the Pipes it made once we drop them.
  {
    auto a = root.nextRequest().send().wait(ws).getResult();
    auto b = a.nextRequest().send().wait(ws).getResult();
    auto live = root.liveRequest().send().wait(ws).getResult();
    expect(live >= 3, kj::str("live Go pipes while holding two: got ", live, ", want at least 3"));
  }
  {
    auto live = poll(ws, timer, 1, [&]() { return root.liveRequest().send().wait(ws).getResult(); });
    expect(live == 1, kj::str("live Go pipes after releasing all but the bootstrap one: got ", live, ", want 1"));
  }

  // Cancellation: dropping the promise of a call in progress sends
  // Finish; the Go implementation's context is cancelled.
  {
    auto blocked = kj::heap(root.blockRequest().send());
    auto running = poll(ws, timer, 1, [&]() { return root.blockingRequest().send().wait(ws).getResult(); });
    expect(running == 1, kj::str("block() running on the Go side: got ", running, ", want 1"));
    blocked = nullptr;
    auto cancelled = poll(ws, timer, 1, [&]() { return root.cancelledRequest().send().wait(ws).getResult(); });
    expect(cancelled == 1, kj::str("block() calls the Go side saw cancelled: got ", cancelled, ", want 1"));
  }
  return mismatches == 0 ? 0 : 1;
}

int server(kj::StringPtr socket) {
  auto io = kj::setupAsyncIo();
  auto& ws = io.waitScope;
  State st(io.provider->getTimer());
  auto addr = io.provider->getNetwork().parseAddress(kj::str("unix:", socket)).wait(ws);
  auto listener = addr->listen();
  std::cout << "listening" << std::endl;
  auto stream = listener->accept().wait(ws);
  capnp::TwoPartyVatNetwork network(*stream, capnp::rpc::twoparty::Side::SERVER);
  auto rpc = capnp::makeRpcServer(network, Pipe::Client(kj::heap<PipeImpl>(st, 0)));
  network.onDisconnect().wait(ws);
  return mismatches == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: conform client|server <socket>" << std::endl;
    return 2;
  }
  kj::StringPtr mode = argv[1], socket = argv[2];
  try {
    if (mode == "client") return client(socket);
    if (mode == "server") return server(socket);
  } catch (kj::Exception& e) {
    std::cerr << "exception: " << e.getDescription().cStr() << std::endl;
    return 1;
  }
  std::cerr << "usage: conform client|server <socket>" << std::endl;
  return 2;
}
