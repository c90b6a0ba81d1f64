// weft/detail/ring.hpp — the fixed-capacity FIFO behind a buffered channel.
//
// Storage for `capacity` elements is allocated once, when the channel is made; pushing
// and popping never allocate. Slots are raw storage, so T needs no default constructor
// and may be move-only. Not synchronised: the owning channel's mutex guards it.
//
// Invariant: the live elements are the `count` slots starting at `head`, wrapping
// at capacity; every other slot holds no object.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <utility>

#include "weft/sync.hpp"

namespace weft::detail {

template <class T>
class ring {
 public:
  explicit ring(std::size_t capacity)
      : slots_(capacity != 0 ? std::allocator<T>{}.allocate(capacity) : nullptr),
        capacity_(capacity) {}
  ring(const ring&) = delete;
  ring& operator=(const ring&) = delete;
  ~ring() {
    for (pos p = pos_.load(); p.count != 0; p = pos_.load()) {
      std::optional<T> dropped;
      pop_into(p, dropped);
    }
    if (slots_ != nullptr) {
      std::allocator<T>{}.deallocate(slots_, capacity_);
    }
  }

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t size() const { return pos_.load().count; }
  bool full() const { return pos_.load().count == capacity_; }

  // Appends unless full (then returns false and leaves `value` alone).
  bool try_push(T& value) noexcept {
    pos p = pos_.load();
    if (p.count == capacity_) {
      return false;
    }
    emplace_back(p, value);
    return true;
  }

  // Removes the front into `out` unless empty (then returns false).
  bool try_pop(std::optional<T>& out) noexcept {
    pos p = pos_.load();
    if (p.count == 0) {
      return false;
    }
    pop_into(p, out);
    return true;
  }

  // Requires !full().
  void push(T&& value) noexcept {
    pos p = pos_.load();
    emplace_back(p, value);
  }

 private:
  struct pos {
    std::size_t head = 0;
    std::size_t count = 0;
  };

  void emplace_back(pos p, T& value) noexcept {
    std::size_t tail = p.head + p.count;
    if (tail >= capacity_) {
      tail -= capacity_;
    }
    ::new (static_cast<void*>(slots_ + tail)) T(std::move(value));
    ++p.count;
    pos_.store(p);
  }

  void pop_into(pos p, std::optional<T>& out) noexcept {
    T* slot = std::launder(slots_ + p.head);
    out.emplace(std::move(*slot));
    std::destroy_at(slot);
    p.head = p.head + 1 == capacity_ ? 0 : p.head + 1;
    --p.count;
    pos_.store(p);
  }

  T* const slots_;
  const std::size_t capacity_;
  // One weft::var for both indices: the model checker race-checks the ring's state
  // (guarded by the channel's mutex) at one check per read and per write.
  weft::var<pos> pos_;
};

}  // namespace weft::detail
