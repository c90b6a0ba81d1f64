// weft/detail/wait_queue.hpp — blocked operations as queue entries (Go's sudog).
//
// A blocked operation is one `waiter` (its parker plus the "who won" word) and one
// `wait_node` per channel it waits on: a plain receive or send has one node, a select
// has one per channel case. Nodes sit in a channel's send or receive queue, guarded by
// that channel's mutex, and live in the blocked operation's stack frame.
//
// Completing a blocked operation is a two-step protocol, the same for every flavour:
//   1. claim: under the channel's mutex, CAS waiter::selected from kWaiting to the
//      node's case index. Exactly one claim can succeed per waiter, which is how a
//      select blocked on several channels fires once ("first completer wins"); a
//      waiter that timed out or was cancelled first CASes to kAborted, after which no
//      claim succeeds.
//   2. transfer + wake: still under the channel's mutex, move the value into or out of
//      the node; after unlocking, unpark the waiter. The owner reads the node only
//      after it was unparked, so the transfer happens-before the read.
// A claimed or aborted node may stay linked until its owner (or any thread holding the
// channel's mutex) unlinks it; unlink() is idempotent, and every scan skips such nodes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "weft/detail/parker.hpp"
#include "weft/sync.hpp"

namespace weft::detail {

struct waiter {
  static constexpr int kWaiting = -1;
  static constexpr int kAborted = -2;

  // kWaiting, kAborted, or the index of the case that fired.
  weft::atomic<int> selected{kWaiting};
  parker park;

  bool try_claim(int case_index) {
    int expected = kWaiting;
    return selected.compare_exchange_strong(expected, case_index, std::memory_order_acq_rel,
                                            std::memory_order_acquire);
  }
  // The owner gives up (timeout, cancellation). False: someone claimed it first, and
  // the owner must park() again to wait for the unpark that is on its way.
  bool try_abort() {
    int expected = kWaiting;
    return selected.compare_exchange_strong(expected, kAborted, std::memory_order_acq_rel,
                                            std::memory_order_acquire);
  }
  bool live() const { return selected.load(std::memory_order_acquire) == kWaiting; }
};

struct wait_node {
  waiter* owner = nullptr;
  int case_index = 0;
  // Receive node: std::optional<T>* to fill. Send node: T* to move the value from.
  void* slot = nullptr;
  // Set by close() when it claims the node: a receiver gets "closed", a sender throws.
  bool closed = false;

  // Links, guarded by the mutex of the channel whose queue holds the node.
  wait_node* prev = nullptr;
  wait_node* next = nullptr;
  bool queued = false;
};

// FIFO of wait_nodes; every member requires the owning channel's mutex.
class wait_queue {
 public:
  bool empty() const noexcept { return head_ == nullptr; }

  void push_back(wait_node* n) noexcept {
    n->prev = tail_;
    n->next = nullptr;
    n->queued = true;
    if (tail_ != nullptr) {
      tail_->next = n;
    } else {
      head_ = n;
    }
    tail_ = n;
  }

  void unlink(wait_node* n) noexcept {
    if (!n->queued) {
      return;
    }
    (n->prev != nullptr ? n->prev->next : head_) = n->next;
    (n->next != nullptr ? n->next->prev : tail_) = n->prev;
    n->prev = n->next = nullptr;
    n->queued = false;
  }

  // Whether a node that can still be claimed is queued. Drops dead nodes from the
  // front on the way, so the common case is one load.
  bool has_live() noexcept {
    for (wait_node* n = head_; n != nullptr;) {
      wait_node* next = n->next;
      if (n->owner->live()) {
        return true;
      }
      unlink(n);
      n = next;
    }
    return false;
  }

  // Number of claimable nodes (diagnostics and tests; O(n)).
  std::size_t count_live() const {
    std::size_t n = 0;
    for (const wait_node* p = head_; p != nullptr; p = p->next) {
      n += p->owner->live() ? 1 : 0;
    }
    return n;
  }

  // Unlinks and claims the first claimable node; nullptr if there is none.
  wait_node* pop_claimed() {
    while (head_ != nullptr) {
      wait_node* n = head_;
      unlink(n);
      if (n->owner->try_claim(n->case_index)) {
        return n;
      }
    }
    return nullptr;
  }

 private:
  wait_node* head_ = nullptr;
  wait_node* tail_ = nullptr;
};

// Waiters claimed under a channel's mutex, to be unparked after it is released (waking
// a thread that would at once block on the mutex we hold is wasted work). Threads the
// list through the claimed nodes' `next` links, which their queue no longer uses.
class wake_list {
 public:
  void add(wait_node* n) noexcept {
    n->next = head_;
    head_ = n;
  }
  // Unparks everything; each node may be destroyed by its owner once unparked, so the
  // link is read first.
  void wake_all() {
    while (head_ != nullptr) {
      wait_node* n = head_;
      head_ = n->next;
      n->owner->park.unpark();
    }
  }

 private:
  wait_node* head_ = nullptr;
};

}  // namespace weft::detail
