// treiber_stack.hpp — a user-style lock-free component: Treiber's stack, a linked list
// whose head is swung with compare-and-swap on a weft::atomic.
//
// Nodes are never freed while the stack lives (every node is also on an allocation list
// that the destructor frees), so there is no ABA problem and no use-after-free to reason
// about; a production stack needs hazard pointers or epochs for that.
//
// `stack_bug::check_then_store` is a deliberately broken pop: it reads the head and
// then stores head->next with a plain store instead of a CAS, so two concurrent pops can
// return the same node (and a push in between is lost).
#pragma once

#include <atomic>
#include <optional>

#include "weft/sync.hpp"

namespace example {

enum class stack_bug { none, check_then_store };

template <stack_bug Bug = stack_bug::none>
class treiber_stack {
 public:
  treiber_stack() = default;
  treiber_stack(const treiber_stack&) = delete;
  treiber_stack& operator=(const treiber_stack&) = delete;

  ~treiber_stack() {
    for (node* n = all_.load(std::memory_order_acquire); n != nullptr;) {
      node* next = n->all_next;
      delete n;
      n = next;
    }
  }

  void push(int v) {
    node* n = allocate(v);
    node* old = head_.load(std::memory_order_relaxed);
    do {
      n->next.store(old);  // published by the release CAS below
    } while (
        !head_.compare_exchange_weak(old, n, std::memory_order_release, std::memory_order_relaxed));
  }

  std::optional<int> pop() {
    node* old = head_.load(std::memory_order_acquire);
    if constexpr (Bug == stack_bug::check_then_store) {
      if (old == nullptr) return std::nullopt;
      head_.store(old->next.load(), std::memory_order_release);  // BUG: not a CAS
    } else {
      // On failure the CAS reloads `old` (acquire), so old->next is read after the push
      // that published it.
      while (old != nullptr &&
             !head_.compare_exchange_weak(old, old->next.load(), std::memory_order_acquire,
                                          std::memory_order_acquire)) {
      }
      if (old == nullptr) return std::nullopt;
    }
    return old->value;
  }

 private:
  struct node {
    explicit node(int v) : value(v) {}
    const int value;
    weft::var<node*> next;     // written before the node is published, read after
    node* all_next = nullptr;  // the allocation list
  };

  node* allocate(int v) {
    node* n = new node(v);
    node* old = all_.load(std::memory_order_relaxed);
    do {
      n->all_next = old;
    } while (
        !all_.compare_exchange_weak(old, n, std::memory_order_release, std::memory_order_relaxed));
    return n;
  }

  weft::atomic<node*> head_{nullptr};
  weft::atomic<node*> all_{nullptr};  // every node ever pushed; freed by the destructor
};

}  // namespace example
