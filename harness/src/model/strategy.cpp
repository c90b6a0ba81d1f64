#include "model/strategy.hpp"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "model/rng.hpp"

namespace weft::model::detail {
namespace {

// Spurious wake-ups are rare in real life and each one lengthens an execution, so the
// randomized strategies take them with probability 1/8; dfs explores both outcomes.
constexpr std::uint64_t spurious_odds = 8;

class random_strategy final : public strategy {
 public:
  explicit random_strategy(std::uint64_t seed) : rng_(seed) {}

  bool begin_execution() override { return true; }

  std::size_t pick_thread(const thread_choice& c) override {
    return static_cast<std::size_t>(rng_.below(c.candidates.size()));
  }

  std::size_t pick_value(std::size_t n, value_kind kind) override {
    if (kind == value_kind::spurious) return rng_.below(spurious_odds) == 0 ? 1 : 0;
    return static_cast<std::size_t>(rng_.below(n));
  }

 private:
  rng rng_;
};

// PCT (Burckhardt et al., ASPLOS 2010): every thread gets a random priority; the
// highest-priority runnable thread always runs; at d-1 random steps the running
// thread's priority drops below every initial one. The step count k is learnt from
// earlier executions (the longest seen so far).
class pct_strategy final : public strategy {
 public:
  pct_strategy(std::uint64_t seed, int depth) : rng_(seed), depth_(std::max(depth, 1)) {}

  bool begin_execution() override {
    priorities_.clear();
    change_points_.clear();
    for (int i = 1; i < depth_; ++i) {
      change_points_.push_back(1 + rng_.below(max_steps_));
    }
    std::sort(change_points_.begin(), change_points_.end());
    next_change_ = 0;
    return true;
  }

  void thread_created(std::uint32_t id) override {
    if (id >= priorities_.size()) priorities_.resize(id + 1, 0.0);
    // Initial priorities lie above every change-point priority (which are < depth).
    priorities_[id] = static_cast<double>(depth_) + rng_.unit() * 1e6;
  }

  std::size_t pick_thread(const thread_choice& c) override {
    while (next_change_ < change_points_.size() && change_points_[next_change_] <= c.step) {
      if (c.current >= 0) {
        priorities_[static_cast<std::size_t>(c.current)] =
            static_cast<double>(depth_ - 1 - static_cast<int>(next_change_)) - rng_.unit() * 0.5;
      }
      ++next_change_;
    }
    std::size_t best = 0;
    for (std::size_t i = 1; i < c.candidates.size(); ++i) {
      if (priority(c.candidates[i]) > priority(c.candidates[best])) best = i;
    }
    return best;
  }

  std::size_t pick_value(std::size_t n, value_kind kind) override {
    if (kind == value_kind::spurious) return rng_.below(spurious_odds) == 0 ? 1 : 0;
    return static_cast<std::size_t>(rng_.below(n));
  }

  void end_execution(std::uint64_t steps) override {
    max_steps_ = std::max<std::uint64_t>(max_steps_, steps);
  }

 private:
  double priority(std::uint32_t id) const {
    return id < priorities_.size() ? priorities_[id] : 0.0;
  }

  rng rng_;
  int depth_;
  std::uint64_t max_steps_ = 16;
  std::vector<double> priorities_;
  std::vector<std::uint64_t> change_points_;
  std::size_t next_change_ = 0;
};

// Depth-first search over decisions with preemption bounding and sleep sets.
//
// The search tree is kept as a stack of frames, one per decision of the current
// execution. Each execution replays the stack's choices, then extends it with first
// choices; afterwards the deepest frame with an unexplored option advances and
// everything below it is dropped. Sleep sets (Godefroid): once the subtree of thread t
// at a node is explored, t sleeps in the subtrees of its later siblings until some
// thread runs an operation that conflicts with t's pending one; a node whose runnable
// threads all sleep is pruned.
class dfs_strategy final : public strategy {
 public:
  dfs_strategy(int preemption_bound, bool sleep_sets, std::uint32_t shard_index,
               std::uint32_t shard_count)
      : bound_(preemption_bound),
        sleep_sets_(sleep_sets),
        shard_index_(shard_index),
        shard_count_(std::max(shard_count, 1u)) {}

  bool begin_execution() override {
    if (started_ && !advance()) {
      exhausted_ = true;
      return false;
    }
    started_ = true;
    depth_ = 0;
    return true;
  }

  std::size_t pick_thread(const thread_choice& c) override {
    if (depth_ < frames_.size()) return replay_thread(c);
    frame f;
    f.is_thread = true;
    f.candidates.assign(c.candidates.begin(), c.candidates.end());
    f.ops.assign(c.ops.begin(), c.ops.end());
    f.current = c.current;
    f.preemptions = depth_ == 0 ? 0 : frames_[depth_ - 1].preemptions_after();
    f.sleep = inherited_sleep();
    f.shard_split = !split_done_ && shard_count_ > 1;
    // Try the running thread first: schedules with few preemptions come early.
    const auto first = first_allowed(f);
    if (!first) {
      frames_.push_back(std::move(f));
      frames_.back().chosen = frames_.back().candidates.size();  // nothing to run here
      ++depth_;
      throw prune_execution{};
    }
    if (f.shard_split) split_done_ = true;
    f.chosen = *first;
    frames_.push_back(std::move(f));
    return frames_[depth_++].chosen;
  }

  std::size_t pick_value(std::size_t n, value_kind kind) override {
    if (depth_ < frames_.size()) {
      frame& f = frames_[depth_];
      if (f.is_thread || f.n != n) throw replay_diverged{"a choice changed its number of options"};
      ++depth_;
      return f.chosen;
    }
    frame f;
    f.is_thread = false;
    f.n = n;
    f.kind = kind;
    f.preemptions = depth_ == 0 ? 0 : frames_[depth_ - 1].preemptions_after();
    f.sleep = inherited_sleep();
    f.chosen = 0;
    frames_.push_back(std::move(f));
    ++depth_;
    return 0;
  }

  bool exhausted() const override { return exhausted_; }
  bool wants_pending_ops() const override { return true; }

 private:
  struct sleeper {
    std::uint32_t thread;
    op_key op;
  };

  struct frame {
    bool is_thread = true;
    value_kind kind = value_kind::choose;
    std::size_t n = 0;                      // options of a value frame
    std::vector<std::uint32_t> candidates;  // thread frame
    std::vector<op_key> ops;
    int current = -1;
    int preemptions = 0;  // before this decision
    std::size_t chosen = 0;
    std::vector<sleeper> sleep;  // asleep on entry to this node
    std::vector<sleeper> done;   // explored children (thread frames)
    bool shard_split = false;

    bool is_preemption(std::size_t i) const {
      return is_thread && current >= 0 && candidates[i] != static_cast<std::uint32_t>(current);
    }
    int preemptions_after() const {
      return preemptions +
             (is_thread && chosen < candidates.size() && is_preemption(chosen) ? 1 : 0);
    }
  };

  static bool contains(const std::vector<sleeper>& v, std::uint32_t thread) {
    return std::any_of(v.begin(), v.end(), [&](const sleeper& s) { return s.thread == thread; });
  }

  bool allowed(const frame& f, std::size_t i) const {
    if (contains(f.sleep, f.candidates[i]) || contains(f.done, f.candidates[i])) return false;
    if (bound_ >= 0 && f.is_preemption(i) && f.preemptions >= bound_) return false;
    if (f.shard_split && (i % shard_count_) != shard_index_) return false;
    return true;
  }

  std::optional<std::size_t> first_allowed(const frame& f) const {
    if (f.current >= 0) {
      for (std::size_t i = 0; i < f.candidates.size(); ++i) {
        if (f.candidates[i] == static_cast<std::uint32_t>(f.current) && allowed(f, i)) return i;
      }
    }
    for (std::size_t i = 0; i < f.candidates.size(); ++i) {
      if (allowed(f, i)) return i;
    }
    return std::nullopt;
  }

  // The sleep set of the node the previous decision leads to.
  std::vector<sleeper> inherited_sleep() const {
    // Sleep sets are unsound under a preemption bound (Coons, Musuvathi, McKinley, OOPSLA
    // 2013: a pruned schedule's equivalent may need more preemptions than the bound), so
    // they prune only the unbounded search.
    if (depth_ == 0 || !sleep_sets_ || bound_ >= 0) return {};
    const frame& parent = frames_[depth_ - 1];
    if (!parent.is_thread) return parent.sleep;
    const op_key ran = parent.ops[parent.chosen];
    const std::uint32_t ran_thread = parent.candidates[parent.chosen];
    std::vector<sleeper> out;
    auto keep = [&](const sleeper& s) {
      if (s.thread != ran_thread && s.op.independent_of(ran)) out.push_back(s);
    };
    for (const sleeper& s : parent.sleep) {
      keep(s);
    }
    for (const sleeper& s : parent.done) {
      keep(s);
    }
    return out;
  }

  std::size_t replay_thread(const thread_choice& c) {
    frame& f = frames_[depth_];
    if (!f.is_thread || f.candidates.size() != c.candidates.size() ||
        !std::equal(f.candidates.begin(), f.candidates.end(), c.candidates.begin())) {
      throw replay_diverged{"the runnable threads differ from an earlier run of the same prefix"};
    }
    // Pending operations may be learnt more precisely now; keep the latest.
    f.ops.assign(c.ops.begin(), c.ops.end());
    ++depth_;
    return f.chosen;
  }

  // Moves to the next unexplored schedule; false when there is none.
  bool advance() {
    // Frames beyond the depth reached are stale (the execution ended earlier).
    frames_.resize(std::min(frames_.size(), depth_));
    while (!frames_.empty()) {
      frame& f = frames_.back();
      if (f.is_thread) {
        if (f.chosen < f.candidates.size()) {
          f.done.push_back({f.candidates[f.chosen], f.ops[f.chosen]});
        }
        for (std::size_t i = 0; i < f.candidates.size(); ++i) {
          if (allowed(f, i)) {
            f.chosen = i;
            return true;
          }
        }
      } else if (f.chosen + 1 < f.n) {
        ++f.chosen;
        return true;
      }
      frames_.pop_back();
    }
    return false;
  }

  int bound_;
  bool sleep_sets_;
  std::uint32_t shard_index_;
  std::uint32_t shard_count_;
  bool split_done_ = false;
  bool started_ = false;
  bool exhausted_ = false;
  std::size_t depth_ = 0;
  std::vector<frame> frames_;
};

class byte_strategy final : public strategy {
 public:
  explicit byte_strategy(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  bool begin_execution() override {
    if (used_) return false;
    used_ = true;
    return true;
  }

  std::size_t pick_thread(const thread_choice& c) override {
    if (pos_ >= bytes_.size()) {
      for (std::size_t i = 0; i < c.candidates.size(); ++i) {
        if (static_cast<int>(c.candidates[i]) == c.current) return i;
      }
      return 0;
    }
    return bytes_[pos_++] % c.candidates.size();
  }

  std::size_t pick_value(std::size_t n, value_kind kind) override {
    if (pos_ >= bytes_.size()) return 0;
    if (kind == value_kind::spurious) return (bytes_[pos_++] & 7) == 0 ? 1 : 0;
    std::size_t v = bytes_[pos_++];
    if (n > 256 && pos_ < bytes_.size()) v = (v << 8) | bytes_[pos_++];
    return v % n;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  bool used_ = false;
};

class replay_strategy final : public strategy {
 public:
  explicit replay_strategy(std::span<const std::uint32_t> decisions)
      : decisions_(decisions.begin(), decisions.end()) {}

  bool begin_execution() override {
    if (used_) return false;
    used_ = true;
    return true;
  }

  std::size_t pick_thread(const thread_choice& c) override {
    const std::uint32_t id = next();
    for (std::size_t i = 0; i < c.candidates.size(); ++i) {
      if (c.candidates[i] == id) return i;
    }
    throw replay_diverged{"the recorded thread T" + std::to_string(id) +
                          " is not runnable at step " + std::to_string(c.step)};
  }

  std::size_t pick_value(std::size_t n, value_kind) override {
    const std::uint32_t v = next();
    if (v >= n) throw replay_diverged{"a recorded choice is out of range"};
    return v;
  }

 private:
  std::uint32_t next() {
    if (pos_ >= decisions_.size()) {
      throw replay_diverged{"the program makes more decisions than recorded"};
    }
    return decisions_[pos_++];
  }

  std::vector<std::uint32_t> decisions_;
  std::size_t pos_ = 0;
  bool used_ = false;
};

}  // namespace

std::unique_ptr<strategy> make_strategy(const strategy_config& config) {
  switch (config.kind) {
    case weft::model::strategy::random:
      return std::make_unique<random_strategy>(config.seed);
    case weft::model::strategy::pct:
      return std::make_unique<pct_strategy>(config.seed, config.pct_depth);
    case weft::model::strategy::dfs:
      return std::make_unique<dfs_strategy>(config.preemption_bound, config.sleep_sets,
                                            config.shard_index, config.shard_count);
  }
  return nullptr;
}

std::unique_ptr<strategy> make_byte_strategy(std::span<const std::uint8_t> bytes) {
  return std::make_unique<byte_strategy>(bytes);
}

std::unique_ptr<strategy> make_replay_strategy(std::span<const std::uint32_t> decisions) {
  return std::make_unique<replay_strategy>(decisions);
}

}  // namespace weft::model::detail
