// weft/detail/select_cases.hpp — the case types select_engine.hpp runs.
//
// Every case answers the same questions, so the engine is one loop for all of them:
//
//   chan_core* core()          channel whose mutex guards the case (null: none / nil)
//   time_point deadline()      when the case becomes ready by itself (kNoDeadline: never)
//   bool ready(now)            could fire now?                      [its mutex held]
//   bool fire(wake, now)       fire now; false if it no longer can  [its mutex held]
//   void enqueue(w, index)     register as a waiter of w            [its mutex held]
//   void dequeue()             unregister (idempotent)              [its mutex held]
//   void claimed()             w was claimed for this case while parked
//   void finish()              run the handler                      [no lock held]
//
// Cases are built by weft::recv / weft::send / ... inside a select(...) call and live
// until that call returns; nodes point into them, so they are never moved while the
// engine runs. They refer to channels by raw pointer: the channel handle passed to the
// builder must outlive the select call (a temporary does: it lives to the end of the
// full expression).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/detail/chan_state.hpp"
#include "weft/detail/context_view.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/errors.hpp"

namespace weft::detail {

// Handler of a case built without one.
struct no_handler {
  template <class... A>
  void operator()(A&&...) const noexcept {}
};

template <class T, class F>
class recv_case {
 public:
  recv_case(chan_state<T>* ch, F fn) : ch_(ch), fn_(std::move(fn)) {}

  chan_core* core() const noexcept { return ch_; }
  time_point deadline() const noexcept { return kNoDeadline; }
  bool ready(time_point) { return ch_ != nullptr && ch_->recv_ready(); }
  bool fire(wake_list& wake, time_point) {
    return ch_->try_recv_locked(value_, wake) != attempt::blocked;
  }
  void enqueue(waiter& w, int index) {
    if (ch_ == nullptr) {
      return;
    }
    node_ = wait_node{&w, index, &value_};
    ch_->enqueue_recv(&node_);
  }
  void dequeue() {
    if (ch_ != nullptr) {
      ch_->dequeue_recv(&node_);
    }
  }
  void claimed() noexcept {}
  void finish() {
    if constexpr (std::is_same_v<F, no_handler>) {
      // internal use: the caller reads value() afterwards
    } else if constexpr (std::is_invocable_v<F&, std::optional<T>&&>) {
      fn_(std::move(value_));
    } else {
      fn_();
    }
  }

  // The received value; empty when the case fired because the channel is closed.
  std::optional<T>& value() noexcept { return value_; }

 private:
  chan_state<T>* ch_;
  F fn_;
  std::optional<T> value_;
  wait_node node_;
};

// Owned: the case holds the value (weft::send); otherwise it points at the caller's
// (channel::send(v, ctx)), which keeps it when the send does not happen.
template <class T, class F, bool Owned>
class send_case {
  using storage = std::conditional_t<Owned, T, T*>;

 public:
  send_case(chan_state<T>* ch, storage v, F fn) : ch_(ch), v_(std::move(v)), fn_(std::move(fn)) {}

  chan_core* core() const noexcept { return ch_; }
  time_point deadline() const noexcept { return kNoDeadline; }
  bool ready(time_point) { return ch_ != nullptr && ch_->send_ready(); }
  bool fire(wake_list& wake, time_point) {
    const attempt a = ch_->try_send_locked(value(), wake);
    closed_ = a == attempt::closed;
    return a != attempt::blocked;
  }
  void enqueue(waiter& w, int index) {
    if (ch_ == nullptr) {
      return;
    }
    node_ = wait_node{&w, index, &value()};
    ch_->enqueue_send(&node_);
  }
  void dequeue() {
    if (ch_ != nullptr) {
      ch_->dequeue_send(&node_);
    }
  }
  void claimed() noexcept { closed_ = node_.closed; }
  void finish() {
    // Go panics when a select chooses a send on a closed channel; the value stays here.
    if (closed_) {
      throw channel_closed("weft::select: send on a closed channel");
    }
    fn_();
  }

  T& value() noexcept {
    if constexpr (Owned) {
      return v_;
    } else {
      return *v_;
    }
  }

 private:
  chan_state<T>* ch_;
  storage v_;
  F fn_;
  bool closed_ = false;
  wait_node node_;
};

template <class F>
class timeout_case {
 public:
  timeout_case(time_point deadline, F fn) : deadline_(deadline), fn_(std::move(fn)) {}

  chan_core* core() const noexcept { return nullptr; }
  time_point deadline() const noexcept { return deadline_; }
  bool ready(time_point now) const noexcept { return now >= deadline_; }
  bool fire(wake_list&, time_point) noexcept { return true; }
  void enqueue(waiter&, int) noexcept {}
  void dequeue() noexcept {}
  void claimed() noexcept {}
  void finish() { fn_(); }

 private:
  time_point deadline_;
  F fn_;
};

// Fires when the context is done: its done channel closed, or its deadline passed (then
// finish() expires the context first, so the handler sees deadline_exceeded).
template <class F>
class done_case {
 public:
  done_case(const ctx_view& v, F fn) : v_(v), fn_(std::move(fn)) {}

  chan_core* core() const noexcept { return v_.done; }
  time_point deadline() const noexcept { return v_.deadline; }
  bool ready(time_point now) {
    return (v_.done != nullptr && v_.done->recv_ready()) || now >= v_.deadline;
  }
  bool fire(wake_list& wake, time_point) {
    if (v_.done != nullptr && v_.done->recv_ready()) {
      std::optional<std::monostate> none;  // nothing is ever sent on a done channel
      (void)v_.done->try_recv_locked(none, wake);
    } else {
      by_deadline_ = true;
    }
    return true;
  }
  void enqueue(waiter& w, int index) {
    if (v_.done == nullptr) {
      return;
    }
    node_ = wait_node{&w, index, &slot_};
    v_.done->enqueue_recv(&node_);
  }
  void dequeue() {
    if (v_.done != nullptr) {
      v_.done->dequeue_recv(&node_);
    }
  }
  void claimed() noexcept {}
  void finish() {
    if (by_deadline_) {
      expire(v_.node);
    }
    fn_();
  }

 private:
  ctx_view v_;
  F fn_;
  bool by_deadline_ = false;
  std::optional<std::monostate> slot_;
  wait_node node_;
};

// Fires only when no other case is ready (Go's `default:`).
template <class F>
class default_case {
 public:
  explicit default_case(F fn) : fn_(std::move(fn)) {}
  void finish() { fn_(); }

 private:
  F fn_;
};

template <class C>
inline constexpr bool is_default_case = false;
template <class F>
inline constexpr bool is_default_case<default_case<F>> = true;

}  // namespace weft::detail
