// strategy.hpp — how the next thread (or value) is picked at a decision point.
//
// The execution calls the strategy only where there is a real choice: two or more
// runnable threads, choose(n) with n > 1, a possible spurious wake-up, or several
// condition-variable waiters for notify_one. What was picked is recorded by the
// execution itself (see schedule_token.hpp), so any strategy's schedule replays alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "weft/model.hpp"

namespace weft::model::detail {

// What a pending operation touches, for partial-order reduction: operations of two
// threads commute when they touch different objects, or both only read.
struct op_key {
  static constexpr std::uint32_t any_object = 0xFFFFFFFFu;
  std::uint32_t object = any_object;  // any_object: conflicts with everything
  bool read_only = false;

  bool independent_of(const op_key& o) const noexcept {
    if (object == any_object || o.object == any_object) return false;
    return object != o.object || (read_only && o.read_only);
  }
};

struct thread_choice {
  std::span<const std::uint32_t> candidates;  // runnable thread ids, ascending
  std::span<const op_key> ops;                // each candidate's next operation
  int current;         // the thread that ran last, if it is a candidate; else -1
  std::uint64_t step;  // steps (facade operations) so far in this execution
};

enum class value_kind : std::uint8_t {
  choose,    // weft::model::choose(n)
  spurious,  // 0 = wait normally, 1 = wake spuriously
  waiter,    // which condition-variable waiter notify_one wakes
};

// Thrown by a strategy when the current execution adds nothing new (every runnable
// thread is in the sleep set); the execution is abandoned without a failure.
struct prune_execution {};

class strategy {
 public:
  virtual ~strategy() = default;
  // Called before each execution; false when the strategy has nothing left to run.
  virtual bool begin_execution() = 0;
  // Index into choice.candidates.
  virtual std::size_t pick_thread(const thread_choice& choice) = 0;
  virtual std::size_t pick_value(std::size_t n, value_kind kind) = 0;
  virtual void thread_created(std::uint32_t /*id*/) {}
  virtual void end_execution(std::uint64_t /*steps*/) {}
  // Whether pick_thread needs thread_choice::ops (partial-order reduction).
  virtual bool wants_pending_ops() const { return false; }
  // dfs: the bounded space has been explored completely.
  virtual bool exhausted() const { return false; }
};

struct strategy_config {
  weft::model::strategy kind;
  std::uint64_t seed;
  int pct_depth;
  int preemption_bound;
  bool sleep_sets;
  std::uint32_t shard_index;
  std::uint32_t shard_count;
};

std::unique_ptr<strategy> make_strategy(const strategy_config& config);

}  // namespace weft::model::detail

namespace weft::model::detail {

// Thrown when a replayed schedule no longer fits the program (it took another path).
struct replay_diverged {
  std::string what;
};

// Takes decisions from bytes (a fuzzer's input); continues the running thread when they
// run out.
std::unique_ptr<strategy> make_byte_strategy(std::span<const std::uint8_t> bytes);

// Replays recorded decisions: thread ids for thread choices, values otherwise.
std::unique_ptr<strategy> make_replay_strategy(std::span<const std::uint32_t> decisions);

}  // namespace weft::model::detail
