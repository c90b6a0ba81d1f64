// weft/detail/grant_queue.hpp — operations blocked on something a primitive hands out
// (semaphore permits, pooled resources, room in a worker pool's queue), served in FIFO
// order, and the select case that lets them also wait for a context or a deadline.
//
// The parking and claiming protocol is the channels' (wait_queue.hpp): a blocked
// operation is one `waiter` and one `wait_node`, living in its stack frame; whoever
// completes it claims the waiter (CAS on waiter::selected), fills in the request the
// node points to, and unparks it after releasing its locks. What differs is the queue
// discipline: a channel serves any live node, while a grant queue must look at the
// request at its head before deciding to claim it — a semaphore request for 5 permits at
// the head blocks a later request for 1 (Go's x/sync/semaphore), and claiming is final.
// grant_queue therefore wraps a wait_queue and tracks its head through the nodes' own
// links (wait_node's links are public; every unlink goes through this class).
//
// The owning primitive ("Owner") guards its grant_queue and its state with one
// weft::mutex and provides, all called with that mutex held:
//
//   bool grant_ready(Request& r)       could r be served right now, bypassing nobody?
//                                      (true also when r will fail at once: closed)
//   bool try_grant(Request& r)         serve r now if grant_ready(r); false otherwise
//   void dispatch(wake_list& wake)     serve the queue from its head while it can; each
//                                      node served is claimed (grant_queue::claim) and
//                                      added to `wake`
//   grant_queue& waiters()
//   weft::mutex& grant_mutex()
//
// wait_granted() blocks on it: the Owner's request as one case of the select engine
// (select_engine.hpp), beside a done case for a context or a timeout case for a
// deadline, so a context's cancellation or deadline wakes it through the same claim
// protocol as a channel operation. Lock order: the context's done channel, then the
// Owner's mutex (the engine calls the case with the channel locks held), then a parker's
// mutex (a leaf). An Owner never calls into a context while holding its mutex.
//
// Why nothing is lost: (1) a grant and a cancellation race for the same waiter through
// the CAS, and a grant whose claim fails (the waiter was cancelled, timed out or
// abandoned) serves the next node instead; (2) a waiter that leaves the queue without a
// grant (timeout, cancellation) runs dispatch() on its way out, because the head it was
// may have been what blocked the smaller requests behind it (Go CL 223418).
#pragma once

#include <cstddef>
#include <mutex>

#include "weft/detail/context_view.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/detail/select_cases.hpp"
#include "weft/detail/select_engine.hpp"
#include "weft/detail/wait_queue.hpp"

namespace weft::detail {

// FIFO of blocked grant requests; every member requires the owner's mutex.
class grant_queue {
 public:
  void push_back(wait_node* n) noexcept {
    q_.push_back(n);
    if (head_ == nullptr) {
      head_ = n;
    }
  }

  // Idempotent, like wait_queue::unlink.
  void unlink(wait_node* n) noexcept {
    if (!n->queued) {
      return;
    }
    if (n == head_) {
      head_ = n->next;
    }
    q_.unlink(n);
  }

  // The first node that can still be claimed (nullptr: none). Drops dead nodes — their
  // owners timed out or were cancelled and will unlink them anyway — from the front.
  wait_node* front() noexcept {
    if (head_ == nullptr) [[likely]] {
      return nullptr;  // the uncontended path: inlined, one test
    }
    return first_live();
  }

  bool has_live() noexcept { return front() != nullptr; }

  // Unlinks `n` and claims its waiter for the node's case. False when the waiter was
  // claimed or aborted through another case first: then `n` must not be served (its
  // owner is leaving) and the caller moves on to the next node.
  bool claim(wait_node* n) {
    unlink(n);
    return n->owner->try_claim(n->case_index);
  }

  // Claimable nodes (diagnostics and stats; O(n)).
  std::size_t count_live() const { return q_.count_live(); }

 private:
  [[gnu::noinline]] wait_node* first_live() noexcept {
    while (head_ != nullptr && !head_->owner->live()) {
      unlink(head_);
    }
    return head_;
  }

  wait_queue q_;
  wait_node* head_ = nullptr;  // first linked node (live or not); null iff q_ is empty
};

// The select case of a grant request (see the case interface in select_cases.hpp). It
// has no channel of its own: it takes the Owner's mutex itself inside each step.
template <class Owner, class Request>
class grant_case {
 public:
  // A grant waits for a holder to give back what it took (parker.hpp).
  static constexpr spin_policy spin = spin_policy::pause_only;

  grant_case(Owner& owner, Request& request) noexcept : owner_(owner), request_(request) {}
  grant_case(const grant_case&) = delete;
  grant_case& operator=(const grant_case&) = delete;

  chan_core* core() const noexcept { return nullptr; }
  time_point deadline() const noexcept { return kNoDeadline; }

  bool ready(time_point) {
    std::lock_guard<weft::mutex> g(owner_.grant_mutex());
    return owner_.grant_ready(request_);
  }

  bool fire(wake_list&, time_point) {
    std::lock_guard<weft::mutex> g(owner_.grant_mutex());
    return owner_.try_grant(request_);
  }

  // Queues the request, then serves the queue: the state may have changed since ready()
  // said no (the Owner's mutex was not held in between), and nobody else would notice.
  void enqueue(waiter& w, int index) {
    node_ = wait_node{&w, index, &request_};
    wake_list wake;
    {
      std::lock_guard<weft::mutex> g(owner_.grant_mutex());
      owner_.waiters().push_back(&node_);
      owner_.dispatch(wake);
    }
    wake.wake_all();
  }

  void dequeue() {
    if (node_.owner == nullptr) {
      return;  // never queued
    }
    if (node_.owner->selected.load(std::memory_order_acquire) == node_.case_index) {
      return;  // granted: claim() unlinked the node before claiming it
    }
    wake_list wake;
    {
      std::lock_guard<weft::mutex> g(owner_.grant_mutex());
      owner_.waiters().unlink(&node_);
      owner_.dispatch(wake);  // it may have been the head that blocked the others
    }
    wake.wake_all();
  }

  void claimed() noexcept {}
  void finish() noexcept {}

 private:
  Owner& owner_;
  Request& request_;
  wait_node node_;
};

// Blocks until `request` is granted (true) or — with a context — the context is done
// (false; ctx.err() says why) or — with a deadline — the deadline passes (false). At
// most one of ctx / deadline may be given. Call it after a failed fast path, without
// holding the Owner's mutex. A context that is already done may still see the request
// granted if it can be served at once; callers that must fail check is_done() first.
template <class Owner, class Request>
bool wait_granted(Owner& owner, Request& request, const weft::context* ctx,
                  const time_point* deadline) {
  grant_case<Owner, Request> grant(owner, request);
  if (ctx != nullptr) {
    done_case<no_handler> done(view(*ctx), {});
    return run_select(grant, done) == 0;
  }
  if (deadline != nullptr) {
    timeout_case<no_handler> timeout(*deadline, {});
    return run_select(grant, timeout) == 0;
  }
  (void)run_select(grant);
  return true;
}

}  // namespace weft::detail
