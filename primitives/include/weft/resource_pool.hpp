// weft/resource_pool.hpp — weft::resource_pool<T>: a bounded pool of reusable resources
// (connections, clients, buffers) handed out as RAII leases (HikariCP, Go's database/sql).
//
//   weft::resource_pool<connection> pool(
//       [] { return connection::open("db:5432"); },        // factory
//       {.name = "db", .max_size = 10, .min_idle = 2,
//        .idle_timeout = 10min, .max_lifetime = 30min},
//       [](connection& c) { c.close(); },                  // destroyer (optional)
//       [](connection& c) { return c.ping(); });           // validator (optional)
//
//   if (auto conn = pool.acquire(ctx)) {   // waits for a free connection, or ctx
//     conn->query("...");
//     if (conn->broken()) conn.discard();  // destroy it and free its slot
//   }                                      // otherwise it goes back to the pool here
//
// Rules:
//   * at most max_size resources exist at any time — idle, leased, or being created by
//     the factory (a slot is reserved before the factory runs and freed only after the
//     destroyer has returned);
//   * acquire takes the most recently returned idle resource (hot ones stay hot, cold
//     ones expire), else creates one if a slot is free, else waits. Waiters are served
//     in FIFO order, one per returned resource or freed slot (no thundering herd), and
//     an arriving acquirer never overtakes them;
//   * the factory, destroyer and validator run outside the pool's lock. A factory that
//     throws gives its slot back (to the next waiter) and the exception propagates from
//     acquire; the validator's exception counts as "invalid"; a destroyer must not throw
//     (its exceptions are swallowed);
//   * validation on borrow: an idle resource the validator rejects — or one past its
//     idle_timeout or max_lifetime (weft::clock) — is destroyed and acquire tries again;
//     a returned resource past max_lifetime is destroyed instead of kept. Expired idle
//     resources are also evicted by maintain(), which tops the idle set up to min_idle —
//     call it periodically (there is no background thread, so model tests leak none);
//   * acquire(ctx) / acquire_for / acquire_until return an empty lease when the context
//     is done or the time runs out first (a done context fails even if a resource is
//     free); try_acquire never waits (it may run the factory);
//   * close() makes every acquire form — and every acquirer already waiting — throw
//     weft::pool_closed; idle resources are destroyed at once, leased ones when they come
//     back. The destructor closes the pool.
//
// Ownership: leases keep the pool's shared state alive, so a lease may outlive the pool
// object (its resource is then destroyed when it ends). The pool itself must not be
// destroyed while other threads are inside its member functions.
// Thread-safety: every member may be called concurrently; a lease is used by one thread
// at a time. Written on the sync facade: model mode explores it on virtual time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "weft/context.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/detail/grant_queue.hpp"
#include "weft/errors.hpp"
#include "weft/sync.hpp"

namespace weft {

struct resource_pool_options {
  std::string name = "resource_pool";
  std::size_t max_size = 8;               // >= 1
  std::size_t min_idle = 0;               // maintain() keeps this many idle (<= max_size)
  weft::clock::duration idle_timeout{0};  // idle longer than this: destroyed; 0: never
  weft::clock::duration max_lifetime{0};  // older than this: not reused; 0: never
};

// A snapshot, taken under the pool's lock.
struct resource_pool_stats {
  std::size_t total = 0;               // resources that exist or are being created (<= max_size)
  std::size_t idle = 0;                // in the pool, ready to lend
  std::size_t in_use = 0;              // lent out (including being validated)
  std::size_t creating = 0;            // factory calls in progress
  std::size_t waiting = 0;             // acquirers blocked right now
  std::uint64_t acquired = 0;          // leases handed out
  std::uint64_t created = 0;           // factory calls that returned
  std::uint64_t destroyed = 0;         // resources destroyed (expired, invalid, discarded, closed)
  std::uint64_t failed_creates = 0;    // factory calls that threw
  std::uint64_t timeouts = 0;          // acquirers that gave up (timeout or context)
  weft::clock::duration wait_time{0};  // total time acquirers spent blocked
};

template <class T>
class resource_pool {
 public:
  using factory_fn = std::function<T()>;
  using destroyer_fn = std::function<void(T&)>;
  using validator_fn = std::function<bool(T&)>;

  class lease;

  // Throws std::invalid_argument if max_size is 0, min_idle > max_size or the factory is
  // empty. Creates nothing yet (see maintain()).
  explicit resource_pool(factory_fn factory, resource_pool_options opts = {},
                         destroyer_fn destroyer = {}, validator_fn validator = {})
      : core_(new core(std::move(factory), std::move(opts), std::move(destroyer),
                       std::move(validator))) {}
  resource_pool(const resource_pool&) = delete;
  resource_pool& operator=(const resource_pool&) = delete;
  ~resource_pool() {
    close();
    core_->orphan();  // deletes it now, or the last lease to end does
  }

  // Blocks until a resource is available. Throws pool_closed, or what the factory threw.
  lease acquire() { return core_->acquire(nullptr, nullptr); }
  // As acquire(), or an empty lease once ctx is done.
  lease acquire(const context& ctx) { return core_->acquire(&ctx, nullptr); }
  template <class Rep, class Period>
  lease acquire_for(const std::chrono::duration<Rep, Period>& d) {
    const auto deadline = detail::deadline_after(d);
    return core_->acquire(nullptr, &deadline);
  }
  template <class Clock, class Duration>
  lease acquire_until(const std::chrono::time_point<Clock, Duration>& tp) {
    const auto deadline = detail::to_deadline(tp);
    return core_->acquire(nullptr, &deadline);
  }
  // An idle resource, or a new one if a slot is free; an empty lease otherwise. Never
  // waits for another thread. Throws pool_closed, or what the factory threw.
  lease try_acquire() { return core_->try_acquire(); }

  // Fails new and waiting acquirers with pool_closed, destroys the idle resources now and
  // leased ones as they come back. Idempotent.
  void close() { core_->close(); }

  // Destroys idle resources past idle_timeout or max_lifetime, then creates resources
  // until min_idle are idle (or max_size exist). Factory exceptions propagate (the
  // resources created so far are kept).
  void maintain() { core_->maintain(); }

  resource_pool_stats stats() const { return core_->stats(); }
  const std::string& name() const noexcept { return core_->opts.name; }

 private:
  using time_point = weft::clock::time_point;

  struct item {
    T value;
    time_point created;
    time_point returned;  // when it last became idle
  };

  // The state shared by the pool and its leases. Its lifetime is counted under its own
  // mutex rather than by a std::shared_ptr (two atomic read-modify-writes per lease saved):
  // refs_ counts the pool object plus every acquisition in progress or lease alive; the
  // critical section that drops the last reference deletes the core after it unlocks.
  class core {
   public:
    core(factory_fn f, resource_pool_options o, destroyer_fn d, validator_fn v)
        : opts(std::move(o)),
          factory_(std::move(f)),
          destroyer_(std::move(d)),
          validator_(std::move(v)) {
      if (opts.max_size == 0 || opts.min_idle > opts.max_size || !factory_) {
        throw std::invalid_argument(
            "weft::resource_pool: need a factory, max_size >= 1 and min_idle <= max_size");
      }
    }

    lease acquire(const context* ctx, const detail::time_point* deadline) {
      for (;;) {
        if (ctx != nullptr && detail::is_done(*ctx)) {
          count_timeout();
          return {};
        }
        request r;
        {
          detail::lock_spinning(m_);
          std::lock_guard<weft::mutex> g(m_, std::adopt_lock);
          // The analyzer has the previous round's empty lease give back an item and drop
          // the last reference; this acquisition holds one, so the core outlives the loop.
          // NOLINTNEXTLINE(clang-analyzer-cplusplus.NewDelete)
          if (closed_) {
            throw pool_closed();
          }
          if (!try_grant(r)) {
            if (deadline != nullptr && weft::clock::now() >= *deadline) {
              ++counters_.timeouts;
              return {};
            }
          }
        }
        if (!r.granted()) {
          const auto t0 = weft::clock::now();
          const bool ok = detail::wait_granted(*this, r, ctx, deadline);
          const auto waited = weft::clock::now() - t0;
          std::lock_guard<weft::mutex> g(m_);
          counters_.wait_time += waited;
          if (!ok) {
            ++counters_.timeouts;
            return {};
          }
        }
        if (lease l = complete(r); l) {
          return l;
        }
        // The resource it got was invalid or expired and has been destroyed: again.
      }
    }

    lease try_acquire() {
      for (;;) {
        request r;
        {
          std::lock_guard<weft::mutex> g(m_);
          // As in acquire(): the analyzer's path needs an empty lease that gives back an item.
          // NOLINTNEXTLINE(clang-analyzer-cplusplus.NewDelete)
          if (closed_) {
            throw pool_closed();
          }
          if (!try_grant(r)) {
            return {};
          }
        }
        if (lease l = complete(r); l) {
          return l;
        }
      }
    }

    void close() {
      std::vector<std::unique_ptr<item>> doomed;
      detail::wake_list wake;
      {
        std::lock_guard<weft::mutex> g(m_);
        if (closed_) {
          return;
        }
        closed_ = true;
        doomed.swap(idle_.get_mut());
        dispatch(wake);  // every waiter fails with pool_closed
      }
      wake.wake_all();
      destroy_all(doomed);
    }

    void maintain() {
      std::vector<std::unique_ptr<item>> doomed;
      {
        std::lock_guard<weft::mutex> g(m_);
        const time_point now = weft::clock::now();
        auto& idle = idle_.get_mut();
        for (auto it = idle.begin(); it != idle.end();) {
          if (expired(**it, now)) {
            doomed.push_back(std::move(*it));
            it = idle.erase(it);
          } else {
            ++it;
          }
        }
      }
      destroy_all(doomed);
      for (;;) {
        {
          std::lock_guard<weft::mutex> g(m_);
          if (closed_ || idle_.get().size() + creating_ >= opts.min_idle ||
              total_ >= opts.max_size || waiters_.has_live()) {
            return;
          }
          ++total_;
          ++creating_;
        }
        std::unique_ptr<item> made = create();  // gives the slot back if it throws
        detail::wake_list wake;
        {
          std::lock_guard<weft::mutex> g(m_);
          --creating_;
          idle_.get_mut().push_back(std::move(made));
          dispatch(wake);  // a waiter that arrived meanwhile takes it
        }
        wake.wake_all();
      }
    }

    resource_pool_stats stats() const {
      std::lock_guard<weft::mutex> g(m_);
      resource_pool_stats s = counters_;
      s.total = total_;
      s.idle = idle_.get().size();
      s.in_use = in_use_;
      s.creating = creating_;
      s.waiting = waiters_.count_live();
      return s;
    }

    // A lease ends: keep the resource, or destroy it if the pool is closed or it is too
    // old. A freed slot or a returned resource goes to the first waiter.
    void give_back(std::unique_ptr<item> it) noexcept {
      const time_point now = timed() ? weft::clock::now() : time_point{};
      detail::wake_list wake;
      bool keep = false;
      bool last = false;
      {
        detail::lock_spinning(m_);
        std::lock_guard<weft::mutex> g(m_, std::adopt_lock);
        --in_use_;
        keep = !closed_ && !too_old(*it, now);
        if (keep) {
          it->returned = now;
          idle_.get_mut().push_back(std::move(it));
          dispatch(wake);
          last = release_ref_locked();
        }
      }
      wake.wake_all();
      if (!keep) {
        destroy_in_use(std::move(it), false);
      } else if (last) {
        delete this;
      }
    }

    // The pool object is going away: its reference goes. m_ not held.
    void orphan() noexcept {
      bool last = false;
      {
        std::lock_guard<weft::mutex> g(m_);
        pool_alive_ = false;
        last = release_ref_locked();
      }
      if (last) {
        delete this;
      }
    }

    // A lease is discarded: destroy the resource, then free its slot.
    void discard(std::unique_ptr<item> it) noexcept { destroy_in_use(std::move(it), true); }

    const resource_pool_options opts;

   private:
    template <class Owner, class Request>
    friend class detail::grant_case;

    // What an acquirer was granted (under m_): an idle resource, a reserved slot to
    // create one in, or "closed".
    struct request {
      std::unique_ptr<item> res;
      bool create = false;
      bool closed = false;
      bool granted() const noexcept { return res != nullptr || create || closed; }
    };

    // ---- the grant protocol (detail/grant_queue.hpp); m_ held ----
    weft::mutex& grant_mutex() noexcept { return m_; }
    detail::grant_queue& waiters() noexcept { return waiters_; }
    bool grant_ready(const request&) { return closed_ || (can_serve() && !waiters_.has_live()); }
    bool try_grant(request& r) {
      if (!grant_ready(r)) {
        return false;
      }
      serve(r);
      return true;
    }
    void dispatch(detail::wake_list& wake) {
      while (detail::wait_node* n = waiters_.front()) {
        if (!closed_ && !can_serve()) {
          break;
        }
        if (waiters_.claim(n)) {
          serve(*static_cast<request*>(n->slot));
          wake.add(n);
        }
      }
    }
    bool can_serve() const { return !idle_.get().empty() || total_ < opts.max_size; }
    void serve(request& r) {
      if (closed_) {
        r.closed = true;
        return;
      }
      ++in_use_;
      ++refs_;
      if (!idle_.get().empty()) {
        r.res = std::move(idle_.get_mut().back());  // most recently returned first
        idle_.get_mut().pop_back();
        ++counters_.acquired;
        return;
      }
      ++total_;
      ++creating_;
      r.create = true;
    }

    // ---- outside the lock ----

    // Turns a grant into a lease: creates in the reserved slot, or validates the idle
    // resource. An empty lease: the resource was bad, destroyed, and its slot freed.
    lease complete(request& r) {
      if (r.closed) {
        throw pool_closed();
      }
      if (r.create) {
        std::unique_ptr<item> made;
        try {
          made = create();
        } catch (...) {
          drop_ref([&] { --in_use_; });
          throw;
        }
        std::lock_guard<weft::mutex> g(m_);
        --creating_;
        ++counters_.acquired;
        return lease(this, std::move(made));
      }
      if (!usable(*r.res)) {
        destroy_in_use(std::move(r.res), true);
        return {};
      }
      return lease(this, std::move(r.res));  // counted as acquired by serve()
    }

    // Runs the factory in a reserved slot (total_ and creating_ counted). On an
    // exception the slot goes back — to the first waiter, who may try in turn.
    std::unique_ptr<item> create() {
      try {
        const time_point now = weft::clock::now();
        auto made = std::unique_ptr<item>(new item{factory_(), now, now});
        std::lock_guard<weft::mutex> g(m_);
        ++counters_.created;
        return made;
      } catch (...) {
        detail::wake_list wake;
        {
          std::lock_guard<weft::mutex> g(m_);
          --creating_;
          --total_;
          ++counters_.failed_creates;
          dispatch(wake);
        }
        wake.wake_all();
        throw;
      }
    }

    bool usable(item& it) {
      if (timed() && expired(it, weft::clock::now())) {
        return false;
      }
      if (!validator_) {
        return true;
      }
      try {
        return validator_(it.value);
      } catch (...) {
        return false;
      }
    }

    // Whether resources expire at all (else the clock is never read for them).
    bool timed() const noexcept { return timed_; }

    bool too_old(const item& it, time_point now) const {
      return opts.max_lifetime > weft::clock::duration::zero() &&
             now - it.created >= opts.max_lifetime;
    }
    bool expired(const item& it, time_point now) const {
      return too_old(it, now) || (opts.idle_timeout > weft::clock::duration::zero() &&
                                  now - it.returned >= opts.idle_timeout);
    }

    void run_destroyer(item& it) noexcept {
      if (destroyer_) {
        try {
          destroyer_(it.value);
        } catch (...) {  // documented: a destroyer must not throw; nothing to do here
        }
      }
    }

    // Destroys a resource that was lent out, then frees its slot. `counted`: in_use_
    // still counts it (discard, failed validation; give_back has already uncounted it).
    // Ends the acquisition or lease it belonged to (drops its reference).
    void destroy_in_use(std::unique_ptr<item> it, bool counted) noexcept {
      run_destroyer(*it);
      it.reset();
      drop_ref([&] {
        if (counted) {
          --in_use_;
        }
        --total_;
        ++counters_.destroyed;
      });
    }

    // Runs `f` under m_, serves the waiters, drops one reference; deletes the core if it
    // was the last. The caller must not touch the core afterwards.
    template <class F>
    void drop_ref(F&& f) noexcept {
      detail::wake_list wake;
      bool last = false;
      {
        std::lock_guard<weft::mutex> g(m_);
        f();
        dispatch(wake);
        last = release_ref_locked();
      }
      wake.wake_all();
      if (last) {
        delete this;
      }
    }

    // m_ held. True when that was the last reference: delete after unlocking.
    bool release_ref_locked() noexcept {
      --refs_;
      return refs_ == 0 && !pool_alive_;
    }

    // Destroys idle resources (taken out of idle_), then frees their slots.
    void destroy_all(std::vector<std::unique_ptr<item>>& doomed) noexcept {
      if (doomed.empty()) {
        return;
      }
      for (auto& it : doomed) {
        run_destroyer(*it);
        it.reset();
      }
      detail::wake_list wake;
      {
        std::lock_guard<weft::mutex> g(m_);
        total_ -= doomed.size();
        counters_.destroyed += doomed.size();
        dispatch(wake);
      }
      wake.wake_all();
      doomed.clear();
    }

    void count_timeout() {
      std::lock_guard<weft::mutex> g(m_);
      ++counters_.timeouts;
    }

    const factory_fn factory_;
    const destroyer_fn destroyer_;
    const validator_fn validator_;
    const bool timed_ =
        opts.idle_timeout > weft::clock::duration::zero() || opts.max_lifetime
                                                                 > weft::clock::duration::zero();

    mutable weft::mutex m_;
    weft::var<std::vector<std::unique_ptr<item>>> idle_;  // oldest return first      [m_]
    detail::grant_queue waiters_;  // blocked acquirers, FIFO                        [m_]
    // total_ = idle + in_use_ (minus those already counted out) + creating_: the slots
    // taken, never above max_size. in_use_ counts resources lent out, being validated or
    // being created for an acquirer.                                                 [m_]
    std::size_t total_ = 0;
    std::size_t in_use_ = 0;
    std::size_t creating_ = 0;
    bool closed_ = false;  // [m_]
    // The pool object (while pool_alive_) + acquisitions in progress + leases alive. [m_]
    std::size_t refs_ = 1;
    bool pool_alive_ = true;        // [m_]
    resource_pool_stats counters_;  // the monotonic counters and wait_time          [m_]
  };

  core* core_;  // owned jointly with the leases: see core::refs_
};

// Exclusive use of one pooled resource until the lease ends (destroyed, moved-from,
// release()d or discard()ed). An empty lease holds nothing (operator bool is false).
template <class T>
class resource_pool<T>::lease {
 public:
  lease() = default;
  lease(lease&& other) noexcept
      : core_(std::exchange(other.core_, nullptr)), item_(std::move(other.item_)) {}
  lease& operator=(lease&& other) noexcept {
    if (this != &other) {
      release();
      core_ = std::exchange(other.core_, nullptr);
      item_ = std::move(other.item_);
    }
    return *this;
  }
  lease(const lease&) = delete;
  lease& operator=(const lease&) = delete;
  ~lease() { release(); }

  explicit operator bool() const noexcept { return item_ != nullptr; }
  T& operator*() const noexcept { return item_->value; }
  T* operator->() const noexcept { return &item_->value; }
  T& get() const noexcept { return item_->value; }

  // Gives the resource back to the pool now (nothing if empty).
  void release() noexcept {
    if (item_ != nullptr) {
      std::exchange(core_, nullptr)->give_back(std::move(item_));
    }
  }

  // Destroys the resource (it is broken) and frees its slot for a new one.
  void discard() noexcept {
    if (item_ != nullptr) {
      std::exchange(core_, nullptr)->discard(std::move(item_));
    }
  }

 private:
  friend class resource_pool<T>::core;
  lease(core* c, std::unique_ptr<item> it) noexcept : core_(c), item_(std::move(it)) {}

  core* core_ = nullptr;
  std::unique_ptr<item> item_;
};

}  // namespace weft
