// rate_limiter_misuse_fuzzer.cpp — weft::rate_limiter's error contract: limiters built from
// the edges of their parameter types (interval durations of any representation,
// tokens-per-second doubles including NaN, infinities, denormals; bursts from INT64_MIN
// to INT64_MAX) and random call sequences with invalid counts (misuse_util.hpp).
//
// Documented outcomes, for every limiter: a negative n throws weft::burst_exceeded from
// allow / reserve / wait; at a finite rate a request above the burst makes allow() false,
// reserve() not ok() (delay() == duration::max()) and wait() throw burst_exceeded;
// unlimited limiters (interval zero, or inf tokens per second) allow everything;
// n == 0 always succeeds; a reservation's delay() is never negative; tokens() never
// exceeds the burst (a negative burst counts as 0); wait(ctx, n) with a done context is
// false. And nothing may overflow, divide by zero or cast out of range (UBSan).
//
// Waits are only made where they end in virtual seconds (ordinary rates), so the virtual
// clock stays far from its limits.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "misuse_util.hpp"
#include "target_util.hpp"
#include "weft/context.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/rate_limiter.hpp"
#include "weft/sync.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::any_duration;
using L = std::numeric_limits<std::int64_t>;
using D = std::numeric_limits<double>;

enum class opk : std::uint8_t {
  allow,
  reserve,
  cancel_reservation,
  wait,
  wait_ctx,
  tokens,
  sleep,
  count_
};
constexpr const char* kOpNames[] = {"allow",  "reserve", "cancel_reservation", "wait", "wait(ctx)",
                                    "tokens", "sleep"};

struct op {
  opk kind;
  std::int64_t n;
};

struct program {
  bool per_second_form = false;
  any_duration interval;
  double per_second = 1;
  std::int64_t burst = 1;
  bool ctx_cancelled = false;
  std::vector<op> ops;

  std::string describe() const {
    std::ostringstream os;
    os << "  rate_limiter("
       << (per_second_form ? std::to_string(per_second) + "/s" : "every " + interval.describe())
       << ", burst " << burst << "), context " << (ctx_cancelled ? "cancelled" : "live")
       << "\n  ops:";
    for (const op& o : ops) {
      os << " " << kOpNames[static_cast<int>(o.kind)] << "(" << o.n << ")";
    }
    os << "\n";
    return os.str();
  }
};

program decode(FuzzedDataProvider& in) {
  program p;
  p.per_second_form = in.ConsumeBool();
  if (p.per_second_form) {
    constexpr double kRates[] = {
        D::quiet_NaN(), D::infinity(), -D::infinity(), D::max(), -1.0, -0.0, 0.0, D::denorm_min(),
        1e-300,         1e-10,         1e-9,           0.5,      1.0,  1e3,  1e9, 1e10,
        1e300};
    p.per_second = in.ConsumeBool() ? in.PickValueInArray(kRates)
                                    : in.ConsumeFloatingPointInRange<double>(0.0, 1e6);
  } else {
    p.interval = weft::fuzz_targets::decode_duration(in);
  }
  constexpr std::int64_t kBursts[] = {L::min(), -1, 0, 1, 5, std::int64_t{1} << 40, L::max()};
  p.burst = in.ConsumeBool() ? in.PickValueInArray(kBursts)
                             : in.ConsumeIntegralInRange<std::int64_t>(0, 10);
  p.ctx_cancelled = in.ConsumeBool();
  const int n = in.ConsumeIntegralInRange<int>(1, 16);
  constexpr std::int64_t kCounts[] = {L::min(), -1, 0, 1, 2, 1000, std::int64_t{1} << 40, L::max()};
  for (int i = 0; i < n; ++i) {
    op o{};
    o.kind = weft::fuzz_targets::pick<opk>(in);
    o.n = in.ConsumeBool() ? in.PickValueInArray(kCounts)
                           : in.ConsumeIntegralInRange<std::int64_t>(0, 6);
    p.ops.push_back(o);
  }
  return p;
}

class world {
 public:
  explicit world(const program& p) : p_(p) {
    auto pair = weft::with_cancel(weft::background());
    ctx_ = pair.first;
    cancel_ = pair.second;
    if (p.ctx_cancelled) cancel_();
  }

  void run() {
    // Intervals of 2^62 ns or more (rates below ~2.2e-10/s) are documented as a rate of
    // zero; NaN is rejected with std::invalid_argument.
    constexpr double kMaxIntervalNs = 4611686018427387904.0;
    if (p_.per_second_form) {
      if (std::isnan(p_.per_second)) {
        bool threw = false;
        try {
          (void)weft::rate_limiter(p_.per_second, p_.burst);
        } catch (const std::invalid_argument&) {
          threw = true;
        }
        require(threw, "rate_limiter(NaN/s) was not rejected");
        return;
      }
      lim_ = std::make_unique<weft::rate_limiter>(p_.per_second, p_.burst);
      unlimited_ = std::isinf(p_.per_second) && p_.per_second > 0;
      zero_rate_ = !(p_.per_second > 0) ||
                   (!unlimited_ && !(std::round(1e9 / p_.per_second) < kMaxIntervalNs));
    } else {
      if (rejects_nan(p_.interval, "rate_limiter(interval)", [&] {
            (void)p_.interval.visit(
                [&](auto d) { return weft::rate_limiter(d, p_.burst).burst(); });
          })) {
        return;
      }
      lim_ = p_.interval.visit(
          [&](auto d) { return std::make_unique<weft::rate_limiter>(d, p_.burst); });
      unlimited_ = p_.interval.not_positive();
      zero_rate_ = !unlimited_ && !(p_.interval.visit([](auto d) {
        return std::chrono::duration<double, std::nano>(d).count();
      }) < kMaxIntervalNs);
    }
    burst_ = p_.burst < 0 ? 0 : p_.burst;
    require(lim_->burst() == burst_, "burst() " + std::to_string(lim_->burst()));
    // Waits only where the interval is known to be short.
    const auto interval = lim_->interval();
    short_ = !zero_rate_ && interval <= std::chrono::seconds(1) && burst_ <= 1000;
    if (zero_rate_) require(interval == weft::clock::duration::max(), "interval() at rate zero");
    if (unlimited_) require(interval == weft::clock::duration::zero(), "interval() unlimited");
    for (std::size_t i = 0; i < p_.ops.size(); ++i) {
      idx_ = static_cast<int>(i);
      run_op(p_.ops[i]);
    }
  }

 private:
  std::string at() const { return "op " + std::to_string(idx_) + ": "; }
  bool finite() const { return !unlimited_ && !zero_rate_; }
  bool too_big(std::int64_t n) const { return !unlimited_ && n > burst_; }

  template <class F>
  bool expect_throw(bool want, const char* what, F&& f) {
    try {
      f();
    } catch (const weft::burst_exceeded&) {
      require(want, at() + what + " threw burst_exceeded");
      return false;
    }
    require(!want, at() + what + " did not throw burst_exceeded");
    return true;
  }

  void run_op(const op& o) {
    weft::rate_limiter& l = *lim_;
    weft::fuzz::observe(1, static_cast<std::uint64_t>(o.kind),
                        static_cast<std::uint64_t>(too_big(o.n)) * 2 + (o.n < 0));
    switch (o.kind) {
      case opk::allow: {
        bool ok = false;
        if (expect_throw(o.n < 0, "allow", [&] { ok = l.allow(o.n); })) {
          if (o.n == 0 || unlimited_) require(ok, at() + "allow() refused an always-ok request");
          if (too_big(o.n)) require(!ok, at() + "allow() granted more than the burst");
        }
        break;
      }
      case opk::reserve: {
        if (expect_throw(o.n < 0, "reserve", [&] { reservations_.push_back(l.reserve(o.n)); })) {
          const auto& r = reservations_.back();
          if (o.n == 0 || unlimited_) {
            require(r.ok(), at() + "reserve() not ok for an always-ok request");
          }
          if (too_big(o.n)) require(!r.ok(), at() + "reserve() ok for more than the burst");
          if (r.ok()) {
            require(r.delay() >= weft::clock::duration::zero(), at() + "negative delay()");
          } else {
            require(r.delay() == weft::clock::duration::max(),
                    at() + "delay() of a failed reservation");
          }
        }
        break;
      }
      case opk::cancel_reservation:
        if (!reservations_.empty()) {
          reservations_.back().cancel();
          reservations_.back().cancel();  // twice: the second does nothing
          reservations_.pop_back();
        }
        break;
      case opk::wait: {
        const bool throws = o.n < 0 || (finite() && o.n > burst_);
        if (!throws && !unlimited_ && !(short_ && o.n <= burst_) && o.n != 0) break;  // long
        bool ok = false;
        if (expect_throw(throws, "wait", [&] { ok = l.wait(o.n); })) {
          if (o.n == 0 || unlimited_) require(ok, at() + "wait() failed an always-ok request");
        }
        break;
      }
      case opk::wait_ctx: {
        const bool throws = o.n < 0 || (finite() && o.n > burst_);
        const bool done = static_cast<bool>(ctx_.err());
        if (!throws && !done && !unlimited_ && !(short_ && o.n <= burst_) && o.n != 0) break;
        bool ok = false;
        if (expect_throw(throws, "wait(ctx)", [&] { ok = l.wait(ctx_, o.n); })) {
          if (done) require(!ok, at() + "wait(ctx) with a done context succeeded");
        }
        break;
      }
      case opk::tokens: {
        const double t = l.tokens();
        require(!(t > static_cast<double>(burst_) * (1 + 1e-12)),
                at() + "tokens() " + std::to_string(t) + " exceeds the burst");
        break;
      }
      case opk::sleep:
        weft::this_thread::sleep_for(std::chrono::milliseconds(o.n & 1023));
        break;
      case opk::count_:
        break;
    }
  }

  const program& p_;
  std::unique_ptr<weft::rate_limiter> lim_;
  std::vector<weft::rate_limiter::reservation> reservations_;
  weft::context ctx_;
  weft::cancel_func cancel_;
  bool unlimited_ = false;
  bool zero_rate_ = false;
  bool short_ = false;
  std::int64_t burst_ = 0;
  int idx_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz::default_options("rate_limiter_misuse_fuzzer"), [&p] { return p.describe(); });
  return 0;
}
