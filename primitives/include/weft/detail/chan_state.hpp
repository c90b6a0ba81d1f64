// weft/detail/chan_state.hpp — the shared state of one channel (Go's hchan).
//
// One mutex guards everything below it; operations are short critical sections:
//
//   receive: buffered value?  take it; if a sender is blocked (buffer was full), move
//                             its value into the freed slot and wake it
//            blocked sender?  take its value directly (rendezvous, capacity 0)
//            closed?          report closed (buffer and senders are drained)
//            else             block (queue a node on recvq, park)
//   send:    closed?          report closed (caller throws weft::channel_closed)
//            blocked receiver? hand it the value directly
//            room in buffer?   append
//            else             block (queue a node on sendq, park)
//   close:   mark closed; claim every blocked receiver (they get "closed") and every
//            blocked sender (they throw); buffered values stay to be drained.
//
// Invariants (with the channel's mutex held):
//   * at most one of recvq and sendq holds live nodes, except transiently for capacity
//     0 when one select waits on both sides of the same channel — it cannot match itself
//     because its nodes are queued only after it found nothing ready;
//   * recvq has live nodes only while the buffer is empty; sendq only while it is full;
//   * once closed, both queues hold no live nodes and nothing is added to sendq.
// Lock order: channels are locked one at a time, except by select, which locks all of
// its channels in one global order (lock_before: creation rank, then address). A
// parker's mutex is a leaf, only ever taken after the channel mutexes are released:
// wake-ups happen after unlocking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/detail/handoff.hpp"
#include "weft/detail/parker.hpp"
#include "weft/detail/ring.hpp"
#include "weft/detail/wait_queue.hpp"
#include "weft/errors.hpp"
#include "weft/sync.hpp"

namespace weft::detail {

// Outcome of a non-blocking attempt made under the channel's mutex.
enum class attempt { done, closed, blocked };

// Creation rank of a channel: select locks its channels in (rank, address) order.
// Go orders by address alone; a rank makes the order — and so the sequence of lock
// operations a model execution records — independent of where the allocator put the
// channels, so a replayed schedule meets the same lock order. Model executions run all
// logical threads on one OS thread, so this thread-local counter numbers channels in
// creation order; across OS threads ranks may repeat, and the address breaks the tie
// (any fixed total order prevents deadlock).
inline std::uint64_t next_chan_rank() noexcept {
  thread_local std::uint64_t counter = 0;
  return ++counter;
}

// The element-type-independent part: what select needs to lock and to order.
class chan_core {
 public:
  explicit chan_core(std::size_t capacity) noexcept
      : capacity_(capacity), rank_(next_chan_rank()) {}
  chan_core(const chan_core&) = delete;
  chan_core& operator=(const chan_core&) = delete;

  void lock() { lock_spinning(mu_); }
  void unlock() { mu_.unlock(); }
  std::size_t capacity() const noexcept { return capacity_; }

  // The global lock order of select (see next_chan_rank).
  friend bool lock_before(const chan_core* a, const chan_core* b) noexcept {
    if (a->rank_ != b->rank_) {
      return a->rank_ < b->rank_;
    }
    return std::less<>{}(a, b);
  }

 protected:
  weft::mutex mu_;
  wait_queue recvq_;
  wait_queue sendq_;
  weft::var<bool> closed_{false};
  const std::size_t capacity_;
  const std::uint64_t rank_;
};

template <class T>
class chan_state final : public chan_core {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "weft::channel<T> requires a noexcept move constructor: values are moved "
                "under the channel's lock, where a throw could lose them");
  static_assert(std::is_nothrow_destructible_v<T>);

 public:
  explicit chan_state(std::size_t capacity) : chan_core(capacity), buf_(capacity) {}

  // ---- under the mutex (used by the operations below and by select) ----

  bool recv_ready() { return buf_.size() != 0 || sendq_.has_live() || closed_.load(); }
  bool send_ready() { return closed_.load() || recvq_.has_live() || !buf_.full(); }

  attempt try_recv_locked(std::optional<T>& out, wake_list& wake) {
    if (buf_.try_pop(out)) {
      if (wait_node* s = sendq_.pop_claimed()) {
        // The buffer was full and a sender waits: its value takes the freed slot, which
        // keeps FIFO order (it arrived after everything in the buffer).
        buf_.push(std::move(sender_value<T>(s)));
        wake.add(s);
      }
      return attempt::done;
    }
    if (wait_node* s = sendq_.pop_claimed()) {
      out.emplace(std::move(sender_value<T>(s)));
      wake.add(s);
      return attempt::done;
    }
    return closed_.load() ? attempt::closed : attempt::blocked;
  }

  // Moves from `value` only when it returns attempt::done.
  attempt try_send_locked(T& value, wake_list& wake) {
    if (closed_.load()) {
      return attempt::closed;
    }
    if (wait_node* r = recvq_.pop_claimed()) {
      deliver<T>(r, value);
      wake.add(r);
      return attempt::done;
    }
    return buf_.try_push(value) ? attempt::done : attempt::blocked;
  }

  void enqueue_recv(wait_node* n) { recvq_.push_back(n); }
  void enqueue_send(wait_node* n) { sendq_.push_back(n); }
  void dequeue_recv(wait_node* n) { recvq_.unlink(n); }
  void dequeue_send(wait_node* n) { sendq_.unlink(n); }

  // ---- whole operations (take the mutex themselves) ----

  // Receives into `out`. deadline == nullptr blocks without a timeout. Returns done
  // (out holds the value), closed, or blocked (the deadline passed first).
  attempt recv(std::optional<T>& out, const weft::clock::time_point* deadline) {
    wake_list wake;
    lock();
    const attempt a = try_recv_locked(out, wake);
    if (a != attempt::blocked || expired(deadline)) {
      unlock();
      wake.wake_all();
      return a;
    }
    waiter w;
    wait_node n{&w, 0, &out};
    recvq_.push_back(&n);
    unlock();
    if (!wait_claimed(w, n, recvq_, deadline)) {
      return attempt::blocked;
    }
    return out.has_value() ? attempt::done : attempt::closed;
  }

  // Sends from `value`, moving from it only when it returns done. Returns done, closed
  // (not accepted, including when the channel was closed while this sender was
  // blocked), or blocked (the deadline passed first).
  attempt send(T& value, const weft::clock::time_point* deadline) {
    wake_list wake;
    lock();
    const attempt a = try_send_locked(value, wake);
    if (a != attempt::blocked || expired(deadline)) {
      unlock();
      wake.wake_all();
      return a;
    }
    waiter w;
    wait_node n{&w, 0, &value};
    sendq_.push_back(&n);
    unlock();
    if (!wait_claimed(w, n, sendq_, deadline)) {
      return attempt::blocked;
    }
    return n.closed ? attempt::closed : attempt::done;
  }

  // Closes the channel; false if it was already closed.
  bool close() {
    wake_list wake;
    lock();
    if (closed_.load()) {
      unlock();
      return false;
    }
    closed_.store(true);
    while (wait_node* r = recvq_.pop_claimed()) {
      r->closed = true;
      wake.add(r);
    }
    while (wait_node* s = sendq_.pop_claimed()) {
      s->closed = true;
      wake.add(s);
    }
    unlock();
    wake.wake_all();
    return true;
  }

  std::size_t size() {
    std::lock_guard<chan_core> g(*this);
    return buf_.size();
  }
  bool closed() {
    std::lock_guard<chan_core> g(*this);
    return closed_.load();
  }
  // Operations blocked on this channel right now (diagnostics and tests).
  std::size_t blocked_receivers() {
    std::lock_guard<chan_core> g(*this);
    return recvq_.count_live();
  }
  std::size_t blocked_senders() {
    std::lock_guard<chan_core> g(*this);
    return sendq_.count_live();
  }

 private:
  static bool expired(const weft::clock::time_point* deadline) {
    return deadline != nullptr && weft::clock::now() >= *deadline;
  }

  // Parks until the node is claimed (true) or the deadline passes and the owner manages
  // to abort (false; the node is unlinked again).
  bool wait_claimed(waiter& w, wait_node& n, wait_queue& q,
                    const weft::clock::time_point* deadline) {
    {
      // The wait itself may be abandoned (a stress round unwinding): leave no dangling
      // node in a channel that may outlive this frame, and no unpark on its way to it.
      on_unwind withdraw([&] { abandon(w, n, q); });
      if (w.park.park(deadline)) {
        return true;
      }
    }
    if (w.try_abort()) {
      std::lock_guard<chan_core> g(*this);
      q.unlink(&n);
      return false;
    }
    w.park.park(nullptr);  // claimed just before the abort: its unpark is on the way
    return true;
  }

  void abandon(waiter& w, wait_node& n, wait_queue& q) {
    if (w.try_abort()) {
      std::lock_guard<chan_core> g(*this);
      q.unlink(&n);
    } else {
      w.park.park(nullptr);  // claimed: its unpark is on the way
    }
  }

  ring<T> buf_;
};

// Parks the calling thread until the deadline (forever without one): what a blocking
// operation on a nil channel does, as in Go. In model mode a forever-block shows up as
// a deadlock with this thread among the blocked ones.
inline void block_until(const weft::clock::time_point* deadline) {
  waiter w;
  (void)w.park.park(deadline);  // nobody unparks it
}

}  // namespace weft::detail
