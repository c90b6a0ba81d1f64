// weft/linearizability.hpp — is a concurrent history linearizable with respect to a
// sequential model? A generic checker usable on any history, from any source.
//
//   std::vector<weft::prop::interval> ops = ...;   // invoke/return stamps per operation
//   auto r = weft::prop::check_linearizability(ops, initial_state,
//       [&](const State& s, std::size_t i, std::vector<State>& next) {
//         // append every state the model may move to when operation i, with the
//         // result it really returned, is applied in state s (none: not allowed here)
//       });
//   if (r.result == weft::prop::verdict::not_linearizable) ... r.longest ...
//
// Algorithm: Wing & Gong's backtracking search with Lowe's just-in-time linearization
// ("Testing for linearizability", CCPE 2017), as Porcupine implements it. Call and return
// events are kept in one list sorted by stamp. Walking it from the front, any operation
// whose call comes before the first return still in the list may be linearized next: it
// is applied to the model and, if the model accepts the result, removed from the list
// ("lifted") and the walk restarts. Reaching a return means that operation should have
// been linearized already: backtrack, undo the last choice and try the next candidate.
// Configurations already explored — (set of linearized operations, model state) — are
// memoised, so each is expanded once; this turns the exponential search into one that is
// linear in the history for realistic concurrency.
//
// Non-deterministic models (several allowed outcomes for one call) simply append several
// next states; each is a branch of the search. Pending operations (ret == never) may be
// linearized anywhere after their call, with any result the model allows, or not at all.
//
// P-compositionality (Horn & Kroening, FORTE 2015): when the model is a product of
// independent parts — a map's keys — a history is linearizable iff each part's
// sub-history is. Pass `partitions` (e.g. from partition_by_key) and each is checked
// alone, which turns one exponential search into many small ones.
//
// Budget: the search is NP-complete in general, so it stops with `undecided` (never a
// false verdict) when the memo table exceeds max_states or the time runs out.
//
// Memoisation needs State to be equality-comparable (otherwise the search still works,
// unmemoised); a hash (weft::prop::hash_value, see weft/prop/values.hpp) makes it fast.
#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "weft/history.hpp"
#include "weft/prop/values.hpp"

namespace weft::prop {

// When one operation ran: stamps of its invocation and return (ret == never: pending).
// Ties between a return and a call are treated as overlapping.
struct interval {
  std::uint64_t invoke = 0;
  std::uint64_t ret = never;
};

struct checker_budget {
  std::size_t max_states = 1'000'000;  // memoised configurations per partition
  double max_seconds = 0;              // for the whole check; 0 = no limit
};

enum class verdict : std::uint8_t { linearizable, not_linearizable, undecided };

constexpr std::string_view to_string(verdict v) noexcept {
  switch (v) {
    case verdict::linearizable:
      return "linearizable";
    case verdict::not_linearizable:
      return "not linearizable";
    case verdict::undecided:
      return "undecided";
  }
  return "?";
}

// One operation of a (partial) linearization: its index in the history, and which of the
// model's allowed next states was taken (0 for deterministic models).
struct lin_step {
  std::size_t op = 0;
  std::uint32_t alternative = 0;
};

struct check_result {
  verdict result = verdict::linearizable;
  std::size_t states = 0;      // configurations memoised, all partitions
  std::size_t partitions = 1;  // partitions checked
  // For not_linearizable / undecided: the operations (history indices) of the partition
  // that failed, and the longest prefix of it that could be linearized.
  std::vector<std::size_t> partition;
  std::vector<lin_step> longest;
  std::string reason;  // undecided: which budget ran out
  double seconds = 0;

  bool ok() const noexcept { return result == verdict::linearizable; }
};

// Groups history indices 0..n-1 by key(i), in order of first appearance.
template <class KeyFn>
std::vector<std::vector<std::size_t>> partition_by_key(std::size_t n, KeyFn&& key) {
  using key_t = std::decay_t<decltype(key(std::size_t{0}))>;
  std::unordered_map<key_t, std::size_t> group_of;
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < n; ++i) {
    auto [it, fresh] = group_of.try_emplace(key(i), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].push_back(i);
  }
  return groups;
}

namespace detail {

inline std::uint64_t mix64(std::uint64_t z) noexcept {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The memo table: a set of (bitset of linearized operations, model state), open
// addressing over indices into flat arrays. Invariant: every stored configuration has
// been (or is being) expanded, so meeting it again cannot lead anywhere new.
template <class State>
class memo_table {
 public:
  static constexpr bool enabled = std::equality_comparable<State>;

  explicit memo_table(std::size_t words) : words_(words) { table_.assign(1024, 0); }

  // Inserts the configuration unless present; true when it was new.
  bool insert(const std::uint64_t* bits, std::uint64_t bits_hash, const State& s) {
    if constexpr (!enabled) {
      ++count_;
      return true;
    } else {
      const std::uint64_t h = bits_hash ^ mix64(static_cast<std::uint64_t>(hash_value(s)));
      std::size_t mask = table_.size() - 1;
      std::size_t slot = static_cast<std::size_t>(h) & mask;
      while (const std::uint32_t e = table_[slot]) {
        const std::size_t i = e - 1;
        if (hashes_[i] == h && std::equal(bits, bits + words_, bits_.data() + i * words_) &&
            states_[i] == s) {
          return false;
        }
        slot = (slot + 1) & mask;
      }
      const std::size_t index = hashes_.size();
      hashes_.push_back(h);
      bits_.insert(bits_.end(), bits, bits + words_);
      states_.push_back(s);
      table_[slot] = static_cast<std::uint32_t>(index + 1);
      ++count_;
      if (count_ * 2 > table_.size()) grow();
      return true;
    }
  }

  std::size_t size() const noexcept { return count_; }

 private:
  void grow() {
    std::vector<std::uint32_t> bigger(table_.size() * 2, 0);
    const std::size_t mask = bigger.size() - 1;
    for (std::size_t i = 0; i < hashes_.size(); ++i) {
      std::size_t slot = static_cast<std::size_t>(hashes_[i]) & mask;
      while (bigger[slot] != 0) {
        slot = (slot + 1) & mask;
      }
      bigger[slot] = static_cast<std::uint32_t>(i + 1);
    }
    table_.swap(bigger);
  }

  std::size_t words_;
  std::size_t count_ = 0;
  std::vector<std::uint32_t> table_;
  std::vector<std::uint64_t> hashes_;
  std::vector<std::uint64_t> bits_;
  std::vector<State> states_;
};

// The just-in-time search over one partition.
template <class State, class Step>
class jit_search {
 public:
  using clock = std::chrono::steady_clock;

  jit_search(std::span<const interval> all, const std::vector<std::size_t>& ops,
             const State& initial, Step& step, const checker_budget& budget,
             clock::time_point deadline, bool has_deadline)
      : all_(all),
        ops_(ops),
        initial_(initial),
        step_(step),
        budget_(budget),
        deadline_(deadline),
        has_deadline_(has_deadline),
        words_((ops.size() + 63) / 64),
        memo_(words_) {}

  // Prepares the search; a verdict if it is decided at once (nothing to linearize).
  std::optional<verdict> start() {
    build();
    bits_.assign(words_, 0);
    cur_ = initial_;
    entry_ = next_[head];
    if (remaining_ == 0) return verdict::linearizable;
    return std::nullopt;
  }

  // Runs at most `quota` steps; the verdict, or nothing if the quota ran out first.
  std::optional<verdict> resume(std::size_t quota) {
    std::uint32_t entry = entry_;
    for (std::size_t step = 0; step < quota; ++step) {
      if (has_deadline_ && (step & 0xFF) == 0xFF && clock::now() > deadline_) {
        snapshot();
        reason_ = "time budget exhausted";
        return verdict::undecided;
      }
      if (entry == nil || !is_call_[entry]) {
        // The first remaining return (or the end, with only pending calls left): the
        // operations chosen so far cannot be extended. Undo the latest choice.
        if (at_new_best_) {
          snapshot();
          at_new_best_ = false;
        }
        if (frames_.empty()) return verdict::not_linearizable;
        frame& f = frames_.back();
        const std::uint32_t op = op_of_[f.call];
        unlift(f.call);
        flip(op);
        if (!pending_[op]) ++remaining_;
        bool advanced = false;
        while (f.alt_pos < f.alt_end) {
          State& candidate = pool_[f.alt_pos++];
          flip(op);
          if (memo_.insert(bits_.data(), bits_hash_, candidate)) {
            if (memo_.size() > budget_.max_states) return over_budget();
            cur_ = std::move(candidate);
            lift(f.call);
            if (!pending_[op] && --remaining_ == 0) return verdict::linearizable;
            entry = next_[head];
            advanced = true;
            break;
          }
          flip(op);
        }
        if (advanced) continue;
        cur_ = std::move(f.prev);
        pool_.erase(pool_.begin() + static_cast<std::ptrdiff_t>(f.pool_begin), pool_.end());
        entry = next_[f.call];
        frames_.pop_back();
        continue;
      }
      // A call before the first remaining return: try to linearize it now.
      const std::uint32_t op = op_of_[entry];
      const std::size_t begin = pool_.size();
      step_(std::as_const(*cur_), ops_[op], pool_);
      const std::size_t end = pool_.size();
      flip(op);
      std::size_t pos = begin;
      bool chosen = false;
      while (pos < end) {
        if (memo_.insert(bits_.data(), bits_hash_, pool_[pos++])) {
          chosen = true;
          break;
        }
      }
      if (!chosen) {
        flip(op);
        pool_.erase(pool_.begin() + static_cast<std::ptrdiff_t>(begin), pool_.end());
        entry = next_[entry];
        continue;
      }
      if (memo_.size() > budget_.max_states) return over_budget();
      State next = std::move(pool_[pos - 1]);
      frames_.push_back(frame{entry, begin, pos, end, std::move(*cur_)});
      cur_ = std::move(next);
      lift(entry);
      if (!pending_[op] && --remaining_ == 0) return verdict::linearizable;
      if (frames_.size() > best_depth_) {
        best_depth_ = frames_.size();
        at_new_best_ = true;
      }
      entry = next_[head];
    }
    entry_ = entry;
    return std::nullopt;
  }

  std::size_t states() const noexcept { return memo_.size(); }
  std::vector<lin_step> take_longest() { return std::move(longest_); }
  std::string take_reason() { return std::move(reason_); }

 private:
  static constexpr std::uint32_t nil = 0xFFFFFFFFu;
  static constexpr std::uint32_t head = 0;

  struct frame {
    std::uint32_t call;      // the call node linearized
    std::size_t pool_begin;  // its alternatives are pool_[pool_begin, alt_end)
    std::size_t alt_pos;     // next alternative to try; the one taken is alt_pos - 1
    std::size_t alt_end;
    State prev;  // the model state before it
  };

  void build() {
    struct event {
      std::uint64_t time;
      std::uint32_t is_return;
      std::uint32_t op;
    };
    std::vector<event> events;
    events.reserve(ops_.size() * 2);
    pending_.assign(ops_.size(), false);
    for (std::uint32_t i = 0; i < ops_.size(); ++i) {
      const interval& iv = all_[ops_[i]];
      events.push_back({iv.invoke, 0, i});
      if (iv.ret == never) {
        pending_[i] = true;
      } else {
        events.push_back({iv.ret, 1, i});
        ++remaining_;
      }
    }
    // Calls before returns at equal stamps: such operations overlap.
    std::sort(events.begin(), events.end(), [](const event& a, const event& b) {
      if (a.time != b.time) return a.time < b.time;
      if (a.is_return != b.is_return) return a.is_return < b.is_return;
      return a.op < b.op;
    });
    const std::size_t n = events.size() + 1;
    next_.assign(n, nil);
    prev_.assign(n, nil);
    op_of_.assign(n, 0);
    is_call_.assign(n, 0);
    match_.assign(n, nil);
    std::vector<std::uint32_t> call_node(ops_.size(), nil);
    for (std::uint32_t k = 0; k < events.size(); ++k) {
      const std::uint32_t node = k + 1;
      prev_[node] = node - 1;
      next_[node - 1] = node;
      op_of_[node] = events[k].op;
      is_call_[node] = events[k].is_return == 0;
      if (events[k].is_return == 0) {
        call_node[events[k].op] = node;
      } else {
        match_[call_node[events[k].op]] = node;
      }
    }
    zobrist_.resize(ops_.size());
    for (std::size_t i = 0; i < ops_.size(); ++i) {
      zobrist_[i] = mix64(i * 0x2545F4914F6CDD1DULL + 1);
    }
  }

  void unlink(std::uint32_t x) {
    next_[prev_[x]] = next_[x];
    if (next_[x] != nil) prev_[next_[x]] = prev_[x];
  }
  void relink(std::uint32_t x) {
    next_[prev_[x]] = x;
    if (next_[x] != nil) prev_[next_[x]] = x;
  }
  // Removes a call and its return from the list; unlift() restores them (LIFO).
  void lift(std::uint32_t call) {
    unlink(call);
    if (match_[call] != nil) unlink(match_[call]);
  }
  void unlift(std::uint32_t call) {
    if (match_[call] != nil) relink(match_[call]);
    relink(call);
  }

  void flip(std::uint32_t op) {
    bits_[op >> 6] ^= std::uint64_t{1} << (op & 63);
    bits_hash_ ^= zobrist_[op];
  }

  void snapshot() {
    longest_.clear();
    for (const frame& f : frames_) {
      longest_.push_back(
          lin_step{ops_[op_of_[f.call]], static_cast<std::uint32_t>(f.alt_pos - 1 - f.pool_begin)});
    }
  }

  verdict over_budget() {
    snapshot();
    reason_ = "state budget exhausted (" + std::to_string(budget_.max_states) + " configurations)";
    return verdict::undecided;
  }

  std::span<const interval> all_;
  const std::vector<std::size_t>& ops_;
  const State& initial_;
  Step& step_;
  const checker_budget& budget_;
  clock::time_point deadline_;
  bool has_deadline_;
  std::size_t words_;

  // The event list: node 0 is the head; nodes 1.. are calls and returns by stamp.
  std::vector<std::uint32_t> next_, prev_, op_of_, match_;
  std::vector<std::uint8_t> is_call_;
  std::vector<bool> pending_;
  std::size_t remaining_ = 0;  // completed operations not yet linearized

  std::vector<std::uint64_t> bits_;  // linearized operations (local indices)
  std::uint64_t bits_hash_ = 0;      // XOR of zobrist_[op] over bits_
  std::vector<std::uint64_t> zobrist_;
  memo_table<State> memo_;
  std::vector<frame> frames_;
  std::vector<State> pool_;   // next states produced by step, a stack mirroring frames_
  std::optional<State> cur_;  // the model state after the linearized operations
  std::uint32_t entry_ = 0;   // where resume() continues the walk

  std::size_t best_depth_ = 0;
  bool at_new_best_ = false;
  std::vector<lin_step> longest_;
  std::string reason_;
};

}  // namespace detail

// Checks `ops` against the model given by `initial` and `step` (see the header comment).
// step(const State& s, std::size_t i, std::vector<State>& out) appends the states the
// model may reach by applying operation i (with the result recorded for it) in state s.
template <class State, class Step>
check_result check_linearizability(std::span<const interval> ops, const State& initial, Step&& step,
                                   const checker_budget& budget = {},
                                   std::span<const std::vector<std::size_t>> partitions = {}) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const bool has_deadline = budget.max_seconds > 0;
  const auto deadline =
      start + std::chrono::duration_cast<clock::duration>(
                  std::chrono::duration<double>(has_deadline ? budget.max_seconds : 0));
  check_result out;
  std::vector<std::vector<std::size_t>> whole;
  if (partitions.empty()) {
    whole.emplace_back(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
      whole[0][i] = i;
    }
    partitions = whole;
  }
  out.partitions = partitions.size();
  // The partitions are searched side by side, in rounds of a doubling number of steps,
  // smallest first: one that fails stops the check at once, however long the others
  // would have taken (Porcupine gets the same effect from checking them in parallel).
  using search_t = detail::jit_search<State, std::remove_reference_t<Step>>;
  std::vector<std::size_t> order(partitions.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const std::size_t sa = partitions[a].size();
    const std::size_t sb = partitions[b].size();
    return sa != sb ? sa < sb : a < b;
  });
  std::vector<std::unique_ptr<search_t>> active;
  bool undecided = false;
  auto finish = [&](search_t& search, const std::vector<std::size_t>& part, verdict v) {
    out.states += search.states();
    if (v == verdict::linearizable) return false;
    if (v == verdict::not_linearizable || !undecided) {
      out.partition = part;
      out.longest = search.take_longest();
      out.reason = search.take_reason();
    }
    if (v == verdict::not_linearizable) {
      out.result = verdict::not_linearizable;
      undecided = false;
      return true;
    }
    undecided = true;
    return false;
  };
  std::vector<const std::vector<std::size_t>*> parts_of;
  for (const std::size_t i : order) {
    auto search = std::make_unique<search_t>(ops, partitions[i], initial, step, budget, deadline,
                                             has_deadline);
    if (const auto v = search->start()) {
      if (finish(*search, partitions[i], *v)) break;
      continue;
    }
    active.push_back(std::move(search));
    parts_of.push_back(&partitions[i]);
  }
  std::size_t quota = 4096;
  while (!active.empty() && out.result != verdict::not_linearizable) {
    for (std::size_t k = 0; k < active.size();) {
      const auto v = active[k]->resume(quota);
      if (!v) {
        ++k;
        continue;
      }
      const bool stop = finish(*active[k], *parts_of[k], *v);
      active.erase(active.begin() + static_cast<std::ptrdiff_t>(k));
      parts_of.erase(parts_of.begin() + static_cast<std::ptrdiff_t>(k));
      if (stop) break;
    }
    quota *= 2;
  }
  if (undecided) out.result = verdict::undecided;
  out.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return out;
}

}  // namespace weft::prop
