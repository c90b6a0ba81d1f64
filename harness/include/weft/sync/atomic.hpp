// weft/sync/atomic.hpp — weft::atomic<T>, the std::atomic API routed through the facade.
//
// Outside a backend every member is the std::atomic member plus one thread-local load
// and a predictable branch. Under the model backend each access is a scheduling point
// and feeds the race detector's vector clocks according to its memory order (relaxed
// creates no happens-before, release/acquire and release sequences do). Under stress it
// is bracketed by delay injection.
//
// Differences from std::atomic: members are not noexcept (a model execution that is
// being abandoned unwinds through them) and operators have no call-site location.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "weft/sync/source_loc.hpp"

#if defined(WEFT_NATIVE)

namespace weft {
template <class T>
using atomic = std::atomic<T>;
using std::atomic_signal_fence;
using std::atomic_thread_fence;
}  // namespace weft

#elif defined(WEFT_RELACY)

// Relacy flavour: rl::atomic<T>, with every access's memory order and the caller's
// file:line handed to Relacy, so its weak-memory model sees exactly what the code
// asked for and its histories point at the caller. Construction (with or without a
// value) is a relaxed store of the value, as for rl::atomic. Under Relacy
// compare_exchange_weak may fail spuriously (explored); T must be comparable with ==
// (Relacy compares values, std::atomic compares bytes). wait() is a yield loop.
#include "weft/relacy/session.hpp"

namespace weft {
namespace detail {

template <class T>
concept atomic_arithmetic = (std::is_integral_v<T> && !std::is_same_v<T, bool>) ||
                            std::is_floating_point_v<T> || std::is_pointer_v<T>;

template <class T>
concept atomic_bitwise = std::is_integral_v<T> && !std::is_same_v<T, bool>;

}  // namespace detail

template <class T>
class atomic {
  static_assert(std::is_trivially_copyable_v<T>, "weft::atomic<T> requires trivially copyable T");
  using info = rl::debug_info;

 public:
  using value_type = T;
  using difference_type = std::conditional_t<std::is_pointer_v<T>, std::ptrdiff_t, T>;
  static constexpr bool is_always_lock_free = std::atomic<T>::is_always_lock_free;

  atomic(source_loc loc = source_loc::current()) : atomic(T(), loc) {}
  atomic(T desired,
         source_loc loc = source_loc::current()) {  // NOLINT(google-explicit-constructor)
    a_.store(desired, rl::mo_relaxed, at(loc, "weft::atomic::atomic"));
  }
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;
  atomic& operator=(const atomic&) volatile = delete;

  bool is_lock_free() const noexcept { return is_always_lock_free; }

  T load(std::memory_order mo = std::memory_order::seq_cst,
         source_loc loc = source_loc::current()) const {
    return a_.load(relacy::detail::to_rl(mo), at(loc, "weft::atomic::load"));
  }
  void store(T desired, std::memory_order mo = std::memory_order::seq_cst,
             source_loc loc = source_loc::current()) {
    a_.store(desired, relacy::detail::to_rl(mo), at(loc, "weft::atomic::store"));
  }
  operator T() const { return load(); }  // NOLINT(google-explicit-constructor)
  T operator=(T desired) {
    store(desired);
    return desired;
  }

  T exchange(T desired, std::memory_order mo = std::memory_order::seq_cst,
             source_loc loc = source_loc::current()) {
    return a_.exchange(desired, relacy::detail::to_rl(mo), at(loc, "weft::atomic::exchange"));
  }

  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure, source_loc loc = source_loc::current()) {
    const auto [s, f] = relacy::detail::cas_orders(success, failure);
    return a_.compare_exchange(rl::bool_t<true>(), expected, desired, s, f,
                               at(loc, "weft::atomic::compare_exchange_weak"));
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order mo = std::memory_order::seq_cst,
                             source_loc loc = source_loc::current()) {
    return compare_exchange_weak(expected, desired, mo, failure_order_for(mo), loc);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure, source_loc loc = source_loc::current()) {
    const auto [s, f] = relacy::detail::cas_orders(success, failure);
    return a_.compare_exchange(rl::bool_t<false>(), expected, desired, s, f,
                               at(loc, "weft::atomic::compare_exchange_strong"));
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order mo = std::memory_order::seq_cst,
                               source_loc loc = source_loc::current()) {
    return compare_exchange_strong(expected, desired, mo, failure_order_for(mo), loc);
  }

  T fetch_add(difference_type d, std::memory_order mo = std::memory_order::seq_cst,
              source_loc loc = source_loc::current()) requires detail::atomic_arithmetic<T> {
    return a_.fetch_add(d, relacy::detail::to_rl(mo), at(loc, "weft::atomic::fetch_add"));
  }
  T fetch_sub(difference_type d, std::memory_order mo = std::memory_order::seq_cst,
              source_loc loc = source_loc::current()) requires detail::atomic_arithmetic<T> {
    return a_.fetch_sub(d, relacy::detail::to_rl(mo), at(loc, "weft::atomic::fetch_sub"));
  }
  T fetch_and(T v, std::memory_order mo = std::memory_order::seq_cst,
              source_loc loc = source_loc::current()) requires detail::atomic_bitwise<T> {
    return a_.fetch_and(v, relacy::detail::to_rl(mo), at(loc, "weft::atomic::fetch_and"));
  }
  T fetch_or(T v, std::memory_order mo = std::memory_order::seq_cst,
             source_loc loc = source_loc::current()) requires detail::atomic_bitwise<T> {
    return a_.fetch_or(v, relacy::detail::to_rl(mo), at(loc, "weft::atomic::fetch_or"));
  }
  T fetch_xor(T v, std::memory_order mo = std::memory_order::seq_cst,
              source_loc loc = source_loc::current()) requires detail::atomic_bitwise<T> {
    return a_.fetch_xor(v, relacy::detail::to_rl(mo), at(loc, "weft::atomic::fetch_xor"));
  }

  T operator++() requires detail::atomic_arithmetic<T> { return fetch_add(1) + 1; }
  T operator++(int) requires detail::atomic_arithmetic<T> { return fetch_add(1); }
  T operator--() requires detail::atomic_arithmetic<T> { return fetch_sub(1) - 1; }
  T operator--(int) requires detail::atomic_arithmetic<T> { return fetch_sub(1); }
  T operator+=(difference_type d) requires detail::atomic_arithmetic<T> { return fetch_add(d) + d; }
  T operator-=(difference_type d) requires detail::atomic_arithmetic<T> { return fetch_sub(d) - d; }
  T operator&=(T v) requires detail::atomic_bitwise<T> { return fetch_and(v) & v; }
  T operator|=(T v) requires detail::atomic_bitwise<T> { return fetch_or(v) | v; }
  T operator^=(T v) requires detail::atomic_bitwise<T> { return fetch_xor(v) ^ v; }

  // A yield loop: Relacy runs the waiter again only after the others had their turn.
  void wait(T old, std::memory_order mo = std::memory_order::seq_cst,
            source_loc loc = source_loc::current()) const {
    for (;;) {
      const T v = load(mo, loc);
      if (std::memcmp(&v, &old, sizeof(T)) != 0) {
        return;
      }
      rl::yield(1, at(loc, "weft::atomic::wait"));
    }
  }
  void notify_one(source_loc = source_loc::current()) {}
  void notify_all(source_loc = source_loc::current()) {}

 private:
  static constexpr std::memory_order failure_order_for(std::memory_order mo) noexcept {
    if (mo == std::memory_order::acq_rel) return std::memory_order::acquire;
    if (mo == std::memory_order::release) return std::memory_order::relaxed;
    return mo;
  }
  static info at(source_loc loc, const char* what) { return relacy::detail::info(loc, what); }

  mutable rl::atomic<T> a_;
};

// Fences take part in Relacy's memory model; a relaxed fence is no fence.
inline void atomic_thread_fence(std::memory_order mo, source_loc loc = source_loc::current()) {
  if (mo == std::memory_order::relaxed) return;
  rl::atomic_thread_fence(relacy::detail::to_rl(mo),
                          relacy::detail::info(loc, "weft::atomic_thread_fence"));
}
// Relacy has no signal handlers: a compiler fence is all there is to it.
using std::atomic_signal_fence;

}  // namespace weft

#else

#include "weft/sync/runtime.hpp"

namespace weft {
namespace detail {

// Best-effort 64-bit image of a value for traces and spin detection.
template <class T>
std::uint64_t value_bits(const T& v) noexcept {
  std::uint64_t bits = 0;
  if constexpr (std::is_trivially_copyable_v<T>) {
    // NOLINTNEXTLINE(bugprone-sizeof-expression): T may be a pointer; its own bits are wanted
    constexpr std::size_t size = sizeof(T) < sizeof(bits) ? sizeof(T) : sizeof(bits);
    std::memcpy(&bits, &v, size);
  }
  return bits;
}

template <class T>
struct atomic_difference {
  using type = T;
};
template <class T>
struct atomic_difference<T*> {
  using type = std::ptrdiff_t;
};

template <class T>
concept atomic_arithmetic = (std::is_integral_v<T> && !std::is_same_v<T, bool>) ||
                            std::is_floating_point_v<T> || std::is_pointer_v<T>;

template <class T>
concept atomic_bitwise = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// The instrumented path of every atomic member, out of the hot inline body.
template <class T, class Op>
[[gnu::noinline]] auto instrumented_atomic(runtime& rt, op_kind kind, object_slot& slot,
                                           const void* object, std::memory_order order,
                                           source_loc loc, Op&& op) {
  const op_desc desc{kind, &slot, object, order, order, loc};
  rt.before(desc);
  auto result = op();
  rt.after(desc, kind != op_kind::atomic_load, value_bits(result));
  return result;
}

}  // namespace detail

template <class T>
class atomic {
  static_assert(std::is_trivially_copyable_v<T>, "weft::atomic<T> requires trivially copyable T");

 public:
  using value_type = T;
  using difference_type = typename detail::atomic_difference<T>::type;
  static constexpr bool is_always_lock_free = std::atomic<T>::is_always_lock_free;

  constexpr atomic() noexcept(std::is_nothrow_default_constructible_v<T>) : a_() {}
  constexpr atomic(T desired) noexcept : a_(desired) {}  // NOLINT(google-explicit-constructor)
  atomic(const atomic&) = delete;
  atomic& operator=(const atomic&) = delete;
  atomic& operator=(const atomic&) volatile = delete;

  bool is_lock_free() const noexcept { return a_.is_lock_free(); }

  T load(std::memory_order mo = std::memory_order_seq_cst,
         source_loc loc = source_loc::current()) const {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      return instrumented(*rt, detail::op_kind::atomic_load, mo, loc, [&] { return a_.load(mo); });
    }
    return a_.load(mo);
  }

  void store(T desired, std::memory_order mo = std::memory_order_seq_cst,
             source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      instrumented(*rt, detail::op_kind::atomic_store, mo, loc, [&] {
        a_.store(desired, mo);
        return desired;
      });
      return;
    }
    a_.store(desired, mo);
  }

  operator T() const { return load(); }  // NOLINT(google-explicit-constructor)
  T operator=(T desired) {
    store(desired);
    return desired;
  }

  T exchange(T desired, std::memory_order mo = std::memory_order_seq_cst,
             source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      return instrumented(*rt, detail::op_kind::atomic_rmw, mo, loc,
                          [&] { return a_.exchange(desired, mo); });
    }
    return a_.exchange(desired, mo);
  }

  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure, source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      // Modelled as strong: spurious failures are not explored (every CAS loop retries
      // anyway, so they add schedules without adding behaviours).
      return instrumented_cas(*rt, expected, desired, success, failure, loc);
    }
    return a_.compare_exchange_weak(expected, desired, success, failure);
  }
  bool compare_exchange_weak(T& expected, T desired,
                             std::memory_order mo = std::memory_order_seq_cst,
                             source_loc loc = source_loc::current()) {
    return compare_exchange_weak(expected, desired, mo, failure_order_for(mo), loc);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure, source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      return instrumented_cas(*rt, expected, desired, success, failure, loc);
    }
    return a_.compare_exchange_strong(expected, desired, success, failure);
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::memory_order mo = std::memory_order_seq_cst,
                               source_loc loc = source_loc::current()) {
    return compare_exchange_strong(expected, desired, mo, failure_order_for(mo), loc);
  }

  T fetch_add(difference_type d, std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) requires detail::atomic_arithmetic<T> {
    return rmw(mo, loc, [&] { return a_.fetch_add(d, mo); });
  }
  T fetch_sub(difference_type d, std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) requires detail::atomic_arithmetic<T> {
    return rmw(mo, loc, [&] { return a_.fetch_sub(d, mo); });
  }
  T fetch_and(T v, std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) requires detail::atomic_bitwise<T> {
    return rmw(mo, loc, [&] { return a_.fetch_and(v, mo); });
  }
  T fetch_or(T v, std::memory_order mo = std::memory_order_seq_cst,
             source_loc loc = source_loc::current()) requires detail::atomic_bitwise<T> {
    return rmw(mo, loc, [&] { return a_.fetch_or(v, mo); });
  }
  T fetch_xor(T v, std::memory_order mo = std::memory_order_seq_cst,
              source_loc loc = source_loc::current()) requires detail::atomic_bitwise<T> {
    return rmw(mo, loc, [&] { return a_.fetch_xor(v, mo); });
  }

  T operator++() requires detail::atomic_arithmetic<T> { return fetch_add(1) + 1; }
  T operator++(int) requires detail::atomic_arithmetic<T> { return fetch_add(1); }
  T operator--() requires detail::atomic_arithmetic<T> { return fetch_sub(1) - 1; }
  T operator--(int) requires detail::atomic_arithmetic<T> { return fetch_sub(1); }
  T operator+=(difference_type d) requires detail::atomic_arithmetic<T> { return fetch_add(d) + d; }
  T operator-=(difference_type d) requires detail::atomic_arithmetic<T> { return fetch_sub(d) - d; }
  T operator&=(T v) requires detail::atomic_bitwise<T> { return fetch_and(v) & v; }
  T operator|=(T v) requires detail::atomic_bitwise<T> { return fetch_or(v) | v; }
  T operator^=(T v) requires detail::atomic_bitwise<T> { return fetch_xor(v) ^ v; }

  // C++20 waiting. Under the model backend wait() is a yield loop, which the scheduler
  // treats as a spin: the waiter runs again only after another thread writes.
  void wait(T old, std::memory_order mo = std::memory_order_seq_cst,
            source_loc loc = source_loc::current()) const {
    if (detail::active_runtime() != nullptr) [[unlikely]] {
      while (detail::value_bits(load(mo, loc)) == detail::value_bits(old)) {
      }
      return;
    }
    a_.wait(old, mo);
  }
  void notify_one(source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      notify_hook(*rt, loc);
    }
    a_.notify_one();
  }
  void notify_all(source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      notify_hook(*rt, loc);
    }
    a_.notify_all();
  }

 private:
  static constexpr std::memory_order failure_order_for(std::memory_order mo) noexcept {
    if (mo == std::memory_order_acq_rel) return std::memory_order_acquire;
    if (mo == std::memory_order_release) return std::memory_order_relaxed;
    return mo;
  }

  template <class Op>
  T instrumented(detail::runtime& rt, detail::op_kind kind, std::memory_order mo, source_loc loc,
                 Op&& op) const {
    return detail::instrumented_atomic<T>(rt, kind, slot_, this, mo, loc, op);
  }

  template <class Op>
  T rmw(std::memory_order mo, source_loc loc, Op&& op) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      return instrumented(*rt, detail::op_kind::atomic_rmw, mo, loc, op);
    }
    return op();
  }

  [[gnu::noinline]] bool instrumented_cas(detail::runtime& rt, T& expected, T desired,
                                          std::memory_order success, std::memory_order failure,
                                          source_loc loc) {
    const detail::op_desc desc{detail::op_kind::atomic_cas, &slot_, this, success, failure, loc};
    rt.before(desc);
    const bool ok = a_.compare_exchange_strong(expected, desired, success, failure);
    rt.after(desc, ok, detail::value_bits(ok ? desired : expected));
    return ok;
  }

  [[gnu::noinline]] void notify_hook(detail::runtime& rt, source_loc loc) {
    const detail::op_desc desc{
        detail::op_kind::atomic_notify, &slot_, this, std::memory_order_relaxed,
        std::memory_order_relaxed,      loc};
    rt.before(desc);
    rt.after(desc, false, 0);
  }

  std::atomic<T> a_;
  mutable detail::object_slot slot_;
};

// Fences take part in happens-before under the model backend.
inline void atomic_thread_fence(std::memory_order mo, source_loc loc = source_loc::current()) {
  if (auto* rt = detail::active_runtime()) [[unlikely]] {
    const detail::op_desc desc{detail::op_kind::fence, nullptr, nullptr, mo, mo, loc};
    rt->before(desc);
    std::atomic_thread_fence(mo);
    rt->after(desc, false, 0);
    return;
  }
  std::atomic_thread_fence(mo);
}
using std::atomic_signal_fence;

}  // namespace weft

#endif  // WEFT_NATIVE
