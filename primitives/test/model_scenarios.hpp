// Model-checking scenarios for the channel, select and context, each written against a
// small "channel-like" / "context-like" interface so the same scenario runs on weft's
// primitive and on a deliberately broken variant (a mutant) that it must catch.
//
// Used by channel_model_test.cpp and by the verification campaign (examples/campaign).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/model.hpp"
#include "weft/select.hpp"
#include "weft/sync.hpp"

namespace weft::scenarios {

// ---------------------------------------------------------------------------------------
// Mutants: small channels and contexts with one classic bug each. Same interface as the
// parts of weft::channel / weft::context the scenarios use.

// A buffered channel that notifies receivers only when the buffer goes from empty to
// non-empty — with two receivers, a second send before the first receiver runs wakes
// nobody: a lost wake-up.
template <class T>
class lost_wakeup_channel {
 public:
  explicit lost_wakeup_channel(std::size_t capacity) : s_(std::make_shared<state>(capacity)) {}
  void send(T v) const {
    std::unique_lock<weft::mutex> lk(s_->m);
    s_->not_full.wait(lk, [&] { return s_->q.size() < s_->cap || s_->closed; });
    if (s_->closed) throw weft::channel_closed("send on closed channel");
    const bool was_empty = s_->q.empty();
    s_->q.push_back(std::move(v));
    if (was_empty) s_->not_empty.notify_one();  // BUG: must notify on every push
  }
  std::optional<T> recv() const {
    std::unique_lock<weft::mutex> lk(s_->m);
    s_->not_empty.wait(lk, [&] { return !s_->q.empty() || s_->closed; });
    if (s_->q.empty()) return std::nullopt;
    T v = std::move(s_->q.front());
    s_->q.pop_front();
    s_->not_full.notify_one();
    return v;
  }
  void close() const {
    std::lock_guard<weft::mutex> g(s_->m);
    s_->closed = true;
    s_->not_empty.notify_all();
    s_->not_full.notify_all();
  }

 private:
  struct state {
    explicit state(std::size_t c) : cap(c == 0 ? 1 : c) {}
    weft::mutex m;
    weft::condition_variable not_empty, not_full;
    std::deque<T> q;
    std::size_t cap;
    bool closed = false;
  };
  std::shared_ptr<state> s_;
};

// A channel whose close() sets the flag but wakes nobody.
template <class T>
class silent_close_channel {
 public:
  explicit silent_close_channel(std::size_t capacity) : s_(std::make_shared<state>(capacity)) {}
  void send(T v) const {
    std::unique_lock<weft::mutex> lk(s_->m);
    s_->cv.wait(lk, [&] { return s_->q.size() < s_->cap || s_->closed; });
    if (s_->closed) throw weft::channel_closed("send on closed channel");
    s_->q.push_back(std::move(v));
    s_->cv.notify_all();
  }
  std::optional<T> recv() const {
    std::unique_lock<weft::mutex> lk(s_->m);
    s_->cv.wait(lk, [&] { return !s_->q.empty() || s_->closed; });
    if (s_->q.empty()) return std::nullopt;
    T v = std::move(s_->q.front());
    s_->q.pop_front();
    s_->cv.notify_all();
    return v;
  }
  void close() const {
    std::lock_guard<weft::mutex> g(s_->m);
    s_->closed = true;  // BUG: blocked receivers and senders are never woken
  }

 private:
  struct state {
    explicit state(std::size_t c) : cap(c == 0 ? 1 : c) {}
    weft::mutex m;
    weft::condition_variable cv;
    std::deque<T> q;
    std::size_t cap;
    bool closed = false;
  };
  std::shared_ptr<state> s_;
};

// A channel whose recv takes the front value without holding the lock across the read
// and the pop: two receivers can get the same value (duplication) and lose another.
template <class T>
class racy_recv_channel {
 public:
  explicit racy_recv_channel(std::size_t capacity) : s_(std::make_shared<state>(capacity)) {}
  void send(T v) const {
    std::unique_lock<weft::mutex> lk(s_->m);
    s_->cv.wait(lk, [&] { return s_->q.size() < s_->cap || s_->closed; });
    if (s_->closed) throw weft::channel_closed("send on closed channel");
    s_->q.push_back(std::move(v));
    s_->cv.notify_all();
  }
  std::optional<T> recv() const {
    T v;
    {
      std::unique_lock<weft::mutex> lk(s_->m);
      s_->cv.wait(lk, [&] { return !s_->q.empty() || s_->closed; });
      if (s_->q.empty()) return std::nullopt;
      v = s_->q.front();  // BUG: read and pop in separate critical sections
    }
    std::lock_guard<weft::mutex> g(s_->m);
    if (!s_->q.empty()) s_->q.pop_front();
    s_->cv.notify_all();
    return v;
  }
  void close() const {
    std::lock_guard<weft::mutex> g(s_->m);
    s_->closed = true;
    s_->cv.notify_all();
  }

 private:
  struct state {
    explicit state(std::size_t c) : cap(c == 0 ? 1 : c) {}
    weft::mutex m;
    weft::condition_variable cv;
    std::deque<T> q;
    std::size_t cap;
    bool closed = false;
  };
  std::shared_ptr<state> s_;
};

// ---------------------------------------------------------------------------------------
// Channel scenarios

// Two producers send two tagged values each; two consumers receive until closed. Every
// value is received exactly once and each producer's values arrive in order at any one
// consumer (FIFO per producer).
template <template <class> class Chan>
void channel_no_loss_no_dup_fifo(std::size_t capacity) {
  Chan<int> ch(capacity);
  std::vector<int> got_a, got_b;
  auto producer = [&](int tag) {
    for (int i = 0; i < 2; ++i)
      ch.send(tag * 10 + i);
  };
  auto consumer = [&](std::vector<int>& got) {
    while (auto v = ch.recv())
      got.push_back(*v);
  };
  weft::thread p1(producer, 1), p2(producer, 2);
  weft::thread c1(consumer, std::ref(got_a));
  consumer(got_b);  // returns once the channel is closed and drained
  // (closed below, after both producers are done; the body's thread then drains too)
  p1.join();
  p2.join();
  c1.join();
  std::vector<int> all(got_a);
  all.insert(all.end(), got_b.begin(), got_b.end());
  std::sort(all.begin(), all.end());
  WEFT_ASSERT((all == std::vector<int>{10, 11, 20, 21}));
  for (const auto* got : {&got_a, &got_b}) {
    for (int tag : {1, 2}) {
      int last = -1;
      for (int v : *got) {
        if (v / 10 != tag) continue;
        WEFT_ASSERT(v > last);
        last = v;
      }
    }
  }
}

// The scenario above needs someone to close the channel once the producers finish; this
// wrapper runs a closer thread that joins the producers first.
template <template <class> class Chan>
void channel_mpmc(std::size_t capacity) {
  Chan<int> ch(capacity);
  std::vector<int> got_a, got_b;
  auto producer = [&](int tag) {
    for (int i = 0; i < 2; ++i)
      ch.send(tag * 10 + i);
  };
  auto consumer = [&](std::vector<int>* got) {
    while (auto v = ch.recv())
      got->push_back(*v);
  };
  weft::thread c1(consumer, &got_a);
  weft::thread c2(consumer, &got_b);
  {
    weft::thread p1(producer, 1);
    producer(2);
    p1.join();
  }
  ch.close();
  c1.join();
  c2.join();
  std::vector<int> all(got_a);
  all.insert(all.end(), got_b.begin(), got_b.end());
  std::sort(all.begin(), all.end());
  WEFT_ASSERT((all == std::vector<int>{10, 11, 20, 21}));
  for (const std::vector<int>* got : {&got_a, &got_b}) {
    int last1 = -1, last2 = -1;
    for (int v : *got) {
      int& last = v / 10 == 1 ? last1 : last2;
      WEFT_ASSERT(v > last);
      last = v;
    }
  }
}

// Two receivers take one value each while one sender sends two: every blocked receiver
// is woken for the value that is meant for it (a lost wake-up leaves one asleep).
template <template <class> class Chan>
void channel_each_receiver_gets_one(std::size_t capacity) {
  Chan<int> ch(capacity);
  weft::atomic<int> sum{0};
  auto receiver = [&] {
    auto v = ch.recv();
    WEFT_ASSERT(v.has_value());
    sum.fetch_add(*v);
  };
  weft::thread r1(receiver), r2(receiver);
  ch.send(1);
  ch.send(2);
  r1.join();
  r2.join();
  WEFT_ASSERT(sum.load() == 3);
}

// close() wakes every blocked receiver (they see "closed") and every blocked sender
// (they get weft::channel_closed), and no sender's value is reported accepted wrongly.
template <template <class> class Chan>
void channel_close_wakes_everyone(std::size_t capacity) {
  Chan<int> ch(capacity);
  weft::atomic<int> receivers_closed{0};
  weft::atomic<int> sends_ok{0}, sends_refused{0}, received{0};
  auto receiver = [&] {
    while (ch.recv())
      received.fetch_add(1);
    receivers_closed.fetch_add(1);
  };
  auto sender = [&] {
    try {
      ch.send(7);
      sends_ok.fetch_add(1);
    } catch (const weft::channel_closed&) {
      sends_refused.fetch_add(1);
    }
  };
  weft::thread r1(receiver), r2(receiver), s1(sender);
  ch.close();
  r1.join();
  r2.join();
  s1.join();
  WEFT_ASSERT(receivers_closed.load() == 2);
  WEFT_ASSERT(sends_ok.load() + sends_refused.load() == 1);
  WEFT_ASSERT(received.load() == sends_ok.load());  // accepted means delivered
}

// ---------------------------------------------------------------------------------------
// Select scenarios

// Two channels hold one value each; one thread selects twice over both while another
// receives from the first directly. Each value is taken exactly once.
inline void select_takes_each_value_once() {
  weft::channel<int> a(1), b(1);
  a.send(1);
  b.send(2);
  weft::atomic<int> sum{0}, count{0};
  weft::thread rival([&] {
    if (auto v = a.try_recv()) {
      sum.fetch_add(*v);
      count.fetch_add(1);
    }
  });
  for (int i = 0; i < 2; ++i) {
    weft::select(weft::recv(a,
                            [&](std::optional<int> v) {
                              if (v) {
                                sum.fetch_add(*v);
                                count.fetch_add(1);
                              }
                            }),
                 weft::recv(b,
                            [&](std::optional<int> v) {
                              if (v) {
                                sum.fetch_add(*v);
                                count.fetch_add(1);
                              }
                            }),
                 weft::otherwise());
  }
  rival.join();
  // Whatever is left is still in the channels: nothing lost, nothing twice.
  while (auto v = a.try_recv()) {
    sum.fetch_add(*v);
    count.fetch_add(1);
  }
  while (auto v = b.try_recv()) {
    sum.fetch_add(*v);
    count.fetch_add(1);
  }
  WEFT_ASSERT(sum.load() == 3 && count.load() == 2);
}

// A "select" that polls both channels and keeps only the first value it got: when both
// are ready it loses one. The scenario above, written for it, must fail.
inline void naive_select_loses_values() {
  weft::channel<int> a(1), b(1);
  a.send(1);
  b.send(2);
  int sum = 0, count = 0;
  for (int i = 0; i < 2; ++i) {
    auto va = a.try_recv();
    auto vb = b.try_recv();  // BUG: takes b's value even when a's is used
    if (va) {
      sum += *va;
      ++count;
    } else if (vb) {
      sum += *vb;
      ++count;
    }
  }
  while (auto v = a.try_recv())
    sum += *v, ++count;
  while (auto v = b.try_recv())
    sum += *v, ++count;
  WEFT_ASSERT(sum == 3 && count == 2);
}

// A blocked select over a rendezvous send and a receive completes exactly one of them.
inline void select_rendezvous_fires_once() {
  weft::channel<int> out, in;
  weft::atomic<int> fired{0};
  weft::thread partner([&] {
    if (weft::model::choose(2) == 0) {
      (void)out.recv();
    } else {
      in.send(5);
    }
  });
  weft::select(weft::send(out, 1, [&] { fired.fetch_add(1); }),
               weft::recv(in, [&](std::optional<int> v) {
                 WEFT_ASSERT(v && *v == 5);
                 fired.fetch_add(1);
               }));
  partner.join();
  WEFT_ASSERT(fired.load() == 1);
}

// ---------------------------------------------------------------------------------------
// Context scenarios

// A small context tree; cancelling the root from another thread reaches every
// descendant (waiters on the leaves wake), never goes upwards, and err() stays set.
inline void context_cancel_reaches_descendants() {
  // (No structured bindings: clang 14 cannot capture them in lambdas.)
  const auto root_pair = weft::with_cancel(weft::background());
  const weft::context& root = root_pair.first;
  const auto child_pair = weft::with_cancel(root);
  const weft::context& child = child_pair.first;
  const auto grandchild_pair = weft::with_cancel(child);
  const weft::context grandchild = grandchild_pair.first;
  const auto sibling_pair = weft::with_cancel(root);
  const weft::context& sibling = sibling_pair.first;
  weft::atomic<int> callbacks{0};
  auto handle = grandchild.after_cancel([&] { callbacks.fetch_add(1); });
  weft::thread waiter([grandchild] { grandchild.wait(); });
  weft::thread canceller([cancel = root_pair.second] { cancel(); });
  sibling.wait();
  waiter.join();
  canceller.join();
  WEFT_ASSERT(grandchild.err() && child.err() && sibling.err() && root.err());
  WEFT_ASSERT(!weft::background().err());
  WEFT_ASSERT(callbacks.load() == 1);
  child_pair.second();
  grandchild_pair.second();
  sibling_pair.second();
  WEFT_ASSERT(callbacks.load() == 1);  // exactly once, whatever else is cancelled
}

// A context tree that cancels only direct children: a waiter on a grandchild hangs.
class shallow_context {
 public:
  shallow_context() : s_(std::make_shared<state>()) {}
  shallow_context child() const {
    shallow_context c;
    std::lock_guard<weft::mutex> g(s_->m);
    s_->children.push_back(c.s_);
    return c;
  }
  void cancel() const {
    std::vector<std::shared_ptr<state>> kids;
    {
      std::lock_guard<weft::mutex> g(s_->m);
      s_->cancelled = true;
      s_->cv.notify_all();
      kids = s_->children;
    }
    for (auto& k : kids) {  // BUG: must recurse into the children's children
      std::lock_guard<weft::mutex> g(k->m);
      k->cancelled = true;
      k->cv.notify_all();
    }
  }
  void wait() const {
    std::unique_lock<weft::mutex> lk(s_->m);
    s_->cv.wait(lk, [&] { return s_->cancelled; });
  }

 private:
  struct state {
    weft::mutex m;
    weft::condition_variable cv;
    bool cancelled = false;
    std::vector<std::shared_ptr<state>> children;
  };
  std::shared_ptr<state> s_;
};

inline void shallow_context_misses_grandchildren() {
  shallow_context root;
  shallow_context child = root.child();
  shallow_context grandchild = child.child();
  weft::thread waiter([&] { grandchild.wait(); });
  root.cancel();
  waiter.join();
}

// A deadline context cancels itself on virtual time, exactly at its deadline.
inline void context_deadline_on_virtual_time() {
  const auto start = weft::clock::now();
  const auto pair = weft::with_timeout(weft::background(), std::chrono::seconds(3));
  const weft::context ctx = pair.first;
  weft::thread waiter([ctx] { ctx.wait(); });
  ctx.wait();
  waiter.join();
  WEFT_ASSERT(weft::clock::now() - start == std::chrono::seconds(3));
  WEFT_ASSERT(ctx.err() == weft::context_errc::deadline_exceeded);
  pair.second();
}

// ---------------------------------------------------------------------------------------
// The registry: each scenario with the options it is checked with and what must happen.

struct scenario {
  std::string component;
  std::string name;
  std::function<void()> body;
  weft::model::failure expected;  // none: must pass
  weft::model::options opts;
};

// How GoogleTest prints a scenario parameter.
inline void PrintTo(const scenario& s, std::ostream* os) {
  *os << s.component << ": " << s.name;
}

inline weft::model::options bounded_dfs(int bound, std::size_t budget) {
  weft::model::options o;
  o.strategy = weft::model::strategy::dfs;
  o.preemption_bound = bound;
  o.max_schedules = budget;
  o.use_environment = false;
  o.seed = 1;
  return o;
}

inline weft::model::options random_search(std::size_t budget) {
  weft::model::options o;
  o.strategy = weft::model::strategy::random;
  o.max_schedules = budget;
  o.use_environment = false;
  o.seed = 1;
  return o;
}

inline std::vector<scenario> primitive_scenarios() {
  using weft::model::failure;
  std::vector<scenario> out;
  for (std::size_t cap : {0, 1, 3}) {
    const std::string c = "(capacity " + std::to_string(cap) + ")";
    out.push_back({"channel", "no loss, no duplication, FIFO per producer " + c,
                   [cap] { channel_mpmc<weft::channel>(cap); }, failure::none,
                   bounded_dfs(1, 20000)});
    out.push_back({"channel", "every blocked receiver is woken " + c,
                   [cap] { channel_each_receiver_gets_one<weft::channel>(cap); }, failure::none,
                   bounded_dfs(2, 20000)});
    out.push_back({"channel", "close wakes every waiter " + c,
                   [cap] { channel_close_wakes_everyone<weft::channel>(cap); }, failure::none,
                   bounded_dfs(2, 20000)});
  }
  out.push_back({"channel", "random search, 2 producers 2 consumers (capacity 1)",
                 [] { channel_mpmc<weft::channel>(1); }, failure::none, random_search(3000)});
  out.push_back({"channel mutant", "lost wake-up is caught",
                 [] { channel_each_receiver_gets_one<lost_wakeup_channel>(3); }, failure::deadlock,
                 random_search(20000)});
  out.push_back({"channel mutant", "close that wakes nobody is caught",
                 [] { channel_close_wakes_everyone<silent_close_channel>(1); }, failure::deadlock,
                 random_search(20000)});
  out.push_back({"channel mutant", "racy receive (lost/duplicated value) is caught",
                 [] { channel_mpmc<racy_recv_channel>(3); }, failure::assertion,
                 random_search(20000)});
  out.push_back({"select", "takes each value exactly once", select_takes_each_value_once,
                 failure::none, bounded_dfs(2, 50000)});
  out.push_back({"select", "rendezvous select fires exactly one case", select_rendezvous_fires_once,
                 failure::none, bounded_dfs(2, 50000)});
  out.push_back({"select mutant", "polling select that drops a value is caught",
                 naive_select_loses_values, failure::assertion, bounded_dfs(2, 1000)});
  out.push_back({"context", "cancellation reaches every descendant",
                 context_cancel_reaches_descendants, failure::none, bounded_dfs(2, 50000)});
  out.push_back({"context", "deadline fires exactly on virtual time",
                 context_deadline_on_virtual_time, failure::none, bounded_dfs(2, 20000)});
  out.push_back({"context mutant", "cancel that skips grandchildren is caught",
                 shallow_context_misses_grandchildren, failure::deadlock, random_search(1000)});
  return out;
}

}  // namespace weft::scenarios
