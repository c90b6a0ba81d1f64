// weft/channel.hpp — Go channels: weft::channel<T> and its receive-only view
// weft::receiver<T>.
//
// A channel carries values of T from senders to receivers, in FIFO order:
//
//   weft::channel<int> jobs(16);        // buffered: up to 16 values wait in the channel
//   weft::channel<int> done;            // capacity 0: every send is a rendezvous
//   weft::thread worker([jobs, done] {  // handles are cheap to copy, like Go's chan
//     for (int j : jobs) process(j);    // ends when jobs is closed and drained
//     done.send(0);
//   });
//   for (int j = 0; j < 100; ++j) jobs.send(j);
//   jobs.close();
//   done.recv();
//   worker.join();
//
// Semantics are Go's (go.dev/ref/spec#Channel_types, #Send_statements, #Close):
//   * capacity 0: send() returns only once a receiver has taken the value;
//     capacity N: send() blocks only while N values are buffered;
//   * recv() returns the next value, or std::nullopt once the channel is closed and
//     every buffered value has been received;
//   * close() wakes every blocked receiver (they get "closed") and every blocked sender
//     (they throw weft::channel_closed); buffered values stay to be received;
//   * send on a closed channel, close of a closed channel, and a sender blocked when
//     the channel is closed throw weft::channel_closed (Go panics); the value is then
//     not in the channel;
//   * a nil channel (channel<T>(nullptr), or a moved-from handle) blocks every send and
//     receive forever (timed forms time out; try forms report would_block), its select
//     cases never fire, and close() throws weft::nil_channel.
//
// Ownership: channel<T> is a shared handle (a shared_ptr to the channel), like Go's
// chan: copies refer to the same channel, == compares identity, and the channel lives
// as long as any handle (or a select in progress on it). receiver<T> is the same handle
// without send/close (Go's <-chan T); a channel<T> converts to it implicitly.
//
// Thread-safety: every member may be called concurrently from any number of threads on
// copies of the same handle or on the same handle object (all members are const).
// Operations are linearizable; values are never lost or duplicated: a value whose send
// returned normally (or with channel_status::ok) is received exactly once or is still
// buffered; a value whose send failed (timeout, cancelled, closed, would_block) was not
// moved from.
//
// Blocking: blocked operations sleep on weft::condition_variables (after a short spin on
// real threads) and are woken exactly when they complete — by the thread that completed
// them. Written against <weft/sync.hpp> only, so model mode explores its interleavings
// and runs its timeouts on virtual time.
//
// Requirements on T: move-constructible with a noexcept move constructor (values are
// moved under the channel's lock); copyable T may be sent from const T&.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <utility>

#include "weft/detail/chan_state.hpp"
#include "weft/detail/context_view.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/detail/select_engine.hpp"
#include "weft/errors.hpp"

namespace weft {

class context;

// Result of the non-throwing, timed and context-aware operations.
enum class channel_status : std::uint8_t {
  ok,           // the value was sent / received
  closed,       // receive: the channel is closed and drained; try_send: it is closed
  would_block,  // try_ forms: the operation would have had to wait
  timeout,      // _for / _until forms: the deadline passed first
  cancelled,    // context forms: the context was done first (see ctx.err() for why)
};

constexpr const char* to_string(channel_status s) noexcept {
  switch (s) {
    case channel_status::ok:
      return "ok";
    case channel_status::closed:
      return "closed";
    case channel_status::would_block:
      return "would_block";
    case channel_status::timeout:
      return "timeout";
    case channel_status::cancelled:
      return "cancelled";
  }
  return "?";
}

// A receive that may not produce a value: `value` is engaged iff status == ok.
//   if (auto r = ch.recv_for(1s)) use(*r); else if (r.status == channel_status::closed) ...
template <class T>
struct recv_result {
  channel_status status = channel_status::would_block;
  std::optional<T> value;

  explicit operator bool() const noexcept { return status == channel_status::ok; }
  T& operator*() & noexcept { return *value; }
  const T& operator*() const& noexcept { return *value; }
  T&& operator*() && noexcept { return std::move(*value); }
  T* operator->() noexcept { return &*value; }
  const T* operator->() const noexcept { return &*value; }
};

template <class T>
class receiver;

namespace detail {
// Lets select's case builders and context reach the shared state behind a handle.
struct chan_access {
  template <class T>
  static chan_state<T>* state(const receiver<T>& h) noexcept {
    return h.st_.get();
  }
  template <class T>
  static receiver<T> make_receiver(std::shared_ptr<chan_state<T>> st) noexcept {
    return receiver<T>(std::move(st));
  }
};
}  // namespace detail

// The receive side of a channel (Go's <-chan T).
template <class T>
class receiver {
 public:
  using value_type = T;

  // A nil handle.
  receiver() noexcept = default;
  receiver(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)

  // Blocks until a value arrives (returned) or the channel is closed and drained
  // (std::nullopt).
  std::optional<T> recv() const {
    std::optional<T> out;
    if (st_ == nullptr) {
      detail::block_until(nullptr);
    } else {
      (void)st_->recv(out, nullptr);
    }
    return out;
  }

  // Never blocks: ok with a value, closed (closed and drained), or would_block.
  [[nodiscard]] recv_result<T> try_recv() const { return recv_at(nullptr, true); }

  // Blocks at most until the deadline: ok, closed, or timeout. A deadline in the past
  // still receives a value that is ready.
  template <class Rep, class Period>
  [[nodiscard]] recv_result<T> recv_for(const std::chrono::duration<Rep, Period>& d) const {
    const auto deadline = detail::deadline_after(d);
    return recv_at(&deadline, false);
  }
  template <class Clock, class Duration>
  [[nodiscard]] recv_result<T> recv_until(
      const std::chrono::time_point<Clock, Duration>& tp) const {
    const auto deadline = detail::to_deadline(tp);
    return recv_at(&deadline, false);
  }

  // Blocks until a value arrives (ok), the channel is closed and drained (closed), or
  // ctx is done (cancelled; ctx.err() says why). A context that is already done
  // returns cancelled without receiving, even if a value is ready.
  [[nodiscard]] recv_result<T> recv(const context& ctx) const;

  // Range-for support: `for (T& v : ch)` receives until the channel is closed and
  // drained. begin() receives the first value.
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;

    iterator() = default;
    T& operator*() const noexcept { return *cur_; }
    T* operator->() const noexcept { return &*cur_; }
    iterator& operator++() {
      cur_ = ch_->recv();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return !it.cur_.has_value();
    }

   private:
    friend class receiver;
    explicit iterator(const receiver* ch) : ch_(ch), cur_(ch->recv()) {}
    const receiver* ch_ = nullptr;
    mutable std::optional<T> cur_;  // mutable: *it yields T& so move-only values can be moved out
  };
  iterator begin() const { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

  // Values buffered right now (a snapshot; 0 for capacity 0 and for nil).
  std::size_t size() const { return st_ != nullptr ? st_->size() : 0; }
  // The capacity it was made with (0 for nil).
  std::size_t capacity() const noexcept { return st_ != nullptr ? st_->capacity() : 0; }
  // Whether close() has been called (a closed channel may still hold values).
  bool closed() const { return st_ != nullptr && st_->closed(); }
  bool is_nil() const noexcept { return st_ == nullptr; }

  friend bool operator==(const receiver& a, const receiver& b) noexcept { return a.st_ == b.st_; }

 protected:
  explicit receiver(std::shared_ptr<detail::chan_state<T>> st) noexcept : st_(std::move(st)) {}

  std::shared_ptr<detail::chan_state<T>> st_;

 private:
  friend struct detail::chan_access;

  recv_result<T> recv_at(const detail::time_point* deadline, bool try_only) const {
    recv_result<T> r;
    if (st_ == nullptr) {
      if (!try_only) {
        detail::block_until(deadline);
      }
      r.status = try_only ? channel_status::would_block : channel_status::timeout;
      return r;
    }
    const detail::time_point now_deadline = detail::time_point::min();
    switch (st_->recv(r.value, try_only ? &now_deadline : deadline)) {
      case detail::attempt::done:
        r.status = channel_status::ok;
        break;
      case detail::attempt::closed:
        r.status = channel_status::closed;
        break;
      case detail::attempt::blocked:
        r.status = try_only ? channel_status::would_block : channel_status::timeout;
        break;
    }
    return r;
  }
};

// A channel: receive side (inherited) plus send and close.
template <class T>
class channel : public receiver<T> {
 public:
  // A new unbuffered (rendezvous) channel, like Go's make(chan T).
  channel() : channel(std::size_t{0}) {}
  // A new channel buffering up to `capacity` values (0: rendezvous). The buffer is
  // allocated here, once; operations never allocate.
  explicit channel(std::size_t capacity)
      : receiver<T>(std::make_shared<detail::chan_state<T>>(capacity)) {}
  // A nil channel (see the header comment).
  channel(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)

  // Blocks until the value is accepted: buffered, or (capacity 0) taken by a receiver.
  // Throws weft::channel_closed if the channel is or gets closed first.
  void send(T&& value) const { send_blocking(value); }
  void send(const T& value) const {
    T copy(value);
    send_blocking(copy);
  }

  // Never blocks: ok (accepted), would_block, or closed (does not throw). `value` is
  // moved from only on ok.
  [[nodiscard]] channel_status try_send(T&& value) const { return send_at(value, nullptr, true); }
  [[nodiscard]] channel_status try_send(const T& value) const {
    T copy(value);
    return send_at(copy, nullptr, true);
  }

  // Blocks at most until the deadline: ok or timeout (value not moved from). Throws
  // weft::channel_closed like send().
  template <class Rep, class Period>
  [[nodiscard]] channel_status send_for(T&& value,
                                        const std::chrono::duration<Rep, Period>& d) const {
    const auto deadline = detail::deadline_after(d);
    return send_at(value, &deadline, false);
  }
  template <class Rep, class Period>
  [[nodiscard]] channel_status send_for(const T& value,
                                        const std::chrono::duration<Rep, Period>& d) const {
    T copy(value);
    return send_for(std::move(copy), d);
  }
  template <class Clock, class Duration>
  [[nodiscard]] channel_status send_until(
      T&& value, const std::chrono::time_point<Clock, Duration>& tp) const {
    const auto deadline = detail::to_deadline(tp);
    return send_at(value, &deadline, false);
  }
  template <class Clock, class Duration>
  [[nodiscard]] channel_status send_until(
      const T& value, const std::chrono::time_point<Clock, Duration>& tp) const {
    T copy(value);
    return send_until(std::move(copy), tp);
  }

  // Blocks until accepted (ok) or ctx is done (cancelled; value not moved from). A
  // context that is already done returns cancelled without sending. Throws
  // weft::channel_closed like send().
  [[nodiscard]] channel_status send(T&& value, const context& ctx) const;
  [[nodiscard]] channel_status send(const T& value, const context& ctx) const {
    T copy(value);
    return send(std::move(copy), ctx);
  }

  // Closes the channel. Throws weft::channel_closed if it is already closed and
  // weft::nil_channel on a nil handle.
  void close() const {
    if (this->st_ == nullptr) {
      throw nil_channel();
    }
    if (!this->st_->close()) {
      throw channel_closed("weft::channel: close of a closed channel");
    }
  }

 private:
  void send_blocking(T& value) const {
    if (this->st_ == nullptr) {
      detail::block_until(nullptr);
    }
    if (this->st_->send(value, nullptr) == detail::attempt::closed) {
      throw_closed();
    }
  }

  channel_status send_at(T& value, const detail::time_point* deadline, bool try_only) const {
    if (this->st_ == nullptr) {
      if (!try_only) {
        detail::block_until(deadline);
      }
      return try_only ? channel_status::would_block : channel_status::timeout;
    }
    const detail::time_point now_deadline = detail::time_point::min();
    switch (this->st_->send(value, try_only ? &now_deadline : deadline)) {
      case detail::attempt::done:
        return channel_status::ok;
      case detail::attempt::closed:
        if (try_only) {
          return channel_status::closed;
        }
        throw_closed();
      case detail::attempt::blocked:
        break;
    }
    return try_only ? channel_status::would_block : channel_status::timeout;
  }

  [[noreturn]] static void throw_closed() {
    throw channel_closed("weft::channel: send on a closed channel");
  }
};

// ---- context-aware forms: a two-case select (the operation, the context's done) ----

template <class T>
recv_result<T> receiver<T>::recv(const context& ctx) const {
  recv_result<T> r;
  if (detail::is_done(ctx)) {
    r.status = channel_status::cancelled;
    return r;
  }
  detail::recv_case<T, detail::no_handler> op(st_.get(), {});
  detail::done_case<detail::no_handler> done(detail::view(ctx), {});
  if (detail::run_select(op, done) == 1) {
    r.status = channel_status::cancelled;
  } else if (op.value().has_value()) {
    r.status = channel_status::ok;
    r.value = std::move(op.value());
  } else {
    r.status = channel_status::closed;
  }
  return r;
}

template <class T>
channel_status channel<T>::send(T&& value, const context& ctx) const {
  if (detail::is_done(ctx)) {
    return channel_status::cancelled;
  }
  detail::send_case<T, detail::no_handler, false> op(this->st_.get(), &value, {});
  detail::done_case<detail::no_handler> done(detail::view(ctx), {});
  if (detail::run_select(op, done) == 1) {
    return channel_status::cancelled;
  }
  return channel_status::ok;  // a send on a closed channel threw from run_select
}

}  // namespace weft
