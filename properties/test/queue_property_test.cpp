// End to end: a lock-based bounded queue checked with weft::prop in model mode. The
// correct queue passes; two mutants — a capacity check not atomic with the insertion, and
// a pop that reads and removes in two critical sections (a lost update) — are caught and
// shrunk to minimal scenarios.
#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>

#include <rapidcheck/gtest.h>

#include "weft/prop/gtest.hpp"
#include "weft/property.hpp"
#include "weft/sync.hpp"

namespace {

enum class bug { none, racy_capacity, racy_pop };

template <bug Bug>
class bounded_queue {
 public:
  explicit bounded_queue(std::size_t capacity) : capacity_(capacity) {}

  bool try_push(int v) {
    if constexpr (Bug == bug::racy_capacity) {
      {
        std::lock_guard<weft::mutex> lock(m_);
        if (items_.get().size() >= capacity_) return false;
      }
      std::lock_guard<weft::mutex> lock(m_);  // BUG: the check above may be stale now
      items_.get_mut().push_back(v);
      return true;
    } else {
      std::lock_guard<weft::mutex> lock(m_);
      if (items_.get().size() >= capacity_) return false;
      items_.get_mut().push_back(v);
      return true;
    }
  }

  std::optional<int> try_pop() {
    if constexpr (Bug == bug::racy_pop) {
      int v = 0;
      {
        std::lock_guard<weft::mutex> lock(m_);
        if (items_.get().empty()) return std::nullopt;
        v = items_.get().front();
      }
      std::lock_guard<weft::mutex> lock(m_);  // BUG: another pop may have taken v meanwhile
      if (!items_.get().empty()) items_.get_mut().pop_front();
      return v;
    } else {
      std::lock_guard<weft::mutex> lock(m_);
      if (items_.get().empty()) return std::nullopt;
      const int v = items_.get().front();
      items_.get_mut().pop_front();
      return v;
    }
  }

  std::size_t size() const {
    std::lock_guard<weft::mutex> lock(m_);
    return items_.get().size();
  }

 private:
  const std::size_t capacity_;
  mutable weft::mutex m_;
  weft::var<std::deque<int>> items_;
};

struct queue_model {
  std::deque<int> items;
  std::size_t capacity = 2;
  bool operator==(const queue_model&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const queue_model& m) {
    return os << weft::prop::show(m.items);
  }
};

template <bug Bug>
auto queue_spec(std::size_t capacity, bool with_invariant) {
  using Q = bounded_queue<Bug>;
  auto s =
      weft::prop::spec<Q, queue_model>("bounded_queue")
          .make([capacity] { return std::make_unique<Q>(capacity); })
          .initial(queue_model{{}, capacity})
          .op(
              "push", rc::gen::inRange(0, 5), [](Q& q, int v) { return q.try_push(v); },
              [](queue_model& m, int v) {
                if (m.items.size() >= m.capacity) return false;
                m.items.push_back(v);
                return true;
              })
          .op(
              "pop", [](Q& q) { return q.try_pop(); },
              [](queue_model& m) -> std::optional<int> {
                if (m.items.empty()) return std::nullopt;
                const int v = m.items.front();
                m.items.pop_front();
                return v;
              })
          .op(
              "size", [](Q& q) { return q.size(); }, [](queue_model& m) { return m.items.size(); });
  if (with_invariant) {
    s.invariant("size <= capacity", [capacity](const Q& q) { return q.size() <= capacity; });
  }
  return s;
}

weft::prop::config quick() {
  weft::prop::config c;
  c.scenarios = 40;
  c.runs = 60;
  c.seed = 7;
  c.use_environment = false;
  return c;
}

TEST(QueueProperty, CorrectQueuePasses) {
  const auto r = weft::prop::check(queue_spec<bug::none>(2, true), quick());
  EXPECT_TRUE(weft::testing::passed(r));
  EXPECT_EQ(r.scenarios, 40u);
  EXPECT_GT(r.runs, 40u * 10);
}

TEST(QueueProperty, RacyCapacityCheckIsNotLinearizable) {
  const auto r = weft::prop::check(queue_spec<bug::racy_capacity>(2, false), quick());
  ASSERT_TRUE(weft::testing::found(r, weft::prop::violation::not_linearizable));
  const auto& f = *r.failure;
  // Shrunk: two concurrent pushes suffice once the queue holds capacity-1 items.
  EXPECT_EQ(f.minimal.parallel.size(), 2u) << r;
  EXPECT_LE(f.minimal.size(), 5u) << r;
  EXPECT_GT(r.shrinks, 0u);
  EXPECT_FALSE(f.replay.empty());
  EXPECT_FALSE(r.reproduce.empty());
  const std::string text = r.to_string();
  EXPECT_NE(text.find("cannot place"), std::string::npos) << text;
  EXPECT_NE(text.find("thread 1"), std::string::npos) << text;
  EXPECT_NE(text.find("WEFT_REPLAY="), std::string::npos) << text;
  EXPECT_NE(text.find("RC_PARAMS="), std::string::npos) << text;
}

TEST(QueueProperty, RacyCapacityCheckBreaksTheInvariant) {
  const auto r = weft::prop::check(queue_spec<bug::racy_capacity>(2, true), quick());
  ASSERT_TRUE(weft::testing::found(r, weft::prop::violation::invariant));
  EXPECT_NE(r.failure->headline.find("size <= capacity"), std::string::npos) << r;
}

TEST(QueueProperty, RacyPopIsCaughtAndShrunk) {
  const auto r = weft::prop::check(queue_spec<bug::racy_pop>(3, true), quick());
  ASSERT_TRUE(weft::testing::found(r, weft::prop::violation::not_linearizable));
  EXPECT_LE(r.failure->minimal.size(), 5u) << r;
}

TEST(QueueProperty, ReplayTokenReproducesTheFailingSchedule) {
  const auto found = weft::prop::check(queue_spec<bug::racy_capacity>(2, false), quick());
  ASSERT_TRUE(found.failure.has_value());
  // Re-run the minimal scenario alone on exactly the failing schedule.
  weft::model::options o;
  o.replay = found.failure->replay;
  weft::prop::config c = quick();
  c.executors = {weft::prop::model_mode(o)};
  const auto s = queue_spec<bug::racy_capacity>(2, false);
  weft::prop::detail::run_stats stats;
  const auto cfg = weft::prop::detail::resolve_config(c, s.name());
  const auto again = weft::prop::detail::run_scenario(s.data(), found.failure->minimal, cfg, stats);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->kind, weft::prop::violation::not_linearizable);
  EXPECT_EQ(stats.runs, 1u);
  EXPECT_EQ(again->results, found.failure->results);
}

TEST(QueueProperty, FailingHistoryRoundTripsThroughJsonLines) {
  const auto r = weft::prop::check(queue_spec<bug::racy_capacity>(2, false), quick());
  ASSERT_TRUE(r.failure.has_value());
  const std::string text = weft::prop::to_jsonl(r.failure->ops);
  const auto back = weft::prop::parse_jsonl(text);
  ASSERT_EQ(back.size(), r.failure->ops.size());
  EXPECT_EQ(weft::prop::to_jsonl(back), text);
  const auto s = queue_spec<bug::racy_capacity>(2, false);
  const auto verdict = weft::prop::check_history(s, back);
  EXPECT_EQ(verdict.result, weft::prop::verdict::not_linearizable);
  EXPECT_NE(weft::prop::explain(s, back, verdict).find("cannot place"), std::string::npos);
}

// The RapidCheck-driven form: each call is one scenario, RapidCheck counts and shrinks.
RC_GTEST_PROP(QueueProperty, CorrectQueueUnderRapidCheck, ()) {
  weft::prop::config c;
  c.runs = 30;
  weft::prop::rc_check(queue_spec<bug::none>(2, true), c);
}

}  // namespace
