// weft::context's cancellation tree, checked with weft::prop: concurrent cancels and err()
// reads on a seven-node tree (root 0, node i's parent (i-1)/2), in model mode.
//
// Contexts cancel like Go's: a cancel sets the node's error, then walks down setting each
// descendant's — so for a moment err(parent) is set while err(child) is not. A tree
// model where a cancel is one atomic step would call that a violation; the model here
// says what the API promises instead:
//   * err(i) is set the moment cancel(i) takes effect;
//   * a descendant of a cancelled node may still read as live until it is observed
//     cancelled — and from then on it stays cancelled (err never flips back);
//   * a node no cancel reached reads as live.
// At quiescent points (no cancel in flight) two invariants hold: every descendant of a
// cancelled context is cancelled, and each after_cancel callback ran exactly once for
// each cancelled context (never for a live one).
//
// Each property is shown failing on a mutant: propagation one level deep only, callbacks
// run by a check-then-act flag, and a cancel of a cancelled root that revives it.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <utility>

#include "weft/context.hpp"
#include "weft/prop/gtest.hpp"
#include "weft/property.hpp"
#include "weft/sync.hpp"

namespace {

using weft::prop::violation;
using weft::testing::found;
using weft::testing::passed;

constexpr int nodes = 7;
constexpr int parent_of(int i) {
  return (i - 1) / 2;
}
constexpr bool is_descendant(int j, int i) {  // j strictly below i
  while (j > 0) {
    j = parent_of(j);
    if (j == i) return true;
  }
  return false;
}

enum class ctx_bug { none, shallow, racy_callbacks, revive };

template <ctx_bug Bug>
class ctx_tree {
 public:
  static constexpr bool flat = Bug == ctx_bug::shallow || Bug == ctx_bug::racy_callbacks;

  ctx_tree() {
    for (int i = 0; i < nodes; ++i) {
      // The mutants that propagate by hand make every node a child of background().
      const weft::context parent = (i == 0 || flat) ? weft::background() : ctx_[parent_of(i)];
      std::tie(ctx_[i], cancel_[i]) = weft::with_cancel(parent);
      if constexpr (Bug != ctx_bug::racy_callbacks) {
        handles_[i] = ctx_[i].after_cancel([this, i] { runs_[i].fetch_add(1); });
      }
    }
  }

  void cancel(int i) {
    if constexpr (Bug == ctx_bug::revive) {
      std::lock_guard<weft::mutex> lock(m_);
      if (i == 0 && ctx_[0].err()) {  // BUG: "restarts" a cancelled root
        std::tie(ctx_[0], cancel_[0]) = weft::with_cancel(weft::background());
        return;
      }
    }
    cancel_[i]();
    if constexpr (Bug == ctx_bug::shallow) {
      for (int c : {2 * i + 1, 2 * i + 2}) {  // BUG: children only, not grandchildren
        if (c < nodes) cancel_[c]();
      }
    } else if constexpr (Bug == ctx_bug::racy_callbacks) {
      for (int j = 0; j < nodes; ++j) {
        if (j != i && !is_descendant(j, i)) continue;
        cancel_[j]();
        if (!ran_[j].load()) {  // BUG: check-then-act; two cancels may both run it
          ran_[j].store(true);
          runs_[j].fetch_add(1);
        }
      }
    }
  }

  int err(int i) const {
    std::error_code e;
    if constexpr (Bug == ctx_bug::revive) {
      std::lock_guard<weft::mutex> lock(m_);
      e = ctx_[i].err();
    } else {
      e = ctx_[i].err();
    }
    return e ? e.value() : 0;
  }

  int runs(int i) const { return runs_[i].load(); }

 private:
  std::array<weft::context, nodes> ctx_;
  std::array<weft::cancel_func, nodes> cancel_;
  std::array<weft::after_cancel_handle, nodes> handles_;
  std::array<weft::atomic<int>, nodes> runs_{};
  std::array<weft::atomic<bool>, nodes> ran_{};
  mutable weft::mutex m_;
};

// Per node: live, cancelling (an ancestor's cancel took effect; not yet observed), done.
enum : std::uint8_t { live = 0, cancelling = 1, done = 2 };

struct tree_model {
  std::array<std::uint8_t, nodes> state{};
  bool operator==(const tree_model&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const tree_model& m) {
    static constexpr const char* names[] = {"live", "cancelling", "done"};
    os << "{";
    for (int i = 0; i < nodes; ++i) {
      os << (i ? ", " : "") << i << ": " << names[m.state[i]];
    }
    return os << "}";
  }
};

template <ctx_bug Bug>
auto context_spec() {
  using T = ctx_tree<Bug>;
  using err_outcomes = weft::prop::outcomes<int, tree_model>;
  const int cancelled = static_cast<int>(weft::context_errc::cancelled);
  return weft::prop::spec<T, tree_model>("context_tree")
      .op(
          "cancel", rc::gen::inRange(0, nodes), [](T& t, int i) { t.cancel(i); },
          [](tree_model& m, int i) {
            m.state[i] = done;
            for (int j = 0; j < nodes; ++j) {
              if (is_descendant(j, i) && m.state[j] == live) m.state[j] = cancelling;
            }
          })
      .weight(1)
      .op(
          "err", rc::gen::inRange(0, nodes), [](T& t, int i) { return t.err(i); },
          [cancelled](const tree_model& m, int i) {
            err_outcomes out;
            if (m.state[i] == done) return out.allow(cancelled, m);
            out.allow(0, m);
            if (m.state[i] == cancelling) {
              tree_model seen = m;
              seen.state[i] = done;  // observed cancelled: it stays so
              out.allow(cancelled, seen);
            }
            return out;
          })
      .weight(2)
      .invariant("descendants of a cancelled context are cancelled",
                 [](const T& t) {
                   for (int i = 1; i < nodes; ++i) {
                     if (t.err(parent_of(i)) != 0 && t.err(i) == 0) return false;
                   }
                   return true;
                 })
      .invariant("after_cancel callbacks run once per cancelled context, never twice",
                 [](const T& t) {
                   for (int i = 0; i < nodes; ++i) {
                     if (t.runs(i) > 1 || (t.err(i) != 0 && t.runs(i) != 1)) return false;
                   }
                   return true;
                 });
}

weft::prop::config quick(int scenarios = 40) {
  weft::prop::config c;
  c.scenarios = scenarios;
  c.runs = 40;
  c.seed = 5;
  return c;
}

TEST(ContextProperty, CancellationTreeHoldsItsPromises) {
  EXPECT_TRUE(passed(weft::prop::check(context_spec<ctx_bug::none>(), quick())));
}

TEST(ContextProperty, ThreeThreadsOfCancels) {
  weft::prop::config c = quick(20);
  c.shape.threads = 3;
  c.shape.ops_per_thread = 3;
  EXPECT_TRUE(passed(weft::prop::check(context_spec<ctx_bug::none>(), c)));
}

TEST(ContextPropertyMutant, ShallowPropagationBreaksTheDescendantInvariant) {
  const auto r = weft::prop::check(context_spec<ctx_bug::shallow>(), quick());
  ASSERT_TRUE(found(r, violation::invariant));
  EXPECT_NE(r.failure->headline.find("descendants"), std::string::npos) << r;
  EXPECT_EQ(r.failure->minimal.size(), 1u) << r;  // cancel(0) alone: node 3 stays live
}

TEST(ContextPropertyMutant, CheckThenActCallbacksRunTwice) {
  const auto r = weft::prop::check(context_spec<ctx_bug::racy_callbacks>(), quick(100));
  ASSERT_TRUE(found(r, violation::invariant));
  EXPECT_NE(r.failure->headline.find("callbacks"), std::string::npos) << r;
  EXPECT_EQ(r.failure->minimal.parallel.size(), 2u) << r;
}

TEST(ContextPropertyMutant, RevivedContextFlipsErrBack) {
  const auto r = weft::prop::check(context_spec<ctx_bug::revive>(), quick());
  ASSERT_TRUE(found(r, violation::not_linearizable));
  EXPECT_LE(r.failure->minimal.size(), 3u) << r;
}

}  // namespace
