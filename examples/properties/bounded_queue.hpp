// bounded_queue.hpp — a user-style component: a bounded FIFO queue guarded by a mutex,
// written against weft's sync facade so weft can check it.
//
// `bug::racy_capacity` is a deliberately broken variant, kept to show what the property
// catches: try_push checks for room and inserts in two critical sections, so two pushes
// can both see one free slot and overfill the queue.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "weft/sync.hpp"

namespace example {

enum class queue_bug { none, racy_capacity };

template <queue_bug Bug = queue_bug::none>
class bounded_queue {
 public:
  explicit bounded_queue(std::size_t capacity) : capacity_(capacity) {}

  // Appends v unless the queue is full; true if it was appended.
  bool try_push(int v) {
    if constexpr (Bug == queue_bug::racy_capacity) {
      {
        std::lock_guard<weft::mutex> lock(m_);
        if (items_.get().size() >= capacity_) return false;
      }
      std::lock_guard<weft::mutex> lock(m_);  // BUG: the room seen above may be gone
      items_.get_mut().push_back(v);
      return true;
    } else {
      std::lock_guard<weft::mutex> lock(m_);
      if (items_.get().size() >= capacity_) return false;
      items_.get_mut().push_back(v);
      return true;
    }
  }

  // Removes and returns the oldest value, if any.
  std::optional<int> try_pop() {
    std::lock_guard<weft::mutex> lock(m_);
    if (items_.get().empty()) return std::nullopt;
    const int v = items_.get().front();
    items_.get_mut().pop_front();
    return v;
  }

  std::size_t size() const {
    std::lock_guard<weft::mutex> lock(m_);
    return items_.get().size();
  }

 private:
  const std::size_t capacity_;
  mutable weft::mutex m_;
  weft::var<std::deque<int>> items_;  // guarded by m_ (weft::var: accesses are race-checked)
};

}  // namespace example
