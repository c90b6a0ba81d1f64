// work_queue.hpp — a bounded blocking FIFO queue, the kind of component a user writes and
// wants to fuzz: push() waits while the queue is full, pop() waits while it is empty.
// Written against <weft/sync.hpp> only, so the model checker controls its interleavings.
//
// For the fuzzing example it comes in four builds (the `Bug` parameter):
//   bug::none            the correct queue;
//   bug::lost_wakeup     push() notifies a waiting consumer only when the queue was empty
//                        before — with two consumers asleep, a second push before either
//                        wakes notifies nobody: one consumer sleeps with an item queued;
//   bug::check_then_act  push() checks for room and adds the item in two critical sections
//                        — two producers can both see the last free slot and both add;
//   bug::one_condvar     producers and consumers wait on one condition variable and each
//                        operation wakes one waiter — which may be of its own kind, so the
//                        one that could proceed sleeps on (needs two waiters of each kind
//                        queued in the right order: the deepest of the three).
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>

#include "weft/sync.hpp"

namespace weft_examples {

enum class bug { none, lost_wakeup, check_then_act, one_condvar };

template <class T, bug Bug = bug::none>
class work_queue {
 public:
  explicit work_queue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Adds an item, waiting while the queue is full.
  void push(T item) {
    if constexpr (Bug == bug::one_condvar) {
      std::unique_lock<weft::mutex> lock(m_);
      not_full_.wait(lock, [&] { return items_.size() < capacity_; });
      items_.push_back(std::move(item));
      not_full_.notify_one();  // BUG: the one waiter woken may be another producer
    } else if constexpr (Bug == bug::check_then_act) {
      {
        std::unique_lock<weft::mutex> lock(m_);
        not_full_.wait(lock, [&] { return items_.size() < capacity_; });
      }  // BUG: the room seen here may be taken before the item is added below
      std::lock_guard<weft::mutex> lock(m_);
      items_.push_back(std::move(item));
      not_empty_.notify_one();
    } else {
      std::unique_lock<weft::mutex> lock(m_);
      not_full_.wait(lock, [&] { return items_.size() < capacity_; });
      const bool was_empty = items_.empty();
      items_.push_back(std::move(item));
      if (Bug == bug::none || was_empty) {  // BUG (lost_wakeup): must notify on every push
        not_empty_.notify_one();
      }
    }
  }

  // Removes the oldest item, waiting while the queue is empty.
  T pop() {
    // (bug::one_condvar: everybody waits on not_full_.)
    weft::condition_variable& cv = Bug == bug::one_condvar ? not_full_ : not_empty_;
    std::unique_lock<weft::mutex> lock(m_);
    cv.wait(lock, [&] { return !items_.empty(); });
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  // Items queued right now (a snapshot).
  std::size_t size() const {
    std::lock_guard<weft::mutex> lock(m_);
    return items_.size();
  }
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable weft::mutex m_;
  weft::condition_variable not_empty_;
  weft::condition_variable not_full_;
  std::deque<T> items_;  // [m_]
};

}  // namespace weft_examples
