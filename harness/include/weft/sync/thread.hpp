// weft/sync/thread.hpp — weft::thread.
//
// Constructed like std::thread, movable, storable in containers; join, joinable, detach.
// Under the model backend a weft::thread is a logical thread (a fiber) of the current
// execution; under stress it is a real thread that inherits the stress backend.
// Destroying a joinable weft::thread is an error: std::terminate outside the model
// backend (as std::thread), a `leaked_thread` failure inside it.
#pragma once

#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

#if defined(WEFT_NATIVE)

namespace weft {
using thread = std::thread;
}

#elif defined(WEFT_RELACY)

// Relacy flavour: a weft::thread is one of Relacy's dynamic threads (ctx().create_thread,
// as rl::dyn_thread uses). Relacy allocates them up front: the suite reserves how many
// may be started per iteration (weft::relacy::test_suite's Spawned parameter), and
// starting more fails the test with a message. Start and join synchronize as for
// std::thread. An exception escaping the thread fails the iteration; destroying a
// joinable weft::thread fails it too (std::thread would terminate).
#include "weft/relacy/session.hpp"

namespace weft {

class thread {
 public:
  thread() noexcept = default;

  template <class F, class... Args>
  requires(!std::is_same_v<std::remove_cvref_t<F>, thread>) explicit thread(F&& f, Args&&... args) {
    relacy::detail::take_thread_slot(source_loc::current());
    auto b = make_body(std::forward<F>(f), std::forward<Args>(args)...);
    handle_ = rl::ctx().create_thread(&trampoline, b.get());
    (void)b.release();  // the thread owns it now
  }

  thread(thread&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  thread& operator=(thread&& other) noexcept {
    if (joinable()) abandon();
    handle_ = std::exchange(other.handle_, nullptr);
    return *this;
  }
  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;

  ~thread() {
    if (joinable()) abandon();
  }

  bool joinable() const noexcept { return handle_ != nullptr; }

  void join(source_loc loc = source_loc::current()) {
    check_joinable();
    (void)handle_->wait(/*try_wait=*/false, /*is_timed=*/false,
                        relacy::detail::info(loc, "weft::thread::join"));
    handle_ = nullptr;
  }

  void detach(source_loc = source_loc::current()) {
    check_joinable();
    handle_ = nullptr;
  }

  void swap(thread& other) noexcept { std::swap(handle_, other.handle_); }

  static unsigned hardware_concurrency() noexcept { return std::thread::hardware_concurrency(); }

 private:
  struct body_base {
    virtual ~body_base() = default;
    virtual void run() = 0;
  };

  template <class F, class... Args>
  static std::unique_ptr<body_base> make_body(F&& f, Args&&... args) {
    struct body final : body_base {
      std::decay_t<F> fn;
      std::tuple<std::decay_t<Args>...> args;
      body(F&& f, Args&&... a) : fn(std::forward<F>(f)), args(std::forward<Args>(a)...) {}
      void run() override { std::apply(std::move(fn), std::move(args)); }
    };
    return std::make_unique<body>(std::forward<F>(f), std::forward<Args>(args)...);
  }

  static void* trampoline(void* p) {
    std::unique_ptr<body_base> b(static_cast<body_base*>(p));
    relacy::detail::run_guarded([&] { b->run(); }, "a weft::thread");
    return nullptr;
  }

  void check_joinable() const {
    if (!joinable()) throw std::system_error(std::make_error_code(std::errc::invalid_argument));
  }

  void abandon() noexcept {
    handle_ = nullptr;
    relacy::detail::fail("weft::thread destroyed while joinable (neither joined nor detached)",
                         rl::test_result_user_assert_failed, source_loc{});
  }

  rl::win_waitable_object* handle_ = nullptr;
};

}  // namespace weft

#else

#include "weft/sync/runtime.hpp"

namespace weft {

class thread {
 public:
  thread() noexcept = default;

  template <class F, class... Args>
  requires(!std::is_same_v<std::remove_cvref_t<F>, thread>) explicit thread(F&& f, Args&&... args) {
    spawn(make_body(std::forward<F>(f), std::forward<Args>(args)...), source_loc::current());
  }

  thread(thread&& other) noexcept { swap(other); }
  thread& operator=(thread&& other) noexcept {
    if (joinable()) abandon();
    swap(other);
    return *this;
  }
  thread(const thread&) = delete;
  thread& operator=(const thread&) = delete;

  ~thread() {
    if (joinable()) abandon();
  }

  bool joinable() const noexcept { return rt_ != nullptr || state_.native.joinable(); }

  void join(source_loc loc = source_loc::current()) {
    check_joinable();
    if (rt_ != nullptr) {
      check_owner();
      rt_->thread_join(state_, loc);
      rt_ = nullptr;
      return;
    }
    state_.native.join();
  }

  void detach(source_loc loc = source_loc::current()) {
    check_joinable();
    if (rt_ != nullptr) {
      check_owner();
      rt_->thread_detach(state_, loc);
      rt_ = nullptr;
      return;
    }
    state_.native.detach();
  }

  void swap(thread& other) noexcept {
    std::swap(rt_, other.rt_);
    std::swap(state_.native, other.state_.native);
    std::swap(state_.id, other.state_.id);
    std::swap(state_.epoch, other.state_.epoch);
    std::swap(state_.backend, other.state_.backend);
  }

  static unsigned hardware_concurrency() noexcept { return std::thread::hardware_concurrency(); }

 private:
  template <class F, class... Args>
  static std::unique_ptr<detail::thread_body> make_body(F&& f, Args&&... args) {
    struct body final : detail::thread_body {
      std::decay_t<F> fn;
      std::tuple<std::decay_t<Args>...> args;
      body(F&& f, Args&&... a) : fn(std::forward<F>(f)), args(std::forward<Args>(a)...) {}
      void run() override { std::apply(std::move(fn), std::move(args)); }
    };
    return std::make_unique<body>(std::forward<F>(f), std::forward<Args>(args)...);
  }

  void spawn(std::unique_ptr<detail::thread_body> b, source_loc loc) {
    if (auto* rt = detail::active_runtime()) [[unlikely]] {
      rt->thread_spawn(state_, std::move(b), loc);
      rt_ = rt;
      return;
    }
    state_.native = std::thread([b = std::move(b)] { b->run(); });
  }

  void check_joinable() const {
    if (!joinable()) throw std::system_error(std::make_error_code(std::errc::invalid_argument));
  }

  // A logical thread belongs to the backend session that spawned it; once that session
  // is over (the model execution ended), the handle is inert.
  void check_owner() const {
    if (rt_ != detail::active_runtime()) {
      throw std::logic_error("weft::thread: this thread belongs to a checker run that has ended");
    }
  }

  void abandon() noexcept {
    if (rt_ != nullptr) {
      if (rt_ == detail::active_runtime()) rt_->thread_abandoned(state_, source_loc{});
      rt_ = nullptr;
      return;
    }
    std::fputs("weft::thread destroyed while joinable (neither joined nor detached)\n", stderr);
    std::terminate();
  }

  // Set when a backend spawned this thread and owns its join/detach.
  detail::runtime* rt_ = nullptr;
  detail::thread_state state_;
};

}  // namespace weft

#endif  // WEFT_NATIVE
