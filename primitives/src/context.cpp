// The context tree (weft/context.hpp).
//
// Each non-background context is one ctx_node. Structure and invariants:
//   * a node holds a strong reference to its parent, so ancestors outlive descendants;
//     a parent links its live children in an intrusive list guarded by the parent's
//     mutex, without owning them; a child unlinks itself when it is cancelled or
//     destroyed, and a cancelling parent unlinks all of them;
//   * err_ goes from 0 to a context_errc exactly once, under the node's mutex, and the
//     done channel is closed in the same critical section — so "err() set" and "done()
//     closed" are never observed out of order by a thread that saw either under a lock;
//   * lock order is ancestor before descendant (a cancel walks down holding each
//     mutex on the way), then a done channel's mutex; nothing is called out of a
//     critical section except closing done channels (a leaf). User code —
//     after_cancel callbacks and std::stop_source callbacks — runs after every lock
//     is released;
//   * the timer thread, if started, holds no reference to the node; the node's
//     destructor stops and joins it before any member is destroyed. Only when an
//     after_cancel callback that captured its own context drops the last reference on
//     the timer thread does the destructor run there; it then detaches the thread,
//     which is about to return.
#include "weft/context.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

namespace weft::detail {

class ctx_node;

// What a cancel must do once its locks are released.
struct cancel_effects {
  std::vector<std::shared_ptr<ctx_callback>> callbacks;
  std::vector<std::stop_source> sources;

  void run() {
    for (auto& cb : callbacks) {
      cb->run();
    }
    for (auto& src : sources) {
      src.request_stop();
    }
  }
};

// Cancels a node when a std::stop_token is stop-requested. Holds a weak reference: the
// node owns this callback, and a node being destroyed need not be cancelled.
struct stop_canceller {
  std::weak_ptr<ctx_node> node;
  void operator()() const;
};

class ctx_node : public std::enable_shared_from_this<ctx_node> {
 public:
  ctx_node(std::shared_ptr<ctx_node> parent, time_point deadline)
      : deadline_(deadline), parent_(std::move(parent)) {}
  ctx_node(const ctx_node&) = delete;
  ctx_node& operator=(const ctx_node&) = delete;

  ~ctx_node() {
    stop_cb_.reset();  // waits for a stop callback running on another thread
    detach_from_parent();
    stop_timer();
  }

  // The child of `parent` (null: background) with the given own deadline.
  static std::shared_ptr<ctx_node> make_child(const std::shared_ptr<ctx_node>& parent,
                                              time_point own_deadline) {
    time_point deadline = own_deadline;
    if (parent != nullptr) {
      deadline = std::min(deadline, parent->deadline_);
    }
    auto child = std::make_shared<ctx_node>(parent, deadline);
    if (parent != nullptr) {
      cancel_effects none;  // a fresh child has no callbacks or stop sources yet
      std::lock_guard<weft::mutex> g(parent->m_);
      const int perr = parent->err_.load(std::memory_order_acquire);
      if (perr != 0) {
        std::lock_guard<weft::mutex> cg(child->m_);
        child->cancel_locked(static_cast<context_errc>(perr), none);
      } else {
        child->next_sibling_ = parent->first_child_;
        if (parent->first_child_ != nullptr) {
          parent->first_child_->prev_sibling_ = child.get();
        }
        parent->first_child_ = child.get();
        child->linked_ = true;
      }
    }
    return child;
  }

  // Whether the node is done, expiring it first if its deadline has passed. The caller
  // holds a reference (callbacks run from here may drop others).
  bool check() {
    if (err_.load(std::memory_order_acquire) != 0) {
      return true;
    }
    if (deadline_ == kNoDeadline || weft::clock::now() < deadline_) {
      return false;
    }
    cancel(context_errc::deadline_exceeded);
    return true;
  }

  int err() const { return err_.load(std::memory_order_acquire); }
  time_point deadline() const noexcept { return deadline_; }
  done_chan& done() noexcept { return done_; }

  // Cancels this node and its subtree (a no-op if already done). The caller keeps the
  // node alive, except the timer thread (see run_timer): so nothing here touches the
  // node after the callbacks have started to run.
  void cancel(context_errc why) {
    cancel_effects fx;
    {
      std::lock_guard<weft::mutex> g(m_);
      if (err_.load(std::memory_order_relaxed) != 0) {
        return;
      }
      cancel_locked(why, fx);
    }
    detach_from_parent();
    fx.run();
  }

  void ensure_timer() {
    std::lock_guard<weft::mutex> g(m_);
    ensure_timer_locked();
  }

  // Registers cb, or runs it now if the node is done.
  void add_callback(const std::shared_ptr<ctx_callback>& cb) {
    (void)check();
    {
      std::lock_guard<weft::mutex> g(m_);
      if (err_.load(std::memory_order_relaxed) == 0) {
        callbacks_.push_back(cb);
        ensure_timer_locked();
        return;
      }
      cb->runner = weft::this_thread::get_id();
      cb->state.store(ctx_callback::kRunning, std::memory_order_release);
    }
    cb->run();
  }

  // Registered -> stopped; false if the callback already left the registered state.
  bool remove_callback(ctx_callback* cb) {
    std::lock_guard<weft::mutex> g(m_);
    if (cb->state.load(std::memory_order_acquire) != ctx_callback::kRegistered) {
      return false;
    }
    auto it = std::find_if(callbacks_.begin(), callbacks_.end(),
                           [cb](const auto& p) { return p.get() == cb; });
    if (it != callbacks_.end()) {
      callbacks_.erase(it);
    }
    cb->state.store(ctx_callback::kStopped, std::memory_order_release);
    return true;
  }

  std::stop_token stop_token() {
    (void)check();
    std::stop_token token;
    std::optional<std::stop_source> request;  // set if the node is done already
    {
      std::lock_guard<weft::mutex> g(m_);
      if (!stop_src_.has_value()) {
        stop_src_.emplace();
      }
      token = stop_src_->get_token();
      if (err_.load(std::memory_order_relaxed) != 0) {
        request = *stop_src_;
      } else {
        ensure_timer_locked();
      }
    }
    if (request.has_value()) {
      request->request_stop();  // outside the lock: it runs stop callbacks
    }
    return token;
  }

  void watch(std::stop_token token) {
    if (token.stop_possible()) {
      stop_cb_.emplace(std::move(token), stop_canceller{weak_from_this()});
    }
  }

 private:
  // m_ held. Marks the subtree done, collecting what must run after unlocking.
  void cancel_locked(context_errc why, cancel_effects& fx) {
    // A deadline that has passed unobserved was the first reason.
    if (deadline_ != kNoDeadline && weft::clock::now() >= deadline_) {
      why = context_errc::deadline_exceeded;
    }
    err_.store(static_cast<int>(why), std::memory_order_release);
    (void)done_.close();
    if (timer_started_) {
      timer_cv_.notify_all();
    }
    const auto me = weft::this_thread::get_id();
    for (auto& cb : callbacks_) {
      cb->runner = me;
      cb->state.store(ctx_callback::kRunning, std::memory_order_release);
      fx.callbacks.push_back(std::move(cb));
    }
    callbacks_.clear();
    if (stop_src_.has_value()) {
      fx.sources.push_back(*stop_src_);
    }
    for (ctx_node* c = first_child_; c != nullptr;) {
      ctx_node* next = c->next_sibling_;
      {
        std::lock_guard<weft::mutex> g(c->m_);
        if (c->err_.load(std::memory_order_relaxed) == 0) {
          c->cancel_locked(why, fx);
        }
      }
      c->prev_sibling_ = c->next_sibling_ = nullptr;
      c->linked_ = false;
      c = next;
    }
    first_child_ = nullptr;
  }

  void detach_from_parent() {
    if (parent_ == nullptr) {
      return;
    }
    std::lock_guard<weft::mutex> g(parent_->m_);
    if (!linked_) {
      return;
    }
    (prev_sibling_ != nullptr ? prev_sibling_->next_sibling_ : parent_->first_child_) =
        next_sibling_;
    if (next_sibling_ != nullptr) {
      next_sibling_->prev_sibling_ = prev_sibling_;
    }
    prev_sibling_ = next_sibling_ = nullptr;
    linked_ = false;
  }

  // m_ held.
  void ensure_timer_locked() {
    if (timer_started_ || deadline_ == kNoDeadline || err_.load(std::memory_order_relaxed) != 0) {
      return;
    }
    timer_started_ = true;
    timer_ = weft::thread([this] { run_timer(); });
  }

  // The timer thread. It holds no reference to the node: the destructor stops and joins
  // it before any member dies, so `this` stays valid; and if it held one, dropping it
  // could leave the thread itself to destroy the node — outliving the user's last handle
  // (a leaked thread in model mode). cancel() is safe to call like this because it does
  // not touch the node once callbacks run, and a callback may drop the last reference
  // (when it captured its own context): then the destructor runs here and detaches.
  void run_timer() {
    {
      std::unique_lock<weft::mutex> lock(m_);
      timer_id_ = weft::this_thread::get_id();
      timer_id_known_ = true;
      while (!timer_stop_ && err_.load(std::memory_order_relaxed) == 0 &&
             weft::clock::now() < deadline_) {
        timer_cv_.wait_until(lock, deadline_);
      }
      if (timer_stop_ || err_.load(std::memory_order_relaxed) != 0) {
        return;
      }
    }
    cancel(context_errc::deadline_exceeded);
  }

  void stop_timer() {
    bool self = false;
    {
      std::lock_guard<weft::mutex> g(m_);
      if (!timer_started_) {
        return;
      }
      timer_stop_ = true;
      // Before the timer thread has run, no thread is it: an id of 0 would be mistaken for
      // the model's first thread, which would then detach a thread that still uses `this`.
      self = timer_id_known_ && timer_id_ == weft::this_thread::get_id();
      timer_cv_.notify_all();
    }
    if (self) {
      timer_.detach();
    } else {
      timer_.join();
    }
  }

  const time_point deadline_;  // effective deadline; kNoDeadline if none
  const std::shared_ptr<ctx_node> parent_;
  done_chan done_{0};
  weft::atomic<int> err_{0};  // 0 or a context_errc; written under m_

  weft::mutex m_;
  // Guarded by m_:
  std::vector<std::shared_ptr<ctx_callback>> callbacks_;
  std::optional<std::stop_source> stop_src_;
  ctx_node* first_child_ = nullptr;
  bool timer_started_ = false;
  bool timer_stop_ = false;
  std::uint64_t timer_id_ = 0;
  bool timer_id_known_ = false;
  weft::condition_variable timer_cv_;
  weft::thread timer_;
  // Guarded by parent_->m_:
  ctx_node* prev_sibling_ = nullptr;
  ctx_node* next_sibling_ = nullptr;
  bool linked_ = false;
  // Set once, before the node is shared with anyone who could destroy it.
  std::optional<std::stop_callback<stop_canceller>> stop_cb_;
};

void stop_canceller::operator()() const {
  if (auto n = node.lock()) {
    n->cancel(context_errc::cancelled);
  }
}

// ---- ctx_callback ----

void ctx_callback::run() noexcept {
  invoke();
  {
    std::lock_guard<weft::mutex> g(m_);
    state.store(kFinished, std::memory_order_release);
  }
  cv_.notify_all();
}

bool ctx_callback::stop_unowned() {
  int expected = kRegistered;
  return state.compare_exchange_strong(expected, kStopped, std::memory_order_acq_rel);
}

void ctx_callback::wait_finished() {
  if (state.load(std::memory_order_acquire) == kStopped) {
    return;
  }
  if (runner == weft::this_thread::get_id()) {
    return;  // stop() from inside the callback
  }
  std::unique_lock<weft::mutex> lock(m_);
  cv_.wait(lock, [&] { return state.load(std::memory_order_acquire) == kFinished; });
}

after_cancel_handle register_callback(const std::shared_ptr<ctx_node>& node,
                                      std::shared_ptr<ctx_callback> cb) {
  if (node != nullptr) {
    node->add_callback(cb);
  }
  return after_cancel_handle(node, std::move(cb));
}

// ---- glue for channel.hpp / select.hpp and context.hpp ----

struct ctx_access {
  static const std::shared_ptr<ctx_node>& node(const context& c) noexcept { return c.node_; }
  static context make(std::shared_ptr<ctx_node> n) noexcept { return context(std::move(n)); }
  static cancel_func make_cancel(std::shared_ptr<ctx_node> n) noexcept {
    return cancel_func(std::move(n));
  }
  static const std::shared_ptr<ctx_node>& node(const cancel_func& c) noexcept { return c.node_; }
};

ctx_view view(const context& ctx) noexcept {
  ctx_node* n = ctx_access::node(ctx).get();
  if (n == nullptr) {
    return {};
  }
  return ctx_view{&n->done(), n->deadline(), n};
}

bool is_done(const context& ctx) {
  ctx_node* n = ctx_access::node(ctx).get();
  return n != nullptr && n->check();
}

void expire(ctx_node* node) {
  if (node != nullptr) {
    (void)node->check();
  }
}

}  // namespace weft::detail

namespace weft {

using detail::ctx_access;
using detail::ctx_node;

bool after_cancel_handle::stop() {
  if (cb_ == nullptr) {
    return false;
  }
  const bool prevented = node_ != nullptr ? node_->remove_callback(cb_.get()) : cb_->stop_unowned();
  if (!prevented) {
    cb_->wait_finished();
  }
  return prevented;
}

std::error_code context::err() const {
  if (node_ == nullptr || !node_->check()) {
    return {};
  }
  return make_error_code(static_cast<context_errc>(node_->err()));
}

receiver<std::monostate> context::done() const {
  if (node_ == nullptr) {
    return {};
  }
  if (!node_->check()) {
    node_->ensure_timer();
  }
  return detail::chan_access::make_receiver(
      std::shared_ptr<detail::done_chan>(node_, &node_->done()));
}

bool context::wait_until_deadline(detail::time_point deadline) const {
  if (node_ == nullptr) {
    detail::block_until(deadline == detail::kNoDeadline ? nullptr : &deadline);
    return false;
  }
  if (node_->check()) {
    return true;
  }
  const detail::time_point until = std::min(deadline, node_->deadline());
  std::optional<std::monostate> none;
  if (node_->done().recv(none, until == detail::kNoDeadline ? nullptr : &until) !=
      detail::attempt::blocked) {
    return true;  // closed: done
  }
  return node_->check();  // expires the context if `until` was its deadline
}

std::optional<weft::clock::time_point> context::deadline() const {
  if (node_ == nullptr || node_->deadline() == detail::kNoDeadline) {
    return std::nullopt;
  }
  return node_->deadline();
}

std::stop_token context::stop_token() const {
  if (node_ == nullptr) {
    return {};
  }
  return node_->stop_token();
}

void cancel_func::operator()() const {
  if (node_ != nullptr) {
    node_->cancel(context_errc::cancelled);
  }
}

std::pair<context, cancel_func> with_cancel(const context& parent) {
  auto n = ctx_node::make_child(ctx_access::node(parent), detail::kNoDeadline);
  return {ctx_access::make(n), ctx_access::make_cancel(n)};
}

std::pair<context, cancel_func> with_deadline(const context& parent,
                                              weft::clock::time_point deadline) {
  auto n = ctx_node::make_child(ctx_access::node(parent), deadline);
  return {ctx_access::make(n), ctx_access::make_cancel(n)};
}

std::pair<context, cancel_func> with_stop_token(const context& parent, std::stop_token token) {
  auto n = ctx_node::make_child(ctx_access::node(parent), detail::kNoDeadline);
  n->watch(std::move(token));
  return {ctx_access::make(n), ctx_access::make_cancel(n)};
}

}  // namespace weft
