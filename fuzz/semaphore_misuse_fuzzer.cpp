// semaphore_misuse_fuzzer.cpp — weft::weighted_semaphore's error contract: random call
// sequences with invalid calls (negative counts, requests above the size, releases of
// more than is held, contexts already done, timeouts at the edges of their types) and
// sizes at the edges of int64, checked against an exact model (misuse_util.hpp).
//
// Documented outcomes: a negative size or count, acquire(n) / acquire(n, ctx) /
// acquire_for(n, d) with n > size(), and release(n) of more than is held throw
// weft::semaphore_misuse and change nothing; try_acquire(n > size()) is false;
// acquire(n, ctx) with a done context is false; a request that fits is granted at once;
// one that does not fit waits (here: until its deadline, exactly, on virtual time);
// available() == size() - held, waiting() == 0 (one thread).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
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
#include "weft/semaphore.hpp"
#include "weft/sync.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::any_duration;
using L = std::numeric_limits<std::int64_t>;

enum class opk : std::uint8_t {
  acquire,
  acquire_ctx,
  acquire_for,
  try_acquire,
  release,
  cancel,
  inspect,
  count_
};
constexpr const char* kOpNames[] = {"acquire", "acquire(ctx)", "acquire_for", "try_acquire",
                                    "release", "cancel",       "inspect"};

struct op {
  opk kind;
  std::int64_t n;
  any_duration d;
};

struct program {
  std::int64_t size = 1;
  bool ctx_timeout = false;
  std::int64_t ctx_us = 0;
  std::vector<op> ops;

  std::string describe() const {
    std::ostringstream os;
    os << "  weighted_semaphore(" << size << "), context "
       << (ctx_timeout ? "with_timeout " + std::to_string(ctx_us) + "us" : "with_cancel")
       << "\n  ops:";
    for (const op& o : ops) {
      os << " " << kOpNames[static_cast<int>(o.kind)] << "(" << o.n << "," << o.d.describe() << ")";
    }
    os << "\n";
    return os.str();
  }
};

std::int64_t decode_count(FuzzedDataProvider& in, std::int64_t size) {
  constexpr std::int64_t kEdges[] = {L::min(), L::min() + 1, -1, 0, 1, L::max() - 1, L::max()};
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return in.PickValueInArray(kEdges);
    case 1:
      return size < L::max() ? size + 1 : size;
    default:
      return in.ConsumeIntegralInRange<std::int64_t>(0, std::clamp<std::int64_t>(size, 0, 6));
  }
}

program decode(FuzzedDataProvider& in) {
  program p;
  constexpr std::int64_t kSizes[] = {L::min(), -1, 0, L::max() - 1, L::max()};
  p.size = in.ConsumeIntegralInRange<int>(0, 3) == 0
               ? in.PickValueInArray(kSizes)
               : in.ConsumeIntegralInRange<std::int64_t>(1, 5);
  p.ctx_timeout = in.ConsumeBool();
  p.ctx_us = in.ConsumeIntegralInRange<std::int64_t>(0, 5000);
  const int n = in.ConsumeIntegralInRange<int>(1, 24);
  for (int i = 0; i < n; ++i) {
    op o{};
    o.kind = weft::fuzz_targets::pick<opk>(in);
    o.n = decode_count(in, p.size);
    o.d = weft::fuzz_targets::decode_duration(in);
    p.ops.push_back(o);
  }
  return p;
}

class world {
 public:
  explicit world(const program& p) : p_(p) {
    auto pair = p.ctx_timeout
                    ? weft::with_timeout(weft::background(), std::chrono::microseconds(p.ctx_us))
                    : weft::with_cancel(weft::background());
    ctx_ = pair.first;
    cancel_ = pair.second;
    if (p.ctx_timeout) ctx_deadline_ = weft::clock::now() + std::chrono::microseconds(p.ctx_us);
  }

  void run() {
    try {
      sem_ = std::make_unique<weft::weighted_semaphore>(p_.size);
      require(valid_size(), "a semaphore of size " + std::to_string(p_.size) + " was made");
    } catch (const weft::semaphore_misuse&) {
      require(!valid_size(), "weighted_semaphore(" + std::to_string(p_.size) + ") threw");
      return;
    }
    require(sem_->size() == p_.size && sem_->available() == p_.size, "a new semaphore");
    for (std::size_t i = 0; i < p_.ops.size(); ++i) {
      idx_ = static_cast<int>(i);
      run_op(p_.ops[i]);
    }
    sem_->release(held_);  // all of it: never an over-release
    require(sem_->available() == p_.size, "available() after releasing everything");
  }

 private:
  std::string at() const { return "op " + std::to_string(idx_) + ": "; }
  // The documented range of sizes: 0 <= size < 2^62.
  bool valid_size() const { return p_.size >= 0 && p_.size < (std::int64_t{1} << 62); }
  bool fits(std::int64_t n) const { return n >= 0 && n <= p_.size - held_; }
  bool invalid_request(std::int64_t n) const { return n < 0 || n > p_.size; }
  bool ctx_done() const { return ctx_cancelled_ || weft::clock::now() >= ctx_deadline_; }

  // Runs f, which must throw semaphore_misuse exactly when `misuse`; returns whether it
  // returned normally.
  template <class F>
  bool expect_misuse(bool misuse, const char* what, F&& f) {
    try {
      f();
    } catch (const weft::semaphore_misuse&) {
      require(misuse, at() + what + " threw semaphore_misuse on a valid call");
      return false;
    }
    require(!misuse, at() + what + " did not throw semaphore_misuse");
    return true;
  }

  void granted(std::int64_t n) {
    require(fits(n), at() + "granted " + std::to_string(n) + " permits that are not free");
    held_ += n;
  }

  void run_op(const op& o) {
    weft::weighted_semaphore& s = *sem_;
    const auto t0 = weft::clock::now();
    weft::fuzz::observe(1, static_cast<std::uint64_t>(o.kind),
                        static_cast<std::uint64_t>(fits(o.n)) * 2 + invalid_request(o.n));
    switch (o.kind) {
      case opk::acquire:
        if (invalid_request(o.n) || fits(o.n)) {
          if (expect_misuse(invalid_request(o.n), "acquire", [&] { s.acquire(o.n); })) {
            granted(o.n);
          }
        } else {  // would wait forever, alone: a timed acquire instead
          timed(o.n, any_duration{any_duration::rep::ns, 1000, 0, 0}, t0);
        }
        break;
      case opk::acquire_ctx: {
        const bool done = ctx_done();
        if (!invalid_request(o.n) && !done && !fits(o.n) && !p_.ctx_timeout) {
          timed(o.n, any_duration{any_duration::rep::ns, 1000, 0, 0}, t0);
          break;
        }
        bool got = false;
        if (expect_misuse(invalid_request(o.n), "acquire(ctx)",
                          [&] { got = s.acquire(o.n, ctx_); })) {
          if (done) {
            require(!got, at() + "acquire(ctx) with a done context succeeded");
          } else if (fits(o.n)) {
            require(got, at() + "acquire(ctx) of free permits failed");
            granted(o.n);
          } else {
            require(!got && weft::clock::now() == ctx_deadline_,
                    at() + "acquire(ctx) did not fail at the context's deadline");
          }
        }
        break;
      }
      case opk::acquire_for:
        timed(o.n, fits(o.n) || invalid_request(o.n) || o.d.ordinary() ? o.d : any_duration{}, t0);
        break;
      case opk::try_acquire: {
        bool got = false;
        if (expect_misuse(o.n < 0, "try_acquire", [&] { got = s.try_acquire(o.n); })) {
          require(got == fits(o.n), at() + "try_acquire returned " + (got ? "true" : "false"));
          if (got) granted(o.n);
        }
        break;
      }
      case opk::release:
        if (expect_misuse(o.n < 0 || o.n > held_, "release", [&] { s.release(o.n); })) {
          held_ -= o.n;
        }
        break;
      case opk::cancel:
        cancel_();
        ctx_cancelled_ = true;
        break;
      case opk::inspect:
        require(s.size() == p_.size && s.available() == p_.size - held_ && s.waiting() == 0,
                at() + "snapshot disagrees with the model");
        break;
      case opk::count_:
        break;
    }
  }

  void timed(std::int64_t n, const any_duration& d, weft::clock::time_point t0) {
    bool got = false;
    if (rejects_nan(d, at() + "acquire_for",
                    [&] { (void)d.visit([&](auto dur) { return sem_->acquire_for(n, dur); }); })) {
      return;
    }
    if (!expect_misuse(invalid_request(n), "acquire_for", [&] {
          got = d.visit([&](auto dur) { return sem_->acquire_for(n, dur); });
        })) {
      return;
    }
    if (fits(n)) {
      require(got, at() + "acquire_for of free permits failed");
      granted(n);
      return;
    }
    require(!got, at() + "acquire_for of permits that are not free succeeded");
    const auto want = d.not_positive() ? t0 : t0 + d.ordinary_ns();
    require(weft::clock::now() == want, at() + "acquire_for timed out at the wrong time");
  }

  const program& p_;
  std::unique_ptr<weft::weighted_semaphore> sem_;
  weft::context ctx_;
  weft::cancel_func cancel_;
  weft::clock::time_point ctx_deadline_ = weft::clock::time_point::max();
  bool ctx_cancelled_ = false;
  std::int64_t held_ = 0;  // the model
  int idx_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz::default_options("semaphore_misuse_fuzzer"), [&p] { return p.describe(); });
  return 0;
}
