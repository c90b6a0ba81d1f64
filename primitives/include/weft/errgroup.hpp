// weft/errgroup.hpp — weft::errgroup: a group of threads working on subtasks of one
// task, where the first error cancels the rest (Go's golang.org/x/sync/errgroup).
//
//   weft::errgroup g(ctx);                 // g.context() is a child of ctx
//   g.set_limit(4);                        // at most 4 subtasks at once
//   for (const auto& url : urls) {
//     g.go([&, url](const weft::context& c) { fetch(c, url); });   // throws on failure
//   }
//   g.wait();                              // rethrows the first failure, once all ended
//
// Subtasks are callables f() or f(const weft::context&) returning void or
// std::error_code. Each runs on its own weft::thread (Go: a goroutine). A subtask fails
// by throwing or by returning a non-zero error_code. The first failure — in the order the
// group records them — is kept, and context() is cancelled at once so the others can
// stop early; later failures are dropped. context() is also cancelled when wait() returns.
//
//   go(f)          starts f, first waiting while the limit is reached;
//   try_go(f)      starts f only if the limit allows it now (false otherwise);
//   set_limit(n)   at most n subtasks run at once (n < 0: no limit — the default; 0:
//                  go() waits until the limit is raised). Unlike Go it may be called at
//                  any time: it applies to later go() calls, and lowering it below the
//                  number running only holds new ones back until enough have ended;
//   wait()         waits for every subtask (including ones started by subtasks), joins
//                  their threads, then rethrows the first failure's exception or returns
//                  its error_code ({} if none). It may be called again: it reports the
//                  same first failure.
//   ~errgroup()    waits like wait(), dropping the error.
//
// Thread-safety: go, try_go, set_limit and active may be called concurrently, also from
// subtasks. Calling wait() or destroying the group from one of its own subtasks
// deadlocks (it would wait for itself).
#pragma once

#include <cstddef>
#include <exception>
#include <list>
#include <mutex>
#include <system_error>
#include <type_traits>
#include <utility>

#include "weft/context.hpp"
#include "weft/sync.hpp"

namespace weft {

class errgroup {
 public:
  // A group whose context is a child of background().
  errgroup() : errgroup(background()) {}
  // A group whose context is a child of `parent` (cancelled with it, too).
  explicit errgroup(const weft::context& parent) : ctx_(with_cancel(parent)) {}
  errgroup(const errgroup&) = delete;
  errgroup& operator=(const errgroup&) = delete;

  ~errgroup() {
    try {
      (void)wait();
    } catch (...) {  // documented: the destructor drops the error
    }
  }

  // The group's context: cancelled by the first failure and when wait() returns.
  const weft::context& context() const noexcept { return ctx_.first; }

  // Starts f on a new thread once fewer than limit subtasks run. Throws std::system_error
  // if the thread cannot be started (f is then not run).
  template <class F>
  void go(F&& f) {
    std::unique_lock<weft::mutex> lk(m_);
    room_.wait(lk, [&] { return has_room(); });
    start_locked(lk, std::forward<F>(f));
  }

  // Starts f if fewer than limit subtasks run now; false (f not run) otherwise.
  template <class F>
  bool try_go(F&& f) {
    std::unique_lock<weft::mutex> lk(m_);
    if (!has_room()) {
      return false;
    }
    start_locked(lk, std::forward<F>(f));
    return true;
  }

  // At most n subtasks at once; n < 0: no limit.
  void set_limit(int n) {
    std::lock_guard<weft::mutex> g(m_);
    limit_ = n;
    room_.notify_all();
  }

  // Subtasks running now.
  std::size_t active() const {
    std::lock_guard<weft::mutex> g(m_);
    return active_;
  }

  // Waits for every subtask, joins them, cancels context(), then reports the first
  // failure: rethrows its exception, or returns its error_code ({} when none failed).
  std::error_code wait() {
    std::list<weft::thread> all;
    {
      std::unique_lock<weft::mutex> lk(m_);
      done_.wait(lk, [&] { return active_ == 0; });
      all.swap(threads_);
      finished_.clear();
    }
    for (auto& t : all) {
      t.join();
    }
    ctx_.second();
    std::lock_guard<weft::mutex> g(m_);
    if (error_ != nullptr) {
      std::rethrow_exception(error_);
    }
    return code_;
  }

 private:
  using thread_iter = std::list<weft::thread>::iterator;

  // m_ held.
  bool has_room() const { return limit_ < 0 || active_ < static_cast<std::size_t>(limit_); }

  template <class F>
  void start_locked(std::unique_lock<weft::mutex>& lk, F&& f) {
    using Fn = std::decay_t<F>;
    constexpr bool takes_ctx = std::is_invocable_v<Fn&, const weft::context&>;
    static_assert(takes_ctx || std::is_invocable_v<Fn&>,
                  "weft::errgroup subtask: callable as f() or f(const weft::context&)");
    using R = typename std::conditional_t<takes_ctx, std::invoke_result<Fn&, const weft::context&>,
                                          std::invoke_result<Fn&>>::type;
    static_assert(std::is_void_v<R> || std::is_same_v<R, std::error_code>,
                  "weft::errgroup subtask: returns void or std::error_code");

    std::list<weft::thread> joinable = reap_locked();
    const thread_iter it = threads_.emplace(threads_.end());
    ++active_;
    try {
      // The new thread takes m_ only when it ends, so assigning its handle here, under
      // m_, happens before it can mark itself finished.
      *it = weft::thread([this, it, fn = Fn(std::forward<F>(f))]() mutable {
        std::error_code ec;
        std::exception_ptr ex;
        try {
          if constexpr (std::is_void_v<R>) {
            if constexpr (takes_ctx) {
              fn(ctx_.first);
            } else {
              fn();
            }
          } else if constexpr (takes_ctx) {
            ec = fn(ctx_.first);
          } else {
            ec = fn();
          }
        } catch (...) {
          ex = std::current_exception();
        }
        finish(it, ec, ex);
      });
    } catch (...) {
      threads_.erase(it);
      --active_;
      room_.notify_one();
      lk.unlock();
      join_all(joinable);
      throw;
    }
    lk.unlock();
    join_all(joinable);
  }

  // A subtask ended: record its failure if it is the first, cancel the context (outside
  // the lock: cancelling takes the context's locks), then let wait() and go() see it.
  void finish(thread_iter self, const std::error_code& ec, std::exception_ptr ex) {
    bool first = false;
    if (ec || ex != nullptr) {
      std::lock_guard<weft::mutex> g(m_);
      if (!failed_) {
        failed_ = true;
        code_ = ec;
        error_ = std::move(ex);
        first = true;
      }
    }
    if (first) {
      ctx_.second();
    }
    std::lock_guard<weft::mutex> g(m_);
    --active_;
    finished_.push_back(self);
    room_.notify_one();
    if (active_ == 0) {
      done_.notify_all();
    }
  }

  // Threads of subtasks that have ended, taken out of threads_ to be joined. m_ held.
  std::list<weft::thread> reap_locked() {
    std::list<weft::thread> out;
    for (const thread_iter& it : finished_) {
      out.splice(out.end(), threads_, it);
    }
    finished_.clear();
    return out;
  }

  static void join_all(std::list<weft::thread>& ts) {
    for (auto& t : ts) {
      t.join();
    }
  }

  const std::pair<weft::context, cancel_func> ctx_;
  mutable weft::mutex m_;
  weft::condition_variable room_;    // go() waits for active_ < limit_     [m_]
  weft::condition_variable done_;    // wait() waits for active_ == 0       [m_]
  int limit_ = -1;                   // [m_]
  std::size_t active_ = 0;           // subtasks started and not finished    [m_]
  std::list<weft::thread> threads_;  // not yet joined; nodes stable [m_]
  std::list<thread_iter> finished_;  // nodes of ended subtasks      [m_]
  bool failed_ = false;              // [m_]
  std::error_code code_;             // the first failure's code     [m_]
  std::exception_ptr error_;         // ...or exception              [m_]
};

}  // namespace weft
