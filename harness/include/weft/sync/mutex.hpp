// weft/sync/mutex.hpp — weft::mutex and weft::shared_mutex.
//
// Same members as std::mutex / std::shared_mutex, so std::lock_guard, std::unique_lock,
// std::shared_lock, std::scoped_lock and std::lock work unchanged. Under the model
// backend the mutex is modelled (owner, waiters, happens-before from unlock to the next
// lock) and the real std::mutex is left untouched; under stress the real one is used
// with delays injected around it.
#pragma once

#include <mutex>
#include <shared_mutex>

#if defined(WEFT_NATIVE)

namespace weft {
using mutex = std::mutex;
using shared_mutex = std::shared_mutex;
}  // namespace weft

#elif defined(WEFT_RELACY)

// Relacy flavour: rl::mutex (non-recursive; Relacy reports recursive locking, unlocking
// a mutex the thread does not own and destroying a locked one) and a reader-writer
// rl::generic_mutex. try_lock may fail spuriously, as the standard allows; Relacy
// explores that. No native_handle().
#include "weft/relacy/session.hpp"

namespace weft {

class condition_variable;

class mutex {
 public:
  mutex() = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  void lock(source_loc loc = source_loc::current()) {
    m_.lock(relacy::detail::info(loc, "weft::mutex::lock"));
  }
  bool try_lock(source_loc loc = source_loc::current()) {
    return m_.try_lock(relacy::detail::info(loc, "weft::mutex::try_lock"));
  }
  void unlock(source_loc loc = source_loc::current()) {
    m_.unlock(relacy::detail::info(loc, "weft::mutex::unlock"));
  }

 private:
  friend class condition_variable;
  rl::mutex m_;
};

class shared_mutex {
 public:
  shared_mutex() {
    m_.init(/*is_rw=*/true, /*is_exclusive_recursive=*/false, /*is_shared_recursive=*/false,
            /*failing_try_lock=*/true,
            relacy::detail::info(source_loc::current(), "weft::shared_mutex"));
  }
  ~shared_mutex() { m_.deinit(relacy::detail::info(source_loc{}, "weft::shared_mutex")); }
  shared_mutex(const shared_mutex&) = delete;
  shared_mutex& operator=(const shared_mutex&) = delete;

  void lock(source_loc loc = source_loc::current()) {
    m_.lock_exclusive(relacy::detail::info(loc, "weft::shared_mutex::lock"));
  }
  bool try_lock(source_loc loc = source_loc::current()) {
    return m_.try_lock_exclusive(relacy::detail::info(loc, "weft::shared_mutex::try_lock"));
  }
  void unlock(source_loc loc = source_loc::current()) {
    m_.unlock_exclusive(relacy::detail::info(loc, "weft::shared_mutex::unlock"));
  }
  void lock_shared(source_loc loc = source_loc::current()) {
    m_.lock_shared(relacy::detail::info(loc, "weft::shared_mutex::lock_shared"));
  }
  bool try_lock_shared(source_loc loc = source_loc::current()) {
    return m_.try_lock_shared(relacy::detail::info(loc, "weft::shared_mutex::try_lock_shared"));
  }
  void unlock_shared(source_loc loc = source_loc::current()) {
    m_.unlock_shared(relacy::detail::info(loc, "weft::shared_mutex::unlock_shared"));
  }

 private:
  struct tag;
  rl::generic_mutex<tag> m_;
};

}  // namespace weft

#else

#include "weft/sync/runtime.hpp"

namespace weft {

class condition_variable;

class mutex {
 public:
  using native_handle_type = std::mutex::native_handle_type;

  constexpr mutex() noexcept = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  void lock(source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      rt->mutex_lock(slot_, m_, loc);
      return;
    }
    m_.lock();
  }

  bool try_lock(source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      return rt->mutex_try_lock(slot_, m_, loc);
    }
    return m_.try_lock();
  }

  void unlock(source_loc loc = source_loc::current()) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      rt->mutex_unlock(slot_, m_, loc);
      return;
    }
    m_.unlock();
  }

  native_handle_type native_handle() { return m_.native_handle(); }

 private:
  friend class condition_variable;
  std::mutex m_;
  detail::object_slot slot_;
};

class shared_mutex {
 public:
  using native_handle_type = std::shared_mutex::native_handle_type;

  shared_mutex() = default;
  shared_mutex(const shared_mutex&) = delete;
  shared_mutex& operator=(const shared_mutex&) = delete;

  void lock(source_loc loc = source_loc::current()) { lock_impl(false, loc); }
  bool try_lock(source_loc loc = source_loc::current()) { return try_lock_impl(false, loc); }
  void unlock(source_loc loc = source_loc::current()) { unlock_impl(false, loc); }

  void lock_shared(source_loc loc = source_loc::current()) { lock_impl(true, loc); }
  bool try_lock_shared(source_loc loc = source_loc::current()) { return try_lock_impl(true, loc); }
  void unlock_shared(source_loc loc = source_loc::current()) { unlock_impl(true, loc); }

  native_handle_type native_handle() { return m_.native_handle(); }

 private:
  void lock_impl(bool shared, source_loc loc) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      rt->shared_mutex_lock(slot_, m_, shared, loc);
      return;
    }
    shared ? m_.lock_shared() : m_.lock();
  }
  bool try_lock_impl(bool shared, source_loc loc) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      return rt->shared_mutex_try_lock(slot_, m_, shared, loc);
    }
    return shared ? m_.try_lock_shared() : m_.try_lock();
  }
  void unlock_impl(bool shared, source_loc loc) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      rt->shared_mutex_unlock(slot_, m_, shared, loc);
      return;
    }
    shared ? m_.unlock_shared() : m_.unlock();
  }

  std::shared_mutex m_;
  detail::object_slot slot_;
};

}  // namespace weft

#endif  // WEFT_NATIVE
