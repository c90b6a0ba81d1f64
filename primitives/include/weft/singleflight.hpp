// weft/singleflight.hpp — weft::singleflight<K, V>: duplicate-call suppression. While a
// call for a key is in flight, further calls for that key wait for it and share its
// result instead of running their own (Go's golang.org/x/sync/singleflight).
//
//   weft::singleflight<std::string, profile> group;
//   auto [p, shared] = group.run(user_id, [&] { return db.load_profile(user_id); });
//   // one database query per user id at a time, however many requests ask for it
//
// Rules:
//   * run(key, fn): if no flight for `key` is in progress, the caller becomes its leader
//     and runs fn() on its own thread; otherwise it waits for the flight in progress.
//     Every caller of one flight gets a copy of fn's value — `shared` says whether more
//     than one caller got it — or the exception fn threw, rethrown to each of them;
//   * results are not cached: once a flight has completed, the next call for its key
//     starts a new flight and runs its fn again;
//   * a waiter may give up without affecting the flight: run(key, ctx, fn) and
//     run_for(key, d, fn) return std::nullopt when ctx is done (or the time is up) first.
//     The leader always runs fn to the end; ctx only bounds the waiting;
//   * run_async(key, fn) returns a weft::flight<V>, a shared future of the flight's
//     outcome; a new flight's fn runs on a weft::thread owned by the group (joined by a
//     later run_async or by the destructor), like Go's DoChan;
//   * forget(key) detaches the flight in progress from its key: later calls start a new
//     flight while the old one's callers still get the old result. A flight completing
//     after it was forgotten never touches the newer flight (golang/go#31420's bug);
//   * a call for a key whose flight the calling thread itself leads — fn calling run()
//     on its own key, or waiting on its own flight — would wait for itself forever: it
//     throws weft::singleflight_recursion instead (Go deadlocks).
//
// Thread-safety: every member may be called concurrently, except the destructor, which
// must not run while a call is in progress or from inside an asynchronous fn. One mutex
// guards the map of flights and is held only to look up, insert and remove — never
// while fn runs. Waiters sleep on the flight's done-channel, closed by the leader, so the
// waits are the channels' (context-aware, timed on weft::clock: virtual in model mode).
//
// Requirements: K copyable, hashable with Hash, comparable with KeyEqual; V copy-
// constructible (each caller gets its own copy).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>

#include "weft/channel.hpp"
#include "weft/context.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/errors.hpp"
#include "weft/sync.hpp"

namespace weft {

// What a call of a flight gets: fn's value and whether it was shared with other callers.
template <class V>
struct flight_result {
  V value;
  bool shared = false;
};

namespace detail {

// One flight. The leader writes value_/error_ before publishing; everybody else reads
// them only after observing done_ (acquire) or the done-channel closed, both of which
// the leader does after writing — so the outcome happens-before every read of it.
template <class V>
struct flight_call {
  std::optional<V> value;          // fn's value, once done and fn returned
  std::exception_ptr error;        // what fn threw, once done and fn threw
  weft::atomic<bool> done{false};  // the outcome is written and final
  // detail::flight_self() of the thread running fn (0: not started yet). Written
  // once; read to refuse a wait of the leader on its own flight.
  weft::atomic<std::uint64_t> leader{0};
  // Fields below: [the group's mutex].
  std::size_t joined = 0;  // callers that joined the flight after its leader
  bool shared = false;     // joined > 0 when the flight completed
  // Closed when the flight completes; nil until the first caller needs to wait (a flight
  // nobody waits for costs no channel).
  weft::channel<std::monostate> done_ch{nullptr};

  // The outcome for one caller; the flight must be done.
  flight_result<V> outcome(bool shared_for_caller) const {
    if (error) {
      std::rethrow_exception(error);
    }
    return flight_result<V>{*value, shared_for_caller};
  }
};

// The calling thread's identity as a flight leader; never 0, which means "no leader yet"
// (weft::this_thread::get_id() may be 0: the model checker's first thread).
inline std::uint64_t flight_self() {
  return weft::this_thread::get_id() + 1;
}

inline std::string recursion_message() {
  return "weft::singleflight: the calling thread leads the flight of this key (fn calls "
         "run() on its own key?) and would wait for itself";
}

}  // namespace detail

// A shared future of one flight's outcome (Go's DoChan result): copyable; each copy is
// used by one thread at a time (like std::shared_future), and may wait and get() the
// outcome any number of times.
template <class V>
class flight {
 public:
  flight() = default;

  bool valid() const noexcept { return call_ != nullptr; }
  // The flight has completed (its outcome is available without waiting).
  bool ready() const { return call_->done.load(std::memory_order_acquire); }

  // Waits for the flight; its value (a copy) and whether it was shared, or rethrows
  // what fn threw. Throws singleflight_recursion when called from the flight's own fn.
  flight_result<V> get() const {
    wait();
    return call_->outcome(shared_ || call_->shared);
  }

  void wait() const {
    if (!poll()) {
      (void)done_ch_.recv();  // returns once the channel is closed
    }
  }
  // true once the flight is done; false if ctx was done first (the flight goes on).
  bool wait(const context& ctx) const {
    return poll() || done_ch_.recv(ctx).status == channel_status::closed;
  }
  template <class Rep, class Period>
  std::future_status wait_for(const std::chrono::duration<Rep, Period>& d) const {
    return wait_until(detail::deadline_after(d));
  }
  template <class Clock, class Duration>
  std::future_status wait_until(const std::chrono::time_point<Clock, Duration>& tp) const {
    const auto deadline = detail::to_deadline(tp);
    return poll() || done_ch_.recv_until(deadline).status == channel_status::closed
               ? std::future_status::ready
               : std::future_status::timeout;
  }

 private:
  template <class, class, class, class>
  friend class singleflight;

  flight(std::shared_ptr<detail::flight_call<V>> c, weft::channel<std::monostate> ch, bool shared)
      : call_(std::move(c)), done_ch_(std::move(ch)), shared_(shared) {}

  // Whether the flight is done, without waiting; if it is not, refuses to wait for it on
  // the thread running its fn (which would wait for itself). Reads the done-channel, not
  // done: a poll loop of ready() and wait_for() must not re-read one atomic from one
  // line (the model checker takes that for a spin and lets virtual time run ahead).
  bool poll() const {
    if (done_ch_.try_recv().status == channel_status::closed) {
      return true;
    }
    if (!leader_checked_) {
      const std::uint64_t leader = call_->leader.load(std::memory_order_acquire);
      if (leader == detail::flight_self()) {
        throw singleflight_recursion(detail::recursion_message());
      }
      leader_checked_ = leader != 0;  // a flight's leader never changes once it runs
    }
    return false;
  }

  std::shared_ptr<detail::flight_call<V>> call_;
  weft::channel<std::monostate> done_ch_{nullptr};
  bool shared_ = false;                  // this handle joined a flight someone else started
  mutable bool leader_checked_ = false;  // poll() found another thread running fn
};

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class singleflight {
  using call = detail::flight_call<V>;

 public:
  using key_type = K;
  using value_type = V;
  using result = flight_result<V>;

  singleflight() = default;
  singleflight(const singleflight&) = delete;
  singleflight& operator=(const singleflight&) = delete;
  // Joins the threads of asynchronous flights (waiting for their fn to return).
  ~singleflight() {
    std::list<async_runner> all;
    {
      std::lock_guard<weft::mutex> g(m_);
      all.splice(all.end(), runners_);
    }
    for (async_runner& r : all) {
      r.thread.join();
    }
  }

  // Runs fn() once for all concurrent callers with this key; see the rules above.
  template <class F>
  result run(const K& key, F&& fn) {
    std::unique_lock<weft::mutex> lk(m_);
    if (std::shared_ptr<call> c = join_locked(key)) {
      weft::channel<std::monostate> ch = c->done_ch;
      lk.unlock();
      (void)ch.recv();  // nullopt once the leader has closed it
      return c->outcome(true);
    }
    std::shared_ptr<call> c = start_locked(key, detail::flight_self());
    lk.unlock();
    execute(key, *c, fn);
    return c->outcome(c->shared);
  }

  // As run(), but a caller that would wait gives up when ctx is done: std::nullopt (the
  // flight goes on for its other callers). A done ctx fails at once, running nothing.
  template <class F>
  std::optional<result> run(const K& key, const context& ctx, F&& fn) {
    if (ctx.err()) {
      return std::nullopt;
    }
    return run_bounded(key, std::forward<F>(fn), [&ctx](const weft::channel<std::monostate>& ch) {
      return ch.recv(ctx).status == channel_status::closed;
    });
  }

  // As run(), but a caller that would wait gives up after d: std::nullopt.
  template <class Rep, class Period, class F>
  std::optional<result> run_for(const K& key, const std::chrono::duration<Rep, Period>& d, F&& fn) {
    const auto deadline = detail::deadline_after(d);
    return run_bounded(key, std::forward<F>(fn),
                       [deadline](const weft::channel<std::monostate>& ch) {
                         return ch.recv_until(deadline).status == channel_status::closed;
                       });
  }

  // Joins the flight in progress for key, or starts one whose fn runs on a new
  // weft::thread; never blocks on fn. The returned flight is the flight's outcome.
  // If the thread cannot be started (std::system_error from the OS, or a stress run
  // unwinding), the flight fails with that exception — its joiners get it too — and it
  // is rethrown here.
  template <class F>
  flight<V> run_async(const K& key, F&& fn) {
    std::list<async_runner> finished;
    flight<V> out;
    std::shared_ptr<call> unstarted;  // a new flight whose thread did not start
    std::exception_ptr spawn_error;
    {
      std::lock_guard<weft::mutex> g(m_);
      reap_locked(finished);
      if (std::shared_ptr<call> joined = join_locked(key)) {
        out = flight<V>(joined, joined->done_ch, true);
      } else {
        std::shared_ptr<call> c = start_locked(key, 0);
        c->done_ch = weft::channel<std::monostate>();
        out = flight<V>(c, c->done_ch, false);
        runners_.emplace_back();
        async_runner* r = &runners_.back();
        try {
          r->thread =
              weft::thread([this, r, c, key, f = std::decay_t<F>(std::forward<F>(fn))]() mutable {
                c->leader.store(detail::flight_self(), std::memory_order_release);
                execute(key, *c, f);
                std::lock_guard<weft::mutex> g2(m_);
                r->finished = true;
              });
        } catch (...) {
          runners_.pop_back();  // no thread to join
          unstarted = std::move(c);
          spawn_error = std::current_exception();
        }
      }
    }
    if (unstarted) {
      unstarted->error = spawn_error;
      complete(key, *unstarted);
    }
    for (async_runner& r : finished) {
      r.thread.join();
    }
    if (spawn_error) {
      std::rethrow_exception(spawn_error);
    }
    return out;
  }

  // Detaches the flight in progress for key (if any) from the key; returns whether there
  // was one. Its callers still get its outcome; the next call starts a new flight.
  bool forget(const K& key) {
    std::lock_guard<weft::mutex> g(m_);
    return calls_.get_mut().erase(key) > 0;
  }

  // Flights in progress that calls can still join (a snapshot).
  std::size_t in_flight() const {
    std::lock_guard<weft::mutex> g(m_);
    return calls_.get().size();
  }

 private:
  struct async_runner {
    weft::thread thread;
    bool finished = false;  // its fn has returned and its flight completed   [m_]
  };

  // The flight in progress for key, joined (m_ held); nullptr if there is none. Throws
  // singleflight_recursion if the caller leads it.
  std::shared_ptr<call> join_locked(const K& key) {
    auto& calls = calls_.get_mut();
    auto it = calls.find(key);
    if (it == calls.end()) {
      return nullptr;
    }
    std::shared_ptr<call> c = it->second;
    if (c->leader.load(std::memory_order_acquire) == detail::flight_self()) {
      throw singleflight_recursion(detail::recursion_message());
    }
    ++c->joined;
    if (c->done_ch.is_nil()) {
      c->done_ch = weft::channel<std::monostate>();
    }
    return c;
  }

  // A new flight for key, registered (m_ held).
  std::shared_ptr<call> start_locked(const K& key, std::uint64_t leader) {
    auto c = std::make_shared<call>();
    if (leader != 0) {
      c->leader.store(leader, std::memory_order_relaxed);
    }
    calls_.get_mut().emplace(key, c);
    return c;
  }

  // Runs fn as the flight's leader, records its outcome and completes the flight.
  template <class F>
  void execute(const K& key, call& c, F& fn) noexcept {
    try {
      c.value.emplace(fn());
    } catch (...) {
      c.error = std::current_exception();
    }
    complete(key, c);
  }

  // Unregisters the flight — only if the key still maps to it: after forget() the key may
  // belong to a newer flight — and wakes its waiters.
  void complete(const K& key, call& c) noexcept {
    weft::channel<std::monostate> ch{nullptr};
    {
      std::lock_guard<weft::mutex> g(m_);
      auto& calls = calls_.get_mut();
      auto it = calls.find(key);
      if (it != calls.end() && it->second.get() == &c) {
        calls.erase(it);
      }
      c.shared = c.joined > 0;
      c.done.store(true, std::memory_order_release);
      ch = c.done_ch;
    }
    if (!ch.is_nil()) {
      ch.close();
    }
  }

  // run() whose waiting is bounded by wait(ch) -> "the flight completed".
  template <class F, class Wait>
  std::optional<result> run_bounded(const K& key, F&& fn, Wait wait) {
    std::unique_lock<weft::mutex> lk(m_);
    if (std::shared_ptr<call> c = join_locked(key)) {
      weft::channel<std::monostate> ch = c->done_ch;
      lk.unlock();
      if (!wait(ch) && !c->done.load(std::memory_order_acquire)) {
        return std::nullopt;
      }
      return c->outcome(true);
    }
    std::shared_ptr<call> c = start_locked(key, detail::flight_self());
    lk.unlock();
    execute(key, *c, fn);
    return c->outcome(c->shared);
  }

  void reap_locked(std::list<async_runner>& out) {
    for (auto it = runners_.begin(); it != runners_.end();) {
      auto next = std::next(it);
      if (it->finished) {
        out.splice(out.end(), runners_, it);
      }
      it = next;
    }
  }

  mutable weft::mutex m_;
  // Flights that calls can join, by key.                                           [m_]
  weft::var<std::unordered_map<K, std::shared_ptr<call>, Hash, KeyEqual>> calls_;
  std::list<async_runner> runners_;  // threads of asynchronous flights, not yet joined [m_]
};

}  // namespace weft
