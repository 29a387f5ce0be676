// interop is the C++ peer of the Go interop test (internal/interop). It is
// built from the schema ifacegen emits for internal/interop/interopapi,
// compiled by capnp's own C++ code generator, and speaks Cap'n Proto's
// two-party RPC over a unix socket:
//
//   interop client <socket>  connects to a Go server, calls every method of
//                            Peer and checks each answer; it passes a
//                            Notify callback and a Listener the Go side
//                            calls (Notify also after subscribe returned:
//                            the event loop runs until every call arrived),
//                            uses and releases the Subscription Go returns;
//   interop server <socket>  listens, prints "listening" on stdout, serves
//                            one connection with a C++ Peer and exits
//                            when that connection ends; its subscribe and
//                            forward call the Go client's Notify and
//                            Listener.
//
// Every mismatch is printed on stderr; the exit status is 1 if there was
// any, 2 on a usage error, 0 otherwise. The expected values here and in
// interop_test.go and callbacks_test.go must agree.

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <kj/debug.h>
#include <kj/main.h>

#include <cstdint>
#include <iostream>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "interopapi.capnp.h"

namespace {

int mismatches = 0;

// expect records a mismatch when ok is false.
void expect(bool ok, kj::StringPtr what) {
  if (!ok) {
    ++mismatches;
    std::cerr << "mismatch: " << what.cStr() << std::endl;
  }
}

template <typename T>
void expectEq(const T& got, const T& want, kj::StringPtr what) {
  expect(got == want, kj::str(what, ": got ", got, ", want ", want));
}

bool sameBytes(capnp::Data::Reader got, std::vector<uint8_t> want) {
  return got.size() == want.size() && std::equal(got.begin(), got.end(), want.begin());
}

// The full record the client sends and expects back; interop_test.go's
// fullRecord is the same value.
void fillFull(Record::Builder r) {
  r.setName("block \xe2\x9c\x93");
  r.setKind(Kind::KIND_HEADER);
  uint8_t hash[] = {0xde, 0xad, 0xbe, 0xef};
  r.setHash(kj::arrayPtr(hash, 4));
  uint8_t data[] = {0, 1, 2, 0xff};
  r.setData(kj::arrayPtr(data, 4));
  auto points = r.initPoints(2);
  points[0].setX(1);
  points[0].setY(2);
  points[1].setX(-3);
  points[1].setY(std::numeric_limits<int32_t>::max());
  auto tags = r.initTags(2);  // sorted by key, as Go writes them
  tags[0].setKey("a");
  tags[0].setValue(1);
  tags[1].setKey("b");
  tags[1].setValue(std::numeric_limits<int64_t>::min());
  auto kinds = r.initKinds(3);
  kinds.set(0, Kind::KIND_TRANSACTION);
  kinds.set(1, Kind::KIND_BLOCK);
  kinds.set(2, Kind::KIND_HEADER);
  auto lines = r.initLines(3);
  auto line0 = lines.init(0, 2);
  line0.set(0, "x");
  line0.set(1, "");
  lines.init(1, 0);  // empty; lines[2] stays null (a nil slice in Go)
  auto parent = r.initParent();
  parent.setX(5);
  parent.setY(6);
  r.setWeight(0);  // a pointer to zero, not nil
  r.setHasWeight(true);
  r.setNote("");  // a pointer to "", not nil
  auto maybe = r.initMaybe(3);
  maybe[0].setValue(7);
  maybe[0].setHasValue(true);
  maybe[2].setValue(0);
  maybe[2].setHasValue(true);  // maybe[1] is nil
  auto byKind = r.initByKind(2);
  byKind[0].setKey(Kind::KIND_BLOCK);  // a nil value
  byKind[1].setKey(Kind::KIND_HEADER);
  auto v = byKind[1].initValue();
  v.setX(9);
  v.setY(10);
}

void checkFull(Record::Reader r, kj::StringPtr label) {
  expectEq(kj::str(r.getName()), kj::str("block \xe2\x9c\x93"), kj::str(label, " name"));
  expect(r.getKind() == Kind::KIND_HEADER, kj::str(label, " kind"));
  expect(sameBytes(r.getHash(), {0xde, 0xad, 0xbe, 0xef}), kj::str(label, " hash"));
  expect(sameBytes(r.getData(), {0, 1, 2, 0xff}), kj::str(label, " data"));
  auto points = r.getPoints();
  expectEq(points.size(), 2u, kj::str(label, " len(points)"));
  if (points.size() == 2) {
    expectEq(points[0].getX(), 1, kj::str(label, " points[0].x"));
    expectEq(points[0].getY(), 2, kj::str(label, " points[0].y"));
    expectEq(points[1].getX(), -3, kj::str(label, " points[1].x"));
    expectEq(points[1].getY(), std::numeric_limits<int32_t>::max(), kj::str(label, " points[1].y"));
  }
  auto tags = r.getTags();
  expectEq(tags.size(), 2u, kj::str(label, " len(tags)"));
  if (tags.size() == 2) {
    expectEq(kj::str(tags[0].getKey()), kj::str("a"), kj::str(label, " tags[0].key"));
    expectEq(tags[0].getValue(), int64_t(1), kj::str(label, " tags[0].value"));
    expectEq(kj::str(tags[1].getKey()), kj::str("b"), kj::str(label, " tags[1].key"));
    expectEq(tags[1].getValue(), std::numeric_limits<int64_t>::min(), kj::str(label, " tags[1].value"));
  }
  auto kinds = r.getKinds();
  expect(kinds.size() == 3 && kinds[0] == Kind::KIND_TRANSACTION && kinds[1] == Kind::KIND_BLOCK &&
             kinds[2] == Kind::KIND_HEADER,
         kj::str(label, " kinds"));
  auto lines = r.getLines();
  expectEq(lines.size(), 3u, kj::str(label, " len(lines)"));
  if (lines.size() == 3) {
    expect(lines[0].size() == 2 && lines[0][0] == "x" && lines[0][1] == "", kj::str(label, " lines[0]"));
    expect(lines[1].size() == 0 && lines[2].size() == 0, kj::str(label, " lines[1:]"));
  }
  expect(r.hasParent() && r.getParent().getX() == 5 && r.getParent().getY() == 6,
         kj::str(label, " parent"));
  expect(r.getHasWeight() && r.getWeight() == 0, kj::str(label, " weight"));
  expect(r.hasNote() && r.getNote() == "", kj::str(label, " note"));
  auto maybe = r.getMaybe();
  expect(maybe.size() == 3 && maybe[0].getHasValue() && maybe[0].getValue() == 7 &&
             !maybe[1].getHasValue() && maybe[2].getHasValue() && maybe[2].getValue() == 0,
         kj::str(label, " maybe"));
  auto byKind = r.getByKind();
  expect(byKind.size() == 2 && byKind[0].getKey() == Kind::KIND_BLOCK && !byKind[0].hasValue() &&
             byKind[1].getKey() == Kind::KIND_HEADER && byKind[1].hasValue() &&
             byKind[1].getValue().getX() == 9 && byKind[1].getValue().getY() == 10,
         kj::str(label, " byKind"));
}

// fillZero writes the zero Record as a C++ peer would: every pointer null
// except hash, whose length Go checks ([4]byte).
void fillZero(Record::Builder r) {
  uint8_t hash[4] = {};
  r.setHash(kj::arrayPtr(hash, 4));
}

void checkZero(Record::Reader r, kj::StringPtr label) {
  expect(r.getName() == "" && r.getKind() == Kind::KIND_BLOCK, kj::str(label, " name, kind"));
  expect(sameBytes(r.getHash(), {0, 0, 0, 0}), kj::str(label, " hash"));
  expect(!r.hasData() && !r.hasPoints() && !r.hasTags() && !r.hasKinds() && !r.hasLines() &&
             !r.hasMaybe() && !r.hasByKind(),
         kj::str(label, " nil lists and maps arrive as null pointers"));
  expect(!r.hasParent() && !r.getHasWeight() && !r.hasNote(), kj::str(label, " nil optionals"));
}

// fillTree writes interop_test.go's sampleTree: 4 nodes, 3 deep, with a
// leaf left null (c) and one set to an empty list (d).
void fillTree(Tree::Builder t) {
  t.setLabel("a");
  auto children = t.initChildren(2);
  children[0].setLabel("b");
  children[0].initChildren(1)[0].setLabel("c");
  children[1].setLabel("d");
  children[1].initChildren(0);
}

void expectFailure(kj::Maybe<kj::Exception> got, kj::StringPtr want, kj::StringPtr label) {
  KJ_IF_MAYBE(e, got) {
    expect(e->getType() == kj::Exception::Type::FAILED, kj::str(label, ": exception type ", e->getType()));
    expect(std::string(e->getDescription().cStr()).find(want.cStr()) != std::string::npos,
           kj::str(label, ": exception ", e->getDescription(), " does not contain ", want));
  } else {
    expect(false, kj::str(label, ": no exception"));
  }
}

// The subscription both sides exercise; interop_test.go's eventCount,
// refusedSeq and refusal agree.
constexpr int32_t kEventCount = 5;
constexpr int32_t kRefusedSeq = 2;

kj::String refusal(kj::StringPtr who) { return kj::str(who, " notify refuses event ", kRefusedSeq); }

// fillNotification writes the arguments of the Notify call for event seq;
// interop_test.go's notificationFor is the same value.
void fillNotification(Notify::CallParams::Builder p, int32_t seq) {
  auto ev = p.initEv();
  ev.setSeq(seq);
  ev.setName(kj::str("event ", seq));
  auto points = ev.initPoints(seq + 1);
  auto tags = p.initTags(seq + 1);
  for (int32_t i = 0; i <= seq; i++) {
    points[i].setX(seq);
    points[i].setY(i);
    tags.set(i, kj::str("tag", i));
  }
  if (seq % 2 == 1) {
    ev.setWeight(int64_t(seq) * 100);
    ev.setHasWeight(true);
  }
  if (seq % 3 == 0) {
    auto parent = ev.initParent();
    parent.setX(-seq);
    parent.setY(seq);
  }
  if (seq == 1) {
    p.setNote("");  // a pointer to "", not nil
  } else if (seq > 1) {
    p.setNote(kj::str("note ", seq));
  }  // seq 0: nil
}

// ackFor is how who's Notify acknowledges a call: a digest of every
// argument it read. interop_test.go's ack writes the same text.
kj::String ackFor(kj::StringPtr who, Notify::CallParams::Reader p) {
  auto ev = p.getEv();
  auto points = ev.getPoints();
  auto tags = p.getTags();
  auto quote = [](kj::StringPtr s) { return kj::str("\"", s, "\""); };
  auto point = [](Point::Reader pt) { return kj::str("(", pt.getX(), ",", pt.getY(), ")"); };
  return kj::str(who, " ack ", ev.getSeq(), " ", quote(ev.getName()),
                 " points=", points.size(),
                 " last=", points.size() > 0 ? point(points[points.size() - 1]) : kj::str("nil"),
                 " weight=", ev.getHasWeight() ? kj::str(ev.getWeight()) : kj::str("nil"),
                 " parent=", ev.hasParent() ? point(ev.getParent()) : kj::str("nil"),
                 " tags=", tags.size(),
                 " last=", tags.size() > 0 ? quote(tags[tags.size() - 1]) : kj::str("nil"),
                 " note=", p.hasNote() ? quote(p.getNote()) : kj::str("nil"));
}

// checkNotification compares every argument of a Notify call with what
// fillNotification writes for its seq.
void checkNotification(Notify::CallParams::Reader got, kj::StringPtr label) {
  int32_t seq = got.getEv().getSeq();
  if (seq < 0 || seq >= kEventCount) {
    expect(false, kj::str(label, ": seq ", seq, " out of range"));
    return;
  }
  capnp::MallocMessageBuilder message;
  auto builder = message.initRoot<Notify::CallParams>();
  fillNotification(builder, seq);
  auto want = builder.asReader();
  auto gev = got.getEv(), wev = want.getEv();
  expectEq(kj::str(gev.getName()), kj::str(wev.getName()), kj::str(label, " name"));
  auto gp = gev.getPoints(), wp = wev.getPoints();
  bool samePoints = gp.size() == wp.size();
  for (uint i = 0; samePoints && i < gp.size(); i++) {
    samePoints = gp[i].getX() == wp[i].getX() && gp[i].getY() == wp[i].getY();
  }
  expect(samePoints, kj::str(label, " points"));
  expect(gev.getHasWeight() == wev.getHasWeight() && gev.getWeight() == wev.getWeight(),
         kj::str(label, " weight"));
  expect(gev.hasParent() == wev.hasParent() && gev.getParent().getX() == wev.getParent().getX() &&
             gev.getParent().getY() == wev.getParent().getY(),
         kj::str(label, " parent"));
  auto gt = got.getTags(), wt = want.getTags();
  bool sameTags = gt.size() == wt.size();
  for (uint i = 0; sameTags && i < gt.size(); i++) sameTags = gt[i] == wt[i];
  expect(sameTags, kj::str(label, " tags"));
  expect(got.hasNote() == want.hasNote() && got.getNote() == want.getNote(), kj::str(label, " note"));
}

// wantAck is the acknowledgement who's Notify gives event seq.
kj::String wantAck(kj::StringPtr who, int32_t seq) {
  capnp::MallocMessageBuilder message;
  auto builder = message.initRoot<Notify::CallParams>();
  fillNotification(builder, seq);
  return ackFor(who, builder.asReader());
}

// checkDeliveries checks what a Subscription reports when the Notify of
// who answered: one Delivery per event, the refused one with who's
// message.
void checkDeliveries(capnp::List<Delivery>::Reader got, kj::StringPtr who, kj::StringPtr label) {
  expectEq(got.size(), uint(kEventCount), kj::str(label, " len(deliveries)"));
  for (uint i = 0; i < got.size() && i < uint(kEventCount); i++) {
    auto d = got[i];
    auto what = kj::str(label, " deliveries[", i, "]");
    expectEq(d.getSeq(), int32_t(i), kj::str(what, " seq"));
    if (int32_t(i) == kRefusedSeq) {
      expect(!d.hasAck() && d.hasErr(), kj::str(what, ": want an error, no ack"));
      expectEq(kj::str(d.getErr()), refusal(who), kj::str(what, " err"));
    } else {
      expect(d.hasAck() && !d.hasErr(), kj::str(what, ": want an ack, no error"));
      expectEq(kj::str(d.getAck()), wantAck(who, i), kj::str(what, " ack"));
    }
  }
}

// ClientCallbacks is what the client's Notify has seen.
struct ClientCallbacks {
  bool subscribed = false;  // the result of subscribe has arrived
  int32_t calls = 0;
  kj::Own<kj::PromiseFulfiller<void>> allArrived;  // fulfilled at the kEventCount-th call
};

// ClientNotify is the callback the C++ client hands the Go server. It
// checks every call, acknowledges it with ackFor, and throws for event
// kRefusedSeq.
class ClientNotify final : public Notify::Server {
 public:
  explicit ClientNotify(ClientCallbacks& seen) : seen(seen) {}

  kj::Promise<void> call(CallContext context) override {
    auto p = context.getParams();
    int32_t seq = p.getEv().getSeq();
    auto label = kj::str("C++ notify(", seq, ")");
    checkNotification(p, label);
    expectEq(seq, seen.calls, kj::str(label, " arrived in order"));
    // Event 0 arrives during subscribe, the rest after it returned.
    expect(seen.subscribed == (seq > 0),
           kj::str(label, " arrived ", seen.subscribed ? "after" : "before", " subscribe returned"));
    if (++seen.calls == kEventCount) seen.allArrived->fulfill();
    if (seq == kRefusedSeq) {
      kj::throwFatalException(kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__, refusal("C++")));
    }
    context.getResults().setAck(ackFor("C++", p));
    return kj::READY_NOW;
  }

 private:
  ClientCallbacks& seen;
};

// fillSecond writes interop_test.go's secondRecord: one point, every other
// pointer null but hash.
void fillSecond(Record::Builder r) {
  fillZero(r);
  r.setName("second");
  auto points = r.initPoints(1);
  points[0].setX(1);
  points[0].setY(-1);
}

// The record a Listener refuses, and the message it refuses it with;
// interop_test.go's refusedRecord and listenerRefusal agree.
constexpr const char* kRefusedRecord = "refuse me";

kj::String listenerRefusal(kj::StringPtr who) {
  return kj::str(who, " listener refuses \"", kRefusedRecord, "\"");
}

// seenAnswer is how who's Listener answers seen(r); interop_test.go's
// seenAnswer writes the same text.
kj::String seenAnswer(kj::StringPtr who, Record::Reader r) {
  return kj::str(who, " saw \"", r.getName(), "\": ", r.getPoints().size(), " points, ", r.getTags().size(),
                 " tags, parent ", r.hasParent() ? "true" : "false");
}

// ClientListener is the Listener the C++ client hands the Go server's
// forward: it records the names it saw and refuses kRefusedRecord by
// throwing.
class ClientListener final : public Listener::Server {
 public:
  explicit ClientListener(std::vector<std::string>& names) : names(names) {}

  kj::Promise<void> seen(SeenContext context) override {
    auto r = context.getParams().getR();
    names.push_back(r.getName().cStr());
    if (r.getName() == kRefusedRecord) {
      kj::throwFatalException(
          kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__, listenerRefusal("C++")));
    }
    if (names.size() == 1) checkFull(r, "C++ listener's first record");
    context.getResults().setResult(seenAnswer("C++", r));
    return kj::READY_NOW;
  }

 private:
  std::vector<std::string>& names;
};

// runClient calls every method of the Go server at socket and checks the
// answers. The calls and arguments are what interop_test.go's
// TestCppClientGoServer expects to receive, in this order.
void runClient(kj::StringPtr socket) {
  // What the client's callbacks saw; they outlive the connection that may
  // call them.
  ClientCallbacks callbacks;
  std::vector<std::string> seenByListener;
  auto io = kj::setupAsyncIo();
  auto& ws = io.waitScope;
  auto addr = io.provider->getNetwork().parseAddress(kj::str("unix:", socket)).wait(ws);
  auto stream = addr->connect().wait(ws);
  capnp::TwoPartyClient client(*stream);
  Peer::Client cap = client.bootstrap().castAs<Peer>();

  {
    auto req = cap.addRequest();
    req.setA(2);
    req.setB(40);
    expectEq(req.send().wait(ws).getResult(), int64_t(42), "add(2, 40)");
  }
  {
    auto req = cap.addRequest();
    req.setA(std::numeric_limits<int64_t>::max());
    req.setB(1);
    expectEq(req.send().wait(ws).getResult(), std::numeric_limits<int64_t>::min(), "add(max, 1) wraps");
  }
  {
    auto req = cap.echoRequest();
    fillFull(req.initR());
    checkFull(req.send().wait(ws).getResult(), "echo(full)");
  }
  {
    auto req = cap.echoRequest();
    fillZero(req.initR());
    checkZero(req.send().wait(ws).getResult(), "echo(zero)");
  }
  {
    // A [4]byte field of the wrong length is refused by the Go side.
    auto req = cap.echoRequest();
    uint8_t shortHash[3] = {1, 2, 3};
    req.initR().setHash(kj::arrayPtr(shortHash, 3));
    expectFailure(kj::runCatchingExceptions([&]() { req.send().wait(ws); }), "Hash", "echo(short hash)");
  }
  {
    auto req = cap.statsRequest();
    auto values = req.initValues(3);
    values.set(0, 3);
    values.set(1, -1);
    values.set(2, 10);
    auto res = req.send().wait(ws);
    expect(res.getSum() == 12 && res.getMin() == -1 && res.getMax() == 10 && res.getCount() == 3,
           kj::str("stats: got ", res.getSum(), " ", res.getMin(), " ", res.getMax(), " ", res.getCount()));
  }
  {
    auto req = cap.statsRequest();
    req.initValues(0);
    expectFailure(kj::runCatchingExceptions([&]() { req.send().wait(ws); }), "stats: no values", "stats(empty)");
  }
  for (auto key : {"b", "z"}) {
    auto req = cap.lookupRequest();
    auto table = req.initTable(2);
    table[0].setKey("a");
    table[0].setValue(1);
    table[1].setKey("b");
    table[1].setValue(2);
    req.setKey(key);
    auto res = req.send().wait(ws);
    if (kj::StringPtr(key) == "b") {
      expect(res.getHasResult() && res.getResult() == 2, "lookup(b)");
    } else {
      expect(!res.getHasResult(), "lookup(z) is nil");
    }
  }
  {
    auto req = cap.countRequest();
    auto kinds = req.initKinds(4);
    kinds.set(0, Kind::KIND_HEADER);
    kinds.set(1, Kind::KIND_BLOCK);
    kinds.set(2, Kind::KIND_HEADER);
    kinds.set(3, static_cast<Kind>(7));  // unknown to the schema: passes through
    auto got = req.send().wait(ws).getResult();
    expect(got.size() == 3 && got[0].getKey() == Kind::KIND_BLOCK && got[0].getValue() == 1 &&
               got[1].getKey() == Kind::KIND_HEADER && got[1].getValue() == 2 &&
               got[2].getKey() == static_cast<Kind>(7) && got[2].getValue() == 1,
           "count: entries sorted by kind");
  }
  {
    auto req = cap.failRequest();
    req.setMessage("boom from C++");
    expectFailure(kj::runCatchingExceptions([&]() { req.send().wait(ws); }), "boom from C++", "fail");
  }
  {
    auto req = cap.sizeRequest();
    fillTree(req.initT());
    auto res = req.send().wait(ws);
    expect(res.getNodes() == 4 && res.getDepth() == 3,
           kj::str("size: got ", res.getNodes(), " nodes, depth ", res.getDepth()));
  }
  {
    // Fails before it calls notify: a null capability arrives as a nil func.
    auto req = cap.subscribeRequest();
    req.setCount(0);
    expectFailure(kj::runCatchingExceptions([&]() { req.send().wait(ws); }),
                  "subscribe: count 0, want at least 1", "subscribe(0)");
  }
  {
    auto arrived = kj::newPromiseAndFulfiller<void>();
    callbacks.allArrived = kj::mv(arrived.fulfiller);
    auto req = cap.subscribeRequest();
    req.setCount(kEventCount);
    req.setNotify(kj::heap<ClientNotify>(callbacks));
    Subscription::Client sub = req.send().wait(ws).getResult();
    callbacks.subscribed = true;
    expectEq(callbacks.calls, int32_t(1), "notify calls during subscribe");
    expectFailure(kj::runCatchingExceptions([&]() { sub.deliveriesRequest().send().wait(ws); }),
                  "deliveries: the subscription was not started", "deliveries before start");
    sub.startRequest().send().wait(ws);
    // The Go subscription answers deliveries once every notify call
    // returned, so this also ends the wait should a call never arrive.
    auto deliveries = sub.deliveriesRequest()
                          .send()
                          .then([](capnp::Response<Subscription::DeliveriesResults>&& r) {
                            checkDeliveries(r.getResult(), "C++", "Go subscription");
                          })
                          .fork();
    // The event loop runs until every callback arrived.
    arrived.promise.exclusiveJoin(deliveries.addBranch()).wait(ws);
    expectEq(callbacks.calls, kEventCount, "notify calls");
    deliveries.addBranch().wait(ws);
  }  // releases the subscription
  {
    // Returns once the release reached the Go implementation.
    auto req = cap.awaitReleasedRequest();
    req.setN(1);
    req.send().wait(ws);
  }
  {
    auto req = cap.forwardRequest();
    auto records = req.initRecords(2);
    fillFull(records[0]);
    fillSecond(records[1]);
    auto want0 = seenAnswer("C++", records[0].asReader());
    auto want1 = seenAnswer("C++", records[1].asReader());
    req.setL(kj::heap<ClientListener>(seenByListener));
    auto answers = req.send().wait(ws).getResult();
    expectEq(answers.size(), 2u, "forward: len(answers)");
    if (answers.size() == 2) {
      expectEq(kj::str(answers[0]), kj::mv(want0), "forward: answers[0]");
      expectEq(kj::str(answers[1]), kj::mv(want1), "forward: answers[1]");
    }
  }
  {
    // The listener's exception reaches the Go server's forward, which
    // fails with its message.
    auto req = cap.forwardRequest();
    auto records = req.initRecords(3);
    fillSecond(records[0]);
    fillZero(records[1]);
    records[1].setName(kRefusedRecord);
    fillSecond(records[2]);
    req.setL(kj::heap<ClientListener>(seenByListener));
    expectFailure(kj::runCatchingExceptions([&]() { req.send().wait(ws); }),
                  kj::str("forward: record 1: ", listenerRefusal("C++")), "forward(refused)");
  }
  expect(seenByListener == std::vector<std::string>{"block \xe2\x9c\x93", "second", "second", kRefusedRecord},
         "the records the C++ listener saw");
}

// treeSize counts the nodes of t and its depth (a leaf has depth 1).
void treeSize(Tree::Reader t, int32_t& nodes, int32_t& depth) {
  nodes = 1;
  int32_t deepest = 0;
  for (auto c : t.getChildren()) {
    int32_t n, d;
    treeSize(c, n, d);
    nodes += n;
    deepest = std::max(deepest, d);
  }
  depth = deepest + 1;
}

// ServerState is what the C++ server's objects share: how many
// subscriptions were released, and the awaitReleased calls waiting for
// more.
struct ServerState : public kj::Refcounted {
  int32_t released = 0;
  std::vector<std::pair<int32_t, kj::Own<kj::PromiseFulfiller<void>>>> waiters;

  void subscriptionReleased() {
    released++;
    for (auto it = waiters.begin(); it != waiters.end();) {
      if (it->first <= released) {
        it->second->fulfill();
        it = waiters.erase(it);
      } else {
        ++it;
      }
    }
  }
};

// stripRemote returns the message a remote exception carried: C++ prefixes
// the reason it received with "remote exception: ".
kj::String stripRemote(kj::StringPtr description) {
  kj::StringPtr prefix = "remote exception: ";
  if (description.startsWith(prefix)) return kj::str(description.slice(prefix.size()));
  return kj::str(description);
}

// CppSubscription is the Subscription the C++ server returns: it calls
// the Go client's Notify, records the answers, and tells ServerState when
// its last reference is gone (its destructor runs).
class CppSubscription final : public Subscription::Server {
 public:
  CppSubscription(Notify::Client notify, int32_t count, kj::Own<ServerState> state)
      : notify(kj::mv(notify)), count(count), state(kj::mv(state)) {}

  ~CppSubscription() noexcept(false) { state->subscriptionReleased(); }

  // deliver calls notify for event seq and records its answer.
  kj::Promise<void> deliver(int32_t seq) {
    auto req = notify.callRequest();
    fillNotification(req, seq);
    return req.send().then(
        [this, seq](capnp::Response<Notify::CallResults>&& r) {
          results.push_back({seq, true, std::string(r.getAck().cStr()), false, ""});
        },
        [this, seq](kj::Exception&& e) {
          results.push_back({seq, false, "", true, std::string(stripRemote(e.getDescription()).cStr())});
        });
  }

  kj::Promise<void> start(StartContext) override {
    if (running == nullptr) running = deliverFrom(1).fork();
    return kj::READY_NOW;
  }

  kj::Promise<void> deliveries(DeliveriesContext context) override {
    KJ_IF_MAYBE(r, running) {
      return r->addBranch().then([this, context]() mutable {
        auto out = context.getResults().initResult(results.size());
        for (uint i = 0; i < results.size(); i++) {
          out[i].setSeq(results[i].seq);
          if (results[i].hasAck) out[i].setAck(results[i].ack);
          if (results[i].hasErr) out[i].setErr(results[i].err);
        }
      });
    }
    return KJ_EXCEPTION(FAILED, "deliveries: the subscription was not started");
  }

 private:
  kj::Promise<void> deliverFrom(int32_t seq) {
    if (seq >= count) return kj::READY_NOW;
    return deliver(seq).then([this, seq]() { return deliverFrom(seq + 1); });
  }

  struct Result {
    int32_t seq;
    bool hasAck;
    std::string ack;
    bool hasErr;
    std::string err;
  };

  Notify::Client notify;
  int32_t count;
  kj::Own<ServerState> state;
  std::vector<Result> results;
  kj::Maybe<kj::ForkedPromise<void>> running;
};

// PeerImpl is the C++ Peer the Go client calls; its answers are what
// interop_test.go's TestGoClientCppServer expects.
class PeerImpl final : public Peer::Server {
 public:
  kj::Promise<void> add(AddContext context) override {
    auto p = context.getParams();
    // Unsigned arithmetic: wraps like Go's int64 addition.
    context.getResults().setResult(int64_t(uint64_t(p.getA()) + uint64_t(p.getB())));
    return kj::READY_NOW;
  }

  // echo rebuilds the record field by field rather than copying the
  // struct, so that every field passes through C++'s reading and writing.
  kj::Promise<void> echo(EchoContext context) override {
    auto in = context.getParams().getR();
    auto out = context.getResults().initResult();
    if (in.hasName()) out.setName(in.getName());
    out.setKind(in.getKind());
    if (in.hasHash()) out.setHash(in.getHash());
    if (in.hasData()) out.setData(in.getData());
    if (in.hasPoints()) {
      auto src = in.getPoints();
      auto dst = out.initPoints(src.size());
      for (uint i = 0; i < src.size(); i++) {
        dst[i].setX(src[i].getX());
        dst[i].setY(src[i].getY());
      }
    }
    if (in.hasTags()) {
      auto src = in.getTags();
      auto dst = out.initTags(src.size());
      for (uint i = 0; i < src.size(); i++) {
        dst[i].setKey(src[i].getKey());
        dst[i].setValue(src[i].getValue());
      }
    }
    if (in.hasKinds()) {
      auto src = in.getKinds();
      auto dst = out.initKinds(src.size());
      for (uint i = 0; i < src.size(); i++) dst.set(i, src[i]);
    }
    // A List(List(Text)) reader cannot tell a null element from an empty
    // one, so lines is copied whole (nulls included).
    if (in.hasLines()) out.setLines(in.getLines());
    if (in.hasParent()) {
      auto p = out.initParent();
      p.setX(in.getParent().getX());
      p.setY(in.getParent().getY());
    }
    out.setWeight(in.getWeight());
    out.setHasWeight(in.getHasWeight());
    if (in.hasNote()) out.setNote(in.getNote());
    if (in.hasMaybe()) {
      auto src = in.getMaybe();
      auto dst = out.initMaybe(src.size());
      for (uint i = 0; i < src.size(); i++) {
        dst[i].setValue(src[i].getValue());
        dst[i].setHasValue(src[i].getHasValue());
      }
    }
    if (in.hasByKind()) {
      auto src = in.getByKind();
      auto dst = out.initByKind(src.size());
      for (uint i = 0; i < src.size(); i++) {
        dst[i].setKey(src[i].getKey());
        if (src[i].hasValue()) {
          auto v = dst[i].initValue();
          v.setX(src[i].getValue().getX());
          v.setY(src[i].getValue().getY());
        }
      }
    }
    return kj::READY_NOW;
  }

  kj::Promise<void> stats(StatsContext context) override {
    auto values = context.getParams().getValues();
    if (values.size() == 0) {
      return KJ_EXCEPTION(FAILED, "stats: no values");
    }
    int64_t sum = 0, min = values[0], max = values[0];
    for (auto v : values) {
      sum += v;
      min = std::min(min, v);
      max = std::max(max, v);
    }
    auto r = context.getResults();
    r.setSum(sum);
    r.setMin(min);
    r.setMax(max);
    r.setCount(values.size());
    return kj::READY_NOW;
  }

  kj::Promise<void> lookup(LookupContext context) override {
    auto p = context.getParams();
    for (auto e : p.getTable()) {
      if (e.getKey() == p.getKey()) {
        context.getResults().setResult(e.getValue());
        context.getResults().setHasResult(true);
      }
    }
    return kj::READY_NOW;
  }

  kj::Promise<void> count(CountContext context) override {
    std::map<uint16_t, int32_t> counts;
    for (auto k : context.getParams().getKinds()) counts[static_cast<uint16_t>(k)]++;
    auto out = context.getResults().initResult(counts.size());
    uint i = 0;
    for (auto& kv : counts) {
      out[i].setKey(static_cast<Kind>(kv.first));
      out[i].setValue(kv.second);
      i++;
    }
    return kj::READY_NOW;
  }

  kj::Promise<void> size(SizeContext context) override {
    int32_t nodes, depth;
    treeSize(context.getParams().getT(), nodes, depth);
    context.getResults().setNodes(nodes);
    context.getResults().setDepth(depth);
    return kj::READY_NOW;
  }

  kj::Promise<void> fail(FailContext context) override {
    // KJ_EXCEPTION would prefix the expression's text to a non-literal.
    return kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                         kj::str(context.getParams().getMessage()));
  }

  kj::Promise<void> subscribe(SubscribeContext context) override {
    auto p = context.getParams();
    int32_t count = p.getCount();
    if (count < 1) {
      return kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                           kj::str("subscribe: count ", count, ", want at least 1"));
    }
    auto sub = kj::heap<CppSubscription>(p.getNotify(), count, kj::addRef(*state));
    auto& first = *sub;
    // Event 0 is delivered before subscribe returns.
    return first.deliver(0).then([context, sub = kj::mv(sub)]() mutable {
      context.getResults().setResult(kj::mv(sub));
    });
  }

  kj::Promise<void> awaitReleased(AwaitReleasedContext context) override {
    int32_t n = context.getParams().getN();
    if (state->released >= n) return kj::READY_NOW;
    auto paf = kj::newPromiseAndFulfiller<void>();
    state->waiters.emplace_back(n, kj::mv(paf.fulfiller));
    return kj::mv(paf.promise);
  }

  kj::Promise<void> forward(ForwardContext context) override {
    return forwardFrom(context, context.getParams().getL(), 0, {});
  }

 private:
  // forwardFrom calls l.seen with records i, i+1, … of the call, one after
  // another, collecting the answers after those in answers.
  kj::Promise<void> forwardFrom(ForwardContext context, Listener::Client l, uint i,
                                std::vector<std::string> answers) {
    auto records = context.getParams().getRecords();
    if (i == records.size()) {
      auto out = context.getResults().initResult(answers.size());
      for (uint j = 0; j < answers.size(); j++) out.set(j, answers[j].c_str());
      return kj::READY_NOW;
    }
    auto req = l.seenRequest();
    req.setR(records[i]);
    return req.send().then(
        [this, context, l, i, answers = kj::mv(answers)](capnp::Response<Listener::SeenResults>&& r) mutable {
          answers.push_back(r.getResult().cStr());
          return forwardFrom(context, kj::mv(l), i + 1, kj::mv(answers));
        },
        [i](kj::Exception&& e) -> kj::Promise<void> {
          return kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                               kj::str("forward: record ", i, ": ", stripRemote(e.getDescription())));
        });
  }

  kj::Own<ServerState> state = kj::refcounted<ServerState>();
};

// runServer serves one connection on socket with an PeerImpl.
void runServer(kj::StringPtr socket) {
  auto io = kj::setupAsyncIo();
  auto& ws = io.waitScope;
  auto addr = io.provider->getNetwork().parseAddress(kj::str("unix:", socket)).wait(ws);
  auto listener = addr->listen();
  std::cout << "listening" << std::endl;
  auto stream = listener->accept().wait(ws);
  capnp::TwoPartyVatNetwork network(*stream, capnp::rpc::twoparty::Side::SERVER);
  auto rpc = capnp::makeRpcServer(network, kj::heap<PeerImpl>());
  network.onDisconnect().wait(ws);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: interop client|server <socket>" << std::endl;
    return 2;
  }
  kj::StringPtr mode = argv[1], socket = argv[2];
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&]() {
                if (mode == "client") {
                  runClient(socket);
                } else if (mode == "server") {
                  runServer(socket);
                } else {
                  KJ_FAIL_REQUIRE("unknown mode; want client or server", mode);
                }
              })) {
    std::cerr << "interop " << mode.cStr() << ": " << kj::str(*e).cStr() << std::endl;
    return 1;
  }
  if (mismatches > 0) {
    std::cerr << "interop " << mode.cStr() << ": " << mismatches << " mismatches" << std::endl;
    return 1;
  }
  return 0;
}
