// weft/sync/var.hpp — weft::var<T>, plain shared data whose accesses are race-checked.
//
// Wrap the non-atomic state a component shares between threads (a counter guarded by a
// mutex, a buffer published through an atomic flag) in weft::var. Under the model
// backend every access is checked against the happens-before relation built from
// mutexes, condition variables, thread start/join and atomics with their memory orders;
// two accesses to the same var, at least one a write, that are not ordered are reported
// as a data race with both source lines. Outside the model backend it is just a T.
#pragma once

#include <utility>

#include "weft/sync/source_loc.hpp"
#if defined(WEFT_RELACY)
#include "weft/relacy/session.hpp"
#elif !defined(WEFT_NATIVE)
#include "weft/sync/runtime.hpp"
#endif

namespace weft {

template <class T>
class var {
 public:
  var() = default;
  var(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  var(const var&) = delete;
  var& operator=(const var&) = delete;

  // Reads the value (a read access).
  T load(source_loc loc = source_loc::current()) const {
    access(false, loc);
    return value_;
  }

  // Replaces the value (a write access).
  void store(T value, source_loc loc = source_loc::current()) {
    access(true, loc);
    value_ = std::move(value);
  }

  operator T() const { return load(); }  // NOLINT(google-explicit-constructor)
  var& operator=(T value) {
    store(std::move(value));
    return *this;
  }

  // In-place access for values that are not cheap to copy (containers): get() records a
  // read, get_mut() a write; the reference must not be kept across other operations.
  const T& get(source_loc loc = source_loc::current()) const {
    access(false, loc);
    return value_;
  }
  T& get_mut(source_loc loc = source_loc::current()) {
    access(true, loc);
    return value_;
  }

 private:
#if defined(WEFT_NATIVE)
  static void access(bool, source_loc) noexcept {}
#elif defined(WEFT_RELACY)
  // Relacy flavour: every access is checked by a shadow rl::var (Relacy's data-race
  // detector for plain data), so T itself needs nothing from Relacy and get()/get_mut()
  // keep returning references. Histories show the shadow's accesses (value 0) at the
  // caller's file:line.
  void access(bool write, source_loc loc) const {
    if (write) {
      shadow_.store(0, relacy::detail::info(loc, "weft::var (write)"));
    } else {
      (void)shadow_.load(relacy::detail::info(loc, "weft::var (read)"));
    }
  }
  struct shadow {
    shadow() : v(0) {}
    void store(int x, const rl::debug_info& at) { v(at).store(x); }
    int load(const rl::debug_info& at) const { return v(at).load(); }
    rl::var<int> v;
  };
  mutable shadow shadow_;
#else
  void access(bool write, source_loc loc) const {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      const detail::op_desc desc{write ? detail::op_kind::var_write : detail::op_kind::var_read,
                                 &slot_,
                                 this,
                                 std::memory_order_relaxed,
                                 std::memory_order_relaxed,
                                 loc};
      rt->before(desc);
      rt->after(desc, write, 0);
    }
  }
  mutable detail::object_slot slot_;
#endif
  T value_{};
};

}  // namespace weft
