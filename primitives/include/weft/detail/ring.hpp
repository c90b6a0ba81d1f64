// weft/detail/ring.hpp — the fixed-capacity FIFO behind a buffered channel.
//
// Storage for `capacity` elements is allocated once, when the channel is made; pushing
// and popping never allocate. Slots are raw storage, so T needs no default constructor
// and may be move-only. Not synchronised: the owning channel's mutex guards it.
//
// Invariant: the live elements are the `count_` slots starting at `head_`, wrapping
// at capacity; every other slot holds no object.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
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
    while (count_.load() != 0) {
      (void)pop();
    }
    if (slots_ != nullptr) {
      std::allocator<T>{}.deallocate(slots_, capacity_);
    }
  }

  std::size_t capacity() const noexcept { return capacity_; }
  // head_ and count_ are weft::vars so the model checker race-checks the channel's
  // central state; outside a model run each access is a plain load or store.
  std::size_t size() const { return count_.load(); }
  bool full() const { return count_.load() == capacity_; }

  // Requires !full().
  void push(T&& value) noexcept {
    const std::size_t n = count_.load();
    std::size_t tail = head_.load() + n;
    if (tail >= capacity_) {
      tail -= capacity_;
    }
    ::new (static_cast<void*>(slots_ + tail)) T(std::move(value));
    count_.store(n + 1);
  }

  // Requires size() != 0.
  T pop() noexcept {
    const std::size_t h = head_.load();
    T* slot = std::launder(slots_ + h);
    T value(std::move(*slot));
    std::destroy_at(slot);
    head_.store(h + 1 == capacity_ ? 0 : h + 1);
    count_.store(count_.load() - 1);
    return value;
  }

 private:
  T* const slots_;
  const std::size_t capacity_;
  weft::var<std::size_t> head_{0};
  weft::var<std::size_t> count_{0};
};

}  // namespace weft::detail
