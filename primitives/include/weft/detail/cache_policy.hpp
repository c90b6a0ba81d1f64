// weft/detail/cache_policy.hpp — the eviction policies of one weft::cache shard: LRU, and
// W-TinyLFU (Einziger, Friedman, Manes 2017; Caffeine's BoundedLocalCache):
//
//   new entries -> [ window LRU, ~1% ] --candidate--> [ main: probation 20% | protected 80% ]
//                                                  admission: sketch frequency of the
//                                                  candidate vs the probation victim
//
// A new entry enters the window. When the window is over its share, its least recent
// entry becomes a candidate for the main space and moves to probation; while the shard is
// over capacity, the candidate and probation's least recent entry (the victim) compete:
// the one the frequency sketch has seen more often recently stays, ties keep the victim
// (so one-hit wonders of a scan never push out a popular entry). A probation entry that is
// read again is promoted to protected; protected overflow is demoted back to probation.
// LRU uses one list and evicts its tail.
//
// The lists are intrusive and doubly linked through the entries themselves (E is the
// cache's map element, std::pair<const K, node>; node has prev, next, weight, queue).
// Not thread-safe: used under the shard's lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "weft/detail/frequency_sketch.hpp"

namespace weft::detail {

enum class cache_queue : std::uint8_t { window = 0, probation = 1, protected_ = 2 };

// An intrusive doubly linked list of entries, most recent at the head.
template <class E>
struct entry_list {
  E* head = nullptr;
  E* tail = nullptr;
  std::size_t weight = 0;
  std::size_t count = 0;

  void push_front(E* e) noexcept {
    auto& n = e->second;
    n.prev = nullptr;
    n.next = head;
    if (head != nullptr) {
      head->second.prev = e;
    } else {
      tail = e;
    }
    head = e;
    weight += n.weight;
    ++count;
  }
  void remove(E* e) noexcept {
    auto& n = e->second;
    (n.prev != nullptr ? n.prev->second.next : head) = n.next;
    (n.next != nullptr ? n.next->second.prev : tail) = n.prev;
    n.prev = n.next = nullptr;
    weight -= n.weight;
    --count;
  }
  void clear() noexcept { *this = entry_list{}; }
};

template <class E>
class cache_policy {
 public:
  // capacity: the shard's maximum total weight; tiny_lfu: W-TinyLFU, else LRU;
  // sketch_size: expected number of entries (sizes the frequency sketch).
  cache_policy(std::size_t capacity, bool tiny_lfu, std::size_t sketch_size)
      : tiny_lfu_(tiny_lfu), sketch_(tiny_lfu ? sketch_size : 1) {
    window_max_ = tiny_lfu ? (capacity / 100 > 0 ? capacity / 100 : 1) : capacity;
    const std::size_t main = capacity > window_max_ ? capacity - window_max_ : 0;
    protected_max_ = main * 8 / 10;
  }

  std::size_t weight() const noexcept {
    return lists_[0].weight + lists_[1].weight + lists_[2].weight;
  }

  // A new entry (its weight set). Under W-TinyLFU it enters the window, and what the
  // window holds beyond its share moves on to probation — the candidates for the main
  // space, which compete with its victims only when the shard is over capacity.
  void on_insert(E* e, std::uint64_t hash) noexcept {
    e->second.queue = cache_queue::window;
    lists_[0].push_front(e);
    if (!tiny_lfu_) {
      return;
    }
    sketch_.increment(hash);
    while (list(cache_queue::window).weight > window_max_ && list(cache_queue::window).count > 1) {
      move_front(list(cache_queue::window).tail, cache_queue::probation);
    }
  }

  // A read (or overwrite) of a present entry.
  void on_access(E* e, std::uint64_t hash) noexcept {
    if (!tiny_lfu_) {
      move_front(e, cache_queue::window);
      return;
    }
    sketch_.increment(hash);
    switch (e->second.queue) {
      case cache_queue::window:
      case cache_queue::protected_:
        move_front(e, e->second.queue);
        return;
      case cache_queue::probation:
        move_front(e, cache_queue::protected_);
        while (list(cache_queue::protected_).weight > protected_max_) {
          E* demoted = list(cache_queue::protected_).tail;
          move_front(demoted, cache_queue::probation);
          if (demoted == e) {
            break;
          }
        }
        return;
    }
  }

  // An entry about to leave the cache (erased, replaced by weight change, evicted).
  void on_remove(E* e) noexcept { list(e->second.queue).remove(e); }

  // The entry to evict next while the shard is over capacity (there is at least one).
  // hash_of(E*) gives an entry's hash for the frequency sketch.
  template <class HashOf>
  E* victim(HashOf&& hash_of) noexcept {
    if (!tiny_lfu_) {
      return lists_[0].tail;
    }
    if (main_empty()) {
      return list(cache_queue::window).tail;
    }
    // The candidate: the newest arrival in probation (from the window). The victim:
    // probation's least recent entry — or protected's, if the candidate is alone there.
    E* candidate = list(cache_queue::probation).head;
    E* v = list(cache_queue::probation).tail;
    if (v == nullptr || v == candidate) {
      v = list(cache_queue::protected_).tail;
    }
    if (candidate == nullptr) {
      return v;
    }
    if (v == nullptr) {
      return candidate;
    }
    // Admission: the candidate replaces the victim only if seen more often recently;
    // ties keep the victim, so a scan of one-hit wonders cannot flush popular entries.
    return sketch_.frequency(hash_of(candidate)) > sketch_.frequency(hash_of(v)) ? v : candidate;
  }

  void clear() noexcept {
    for (auto& l : lists_) {
      l.clear();
    }
  }

  // Bytes of the frequency sketch (per shard).
  std::size_t sketch_bytes() const noexcept { return tiny_lfu_ ? sketch_.bytes() : 0; }

 private:
  entry_list<E>& list(cache_queue q) noexcept { return lists_[static_cast<int>(q)]; }
  bool main_empty() const noexcept { return lists_[1].count == 0 && lists_[2].count == 0; }

  void move_front(E* e, cache_queue to) noexcept {
    list(e->second.queue).remove(e);
    e->second.queue = to;
    list(to).push_front(e);
  }

  const bool tiny_lfu_;
  std::size_t window_max_ = 0;     // weight the window keeps before handing candidates on
  std::size_t protected_max_ = 0;  // weight protected keeps before demoting to probation
  entry_list<E> lists_[3];         // window (LRU: the only list), probation, protected
  frequency_sketch sketch_;
};

}  // namespace weft::detail
