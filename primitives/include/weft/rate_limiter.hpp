// weft/rate_limiter.hpp — weft::rate_limiter: a token bucket (Go's
// golang.org/x/time/rate.Limiter).
//
//   weft::rate_limiter limiter(std::chrono::milliseconds(100), 5);  // 10/s, bursts of 5
//   if (limiter.allow()) serve(); else reject_429();
//   ...
//   if (!limiter.wait(ctx)) return;   // sleeps until a token is due, or ctx is done
//   ...
//   auto r = limiter.reserve();       // take a token now, act later
//   if (r.delay() > budget) r.cancel(); else { weft::this_thread::sleep_for(r.delay()); act(); }
//
// The bucket holds at most burst() tokens, starts full, and gains one token every
// interval(). allow(n) takes n tokens if they are there now; reserve(n) takes them even
// if they are not there yet — the bucket goes into debt — and says when the caller may
// act; wait(n) reserves and sleeps until then. Whatever the interleaving, the events
// admitted (allowed, or reserved and not cancelled) by time t since construction never
// exceed burst() + t / interval().
//
// Time comes from weft::clock, so in model mode it is virtual: a test of a 1-per-hour
// limiter runs in microseconds and its arithmetic is exact. State is kept in integer
// nanoseconds (no floating-point drift): `base_` is the instant at which an empty bucket
// would have started filling, so the bucket holds min(burst, (now - base_) / interval)
// tokens, and taking n tokens moves base_ forward by n intervals.
//
// Special rates, as in Go: an interval of zero (or rate_limiter::inf tokens per second)
// allows everything; a rate of zero allows burst() events in total and then nothing
// (golang/go#39984). Requests for more than burst() tokens at a finite rate can never be
// met: allow() returns false, reserve() returns a reservation that is not ok(), and
// wait() throws weft::burst_exceeded.
//
// Thread-safety: every member may be called concurrently; a reservation may be cancelled
// from any thread. The limiter must outlive its reservations.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "weft/context.hpp"
#include "weft/detail/context_view.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/detail/parker.hpp"
#include "weft/detail/select_cases.hpp"
#include "weft/detail/select_engine.hpp"
#include "weft/errors.hpp"
#include "weft/sync.hpp"

namespace weft {

class rate_limiter {
 public:
  using duration = weft::clock::duration;
  using time_point = weft::clock::time_point;

  // "No limit", for the tokens-per-second constructor.
  static constexpr double inf = std::numeric_limits<double>::infinity();

  // One token every `interval` (zero: unlimited), at most `burst` tokens.
  // An interval longer than weft::clock can represent (or +inf) is a rate of zero; a
  // negative one is zero; NaN throws std::invalid_argument.
  template <class Rep, class Period>
  rate_limiter(const std::chrono::duration<Rep, Period>& interval, std::int64_t burst)
      : rate_limiter(interval_ns_for(interval), burst, 0) {}

  // `per_second` tokens per second (the interval is rounded to whole nanoseconds; inf:
  // unlimited; 0: burst events in total, then none), at most `burst` tokens.
  // NaN throws std::invalid_argument; rates so small that one interval exceeds what
  // weft::clock can represent (below about 1.1e-10 per second) are a rate of zero.
  rate_limiter(double per_second, std::int64_t burst)
      : rate_limiter(interval_for(per_second), burst, 0) {}

  rate_limiter(const rate_limiter&) = delete;
  rate_limiter& operator=(const rate_limiter&) = delete;

  class reservation;

  // Takes n tokens if the bucket holds them now. Never blocks, never goes into debt.
  bool allow(std::int64_t n = 1) {
    check_n(n);
    if (interval_ == 0 || n == 0) {
      return true;
    }
    if (n > burst_) {
      return false;
    }
    detail::lock_spinning(m_);
    std::lock_guard<weft::mutex> g(m_, std::adopt_lock);
    if (zero_rate_) {
      return reserve_locked(n, 0).ok;
    }
    // Succeeding implies every earlier reservation is due (the bucket is not in debt),
    // so last_act_ — which only cancel() reads — needs no update.
    const std::int64_t now = now_ns();
    const std::int64_t base = refilled_base(now);
    if (now - base < n * interval_) {
      return false;
    }
    base_.store(base + n * interval_);
    return true;
  }

  // Takes n tokens now or in the future. The reservation says when the caller may act
  // (delay()); cancel() gives back what later reservations have not counted on.
  reservation reserve(std::int64_t n = 1);

  // Blocks until n tokens are available and takes them (true). Throws burst_exceeded
  // when n > burst() at a finite rate, and — at a rate of zero — returns false when the
  // bucket cannot ever hold n tokens again.
  bool wait(std::int64_t n = 1);

  // As wait(n), but gives up and takes nothing (false) when ctx is done first — or at
  // once, without waiting, when ctx's deadline comes before the tokens would (then
  // ctx.err() is still empty, as with Go's "would exceed context deadline").
  bool wait(const context& ctx, std::int64_t n = 1);

  std::int64_t burst() const noexcept { return burst_; }
  // Time per token; zero when unlimited, duration::max() at a rate of zero.
  duration interval() const noexcept {
    if (zero_rate_) {
      return duration::max();
    }
    return duration(interval_);
  }
  // Tokens in the bucket now (negative while it is in debt to reservations).
  double tokens() const {
    std::lock_guard<weft::mutex> g(m_);
    if (interval_ == 0) {
      return static_cast<double>(burst_);
    }
    if (zero_rate_) {
      return static_cast<double>(remaining_.load());
    }
    const std::int64_t now = now_ns();
    return static_cast<double>(now - refilled_base(now)) / static_cast<double>(interval_);
  }

 private:
  struct outcome {
    bool ok;
    std::int64_t act_at;  // ns on weft::clock
  };

  // interval_ns: nanoseconds per token, 0 (unlimited) or kZeroRate. (The unused int
  // tells this constructor from the public (double, burst) one.)
  rate_limiter(std::int64_t interval_ns, std::int64_t burst, int /*private_tag*/)
      : interval_(interval_ns == kZeroRate ? 1 : interval_ns),
        burst_(burst < 0 ? 0 : burst),
        zero_rate_(interval_ns == kZeroRate),
        cap_ns_(mul_sat(burst_, interval_)),
        base_(now_ns() - cap_ns_),
        remaining_(burst_) {}

  // Interval marking a rate of zero (the interval itself is then unused).
  static constexpr std::int64_t kZeroRate = -1;

  // Nanoseconds per token, 0 for unlimited, or kZeroRate. Every range check happens in
  // double before a conversion: converting an out-of-range value to int64 is undefined.
  static std::int64_t interval_for(double per_second) {
    if (std::isnan(per_second)) {
      throw std::invalid_argument("weft::rate_limiter: a rate of NaN");
    }
    if (std::isinf(per_second) && per_second > 0) {
      return 0;
    }
    if (!(per_second > 0)) {
      return kZeroRate;
    }
    const double ns = std::round(1e9 / per_second);
    if (!(ns < kMaxIntervalNs)) {
      return kZeroRate;
    }
    return ns < 1 ? 1 : static_cast<std::int64_t>(ns);
  }

  template <class Rep, class Period>
  static std::int64_t interval_ns_for(const std::chrono::duration<Rep, Period>& interval) {
    const double ns = std::chrono::duration<double, std::nano>(interval).count();
    if (std::isnan(ns)) {
      throw std::invalid_argument("weft::rate_limiter: an interval of NaN");
    }
    if (ns <= 0) {
      return 0;
    }
    if (!(ns < kMaxIntervalNs)) {
      return kZeroRate;
    }
    return std::chrono::ceil<duration>(interval).count();
  }

  // Longer intervals are a rate of zero: 2^62 ns (146 years) keeps base_ arithmetic
  // (now - burst * interval, base_ + n * interval) far from int64 overflow together with
  // mul_sat's cap.
  static constexpr double kMaxIntervalNs = 4611686018427387904.0;

  static std::int64_t mul_sat(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t out = 0;
    if (__builtin_mul_overflow(a, b, &out)) {
      return std::numeric_limits<std::int64_t>::max() / 4;
    }
    return out;
  }

  static std::int64_t now_ns() { return weft::clock::now().time_since_epoch().count(); }

  // base_ after refilling up to now: never further back than a full bucket. m_ held.
  std::int64_t refilled_base(std::int64_t now) const {
    const std::int64_t full = now - cap_ns_;
    const std::int64_t base = base_.load();
    return base < full ? full : base;
  }

  static void check_n(std::int64_t n) {
    if (n < 0) {
      throw burst_exceeded();
    }
  }

  // The one place the bucket changes hands. m_ held.
  outcome reserve_locked(std::int64_t n, std::int64_t now) {
    if (interval_ == 0 || n == 0) {
      return {true, now};
    }
    if (n > burst_) {
      return {false, 0};
    }
    if (zero_rate_) {
      if (remaining_.load() < n) {
        return {false, 0};
      }
      remaining_.store(remaining_.load() - n);
      return {true, now};
    }
    // Refill (capped at burst), then take n: base moves forward n intervals.
    const std::int64_t base = refilled_base(now) + n * interval_;
    base_.store(base);
    const std::int64_t act_at = base > now ? base : now;
    if (act_at > last_act_.load()) {
      last_act_.store(act_at);
    }
    return {true, act_at};
  }

  // Gives back the tokens of a reservation (n, acting at act_at) that has not acted yet,
  // minus those later reservations have already counted on. m_ held.
  void undo_locked(std::int64_t n, std::int64_t act_at, std::int64_t now) {
    if (interval_ == 0 || n == 0 || act_at < now) {
      return;  // unlimited, empty, or already due
    }
    if (zero_rate_) {
      const std::int64_t r = remaining_.load() + n;
      remaining_.store(r > burst_ ? burst_ : r);
      return;
    }
    const std::int64_t later = last_act_.load() - act_at;  // reserved after this one
    const std::int64_t restore = n * interval_ - later;
    if (restore <= 0) {
      return;
    }
    const std::int64_t full = now - cap_ns_;
    const std::int64_t base = refilled_base(now) - restore;
    base_.store(base < full ? full : base);
    if (act_at == last_act_.load()) {
      const std::int64_t prev = act_at - n * interval_;
      if (prev >= now) {
        last_act_.store(prev);
      }
    }
  }

  const std::int64_t interval_;  // ns per token; 0: unlimited
  const std::int64_t burst_;
  const bool zero_rate_;       // a rate of zero: remaining_ counts down, never refills
  const std::int64_t cap_ns_;  // burst_ * interval_, saturated
  mutable weft::mutex m_;
  // When an empty bucket would have started filling: tokens = (now - base_) / interval_,
  // capped at burst_. Moves forward by n * interval_ per n tokens taken.        [m_]
  weft::var<std::int64_t> base_;
  weft::var<std::int64_t> last_act_{
      std::numeric_limits<std::int64_t>::min()};  // latest act_at [m_]
  weft::var<std::int64_t> remaining_;  // tokens left at a rate of zero                [m_]
};

// A claim on tokens, now or in the future (Go's rate.Reservation). Move-only, so it is
// cancelled at most once.
class rate_limiter::reservation {
 public:
  reservation() = default;
  reservation(reservation&& other) noexcept { *this = std::move(other); }
  reservation& operator=(reservation&& other) noexcept {
    limiter_ = std::exchange(other.limiter_, nullptr);
    n_ = other.n_;
    act_at_ = other.act_at_;
    ok_ = other.ok_;
    return *this;
  }
  reservation(const reservation&) = delete;
  reservation& operator=(const reservation&) = delete;

  // False when the request can never be met (n > burst, or a rate of zero with too few
  // tokens left); nothing was taken then.
  bool ok() const noexcept { return ok_; }
  // When the caller may act.
  time_point time_to_act() const noexcept { return time_point(duration(act_at_)); }
  // How long from now until then (zero if due; duration::max() if not ok()).
  duration delay() const {
    if (!ok_) {
      return duration::max();
    }
    const auto d = time_to_act() - weft::clock::now();
    return d > duration::zero() ? d : duration::zero();
  }
  // Gives the tokens back, as far as later reservations have not counted on them. Does
  // nothing once the reservation is due, or when it is not ok().
  void cancel() {
    if (!ok_ || limiter_ == nullptr) {
      return;
    }
    std::lock_guard<weft::mutex> g(limiter_->m_);
    limiter_->undo_locked(n_, act_at_, now_ns());
    limiter_ = nullptr;
  }

 private:
  friend class rate_limiter;
  reservation(rate_limiter* l, std::int64_t n, const outcome& o) noexcept
      : limiter_(o.ok ? l : nullptr), n_(n), act_at_(o.act_at), ok_(o.ok) {}

  rate_limiter* limiter_ = nullptr;
  std::int64_t n_ = 0;
  std::int64_t act_at_ = 0;
  bool ok_ = false;
};

inline rate_limiter::reservation rate_limiter::reserve(std::int64_t n) {
  check_n(n);
  std::lock_guard<weft::mutex> g(m_);
  return reservation(this, n, reserve_locked(n, now_ns()));
}

inline bool rate_limiter::wait(std::int64_t n) {
  check_n(n);
  if (n > burst_ && interval_ != 0 && !zero_rate_) {
    throw burst_exceeded();
  }
  const reservation r = reserve(n);
  if (!r.ok()) {
    return false;
  }
  if (r.delay() > duration::zero()) {
    weft::this_thread::sleep_until(r.time_to_act());
  }
  return true;
}

inline bool rate_limiter::wait(const context& ctx, std::int64_t n) {
  check_n(n);  // bad arguments are reported before a done context
  if (n > burst_ && interval_ != 0 && !zero_rate_) {
    throw burst_exceeded();
  }
  if (detail::is_done(ctx)) {
    return false;
  }
  reservation r = reserve(n);
  if (!r.ok()) {
    return false;
  }
  if (r.delay() == duration::zero()) {
    return true;
  }
  const auto ctx_deadline = ctx.deadline();
  if (ctx_deadline && *ctx_deadline < r.time_to_act()) {
    r.cancel();  // it could not be met in time: take nothing, do not wait
    return false;
  }
  detail::timeout_case<detail::no_handler> due(r.time_to_act(), {});
  detail::done_case<detail::no_handler> done(detail::view(ctx), {});
  if (detail::run_select(due, done) == 0) {
    return true;
  }
  r.cancel();
  return false;
}

}  // namespace weft
