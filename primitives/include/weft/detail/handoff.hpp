// weft/detail/handoff.hpp — the rendezvous: moving a value straight between an
// operation and a blocked counterpart.
//
// When a receiver finds a blocked sender (or a sender a blocked receiver), the value
// does not pass through the buffer: the arriving side claims the blocked node (see
// wait_queue.hpp) and moves the value from or into the slot the blocked side published,
// under the channel's mutex. This is what makes capacity 0 a rendezvous — a send
// completes exactly when a receiver has taken its value — and what lets a buffered
// channel wake a blocked receiver without a second trip through the ring.
//
// Both helpers require that the caller holds the channel's mutex and has claimed `n`,
// and that the node was queued by an operation on a channel of the same T (each queue
// holds nodes of one channel only, so the cast is safe by construction).
#pragma once

#include <optional>
#include <utility>

#include "weft/detail/wait_queue.hpp"

namespace weft::detail {

// The value a blocked sender published; the caller moves from it exactly once.
template <class T>
T& sender_value(wait_node* n) noexcept {
  return *static_cast<T*>(n->slot);
}

// Hands `value` to a blocked receiver, moving from it. T's move constructor is
// noexcept (checked by chan_state), so a claimed receiver always gets its value.
template <class T>
void deliver(wait_node* n, T& value) noexcept {
  static_cast<std::optional<T>*>(n->slot)->emplace(std::move(value));
}

}  // namespace weft::detail
