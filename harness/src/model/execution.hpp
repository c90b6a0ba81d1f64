// execution.hpp — one run of a model test under the controlled scheduler.
//
// The execution is the facade's model backend (a weft::detail::runtime). It owns the
// logical threads (fibers on the calling OS thread), the modelled state of every facade
// object the test touches, virtual time, the race detector's clocks and the trace.
//
// Scheduling: every facade operation stops its thread *before* the operation and asks
// the strategy who runs next among the runnable threads. A blocking operation (lock,
// wait, join, sleep) marks its thread as waiting for a condition; the thread is runnable
// again as soon as the condition holds (mutex free, notified, joined thread finished,
// deadline reached), and when it is picked the operation completes without another
// check. So "blocked" is never a state the strategy has to poll.
//
// Time: virtual, in nanoseconds from 0. It only moves when no thread can run: then it
// jumps to the earliest pending deadline (Go's synctest semantics). No runnable thread
// and no deadline is a deadlock.
//
// Spinning: a thread that yields, or re-reads an atomic nobody wrote since its last read,
// is deprioritised — not picked while another thread can run — until some thread writes
// shared state. Spin-waits therefore terminate under every strategy.
//
// Failure: the first failure is recorded and the execution winds down: scheduling goes
// on deterministically, without the strategy, so threads finish normally where they can
// and destructors run. Threads that can never finish (the deadlocked ones, or any after a
// bounded number of wind-down steps) are left suspended — never resumed, never unwound,
// because code under test need not be exception-safe around operations that cannot
// throw in std:: (a wait, a lock). Their stacks are quarantined rather than reused, so
// nothing still pointing into them is ever overwritten. A failed WEFT_ASSERT ends the
// execution at once the same way, without unwinding the failing thread (others may be
// using its locals by reference).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/fiber.hpp"
#include "model/schedule_token.hpp"
#include "model/strategy.hpp"
#include "model/trace.hpp"
#include "model/vector_clock.hpp"
#include "weft/model.hpp"
#include "weft/sync/runtime.hpp"

namespace weft::model::detail {

// Unwinds the thread whose WEFT_ASSERT failed. Never escapes a fiber.
struct execution_aborted {};

struct execution_limits {
  std::size_t max_steps;
  bool spurious_wakeups;
  std::size_t max_spurious;  // per execution
  bool full_trace;
  bool var_scheduling_points;  // options::schedule_var_accesses
};

struct execution_result {
  failure kind = failure::none;
  std::string message;
  std::string trace;
  recorded_schedule sched;
  std::uint64_t steps = 0;
  bool pruned = false;
};

class execution final : public weft::detail::runtime {
 public:
  execution(stack_pool& stacks, const execution_limits& limits);
  ~execution() override;

  // Runs `body` once as logical thread 0 under `strat`; returns when every logical
  // thread has finished or been unwound. With `tracing`, every operation is recorded
  // and a failure comes with its trace; searches run without it and re-run a failing
  // schedule with it, so the hot path records nothing.
  execution_result run(const std::function<void()>& body, strategy& strat, bool tracing);

  void set_name(const void* object, std::string name);
  static execution* current() noexcept;

  // runtime
  void before(const weft::detail::op_desc& op) override;
  void after(const weft::detail::op_desc& op, bool wrote, std::uint64_t value) override;
  void mutex_lock(weft::detail::object_slot& m, std::mutex& native, source_loc loc) override;
  bool mutex_try_lock(weft::detail::object_slot& m, std::mutex& native, source_loc loc) override;
  void mutex_unlock(weft::detail::object_slot& m, std::mutex& native, source_loc loc) override;
  void shared_mutex_lock(weft::detail::object_slot& m, std::shared_mutex& native, bool shared,
                         source_loc loc) override;
  bool shared_mutex_try_lock(weft::detail::object_slot& m, std::shared_mutex& native, bool shared,
                             source_loc loc) override;
  void shared_mutex_unlock(weft::detail::object_slot& m, std::shared_mutex& native, bool shared,
                           source_loc loc) override;
  std::cv_status cv_wait(weft::detail::object_slot& cv, std::condition_variable& native,
                         weft::detail::object_slot& m, std::mutex& native_m,
                         const weft::detail::time_point* deadline, source_loc loc) override;
  void cv_notify(weft::detail::object_slot& cv, std::condition_variable& native, bool all,
                 source_loc loc) override;
  void thread_spawn(weft::detail::thread_state& t, std::unique_ptr<weft::detail::thread_body> body,
                    source_loc loc) override;
  void thread_join(weft::detail::thread_state& t, source_loc loc) override;
  void thread_detach(weft::detail::thread_state& t, source_loc loc) override;
  void thread_abandoned(weft::detail::thread_state& t, source_loc loc) override;
  std::uint64_t thread_id() override;
  void yield(source_loc loc) override;
  void sleep_until(weft::detail::time_point deadline, source_loc loc) override;
  weft::detail::time_point now() override;
  std::size_t choose(std::size_t n, source_loc loc) override;
  void report_failure(const char* message, source_loc loc, bool fatal) override;

 private:
  enum class obj_kind : std::uint8_t { atomic, var, mutex, shared_mutex, condvar };

  struct access {
    std::uint32_t thread;
    std::uint32_t clock;
    std::uint64_t step;
    std::size_t trace_index;
    source_loc loc;
  };

  struct object_rec {
    obj_kind kind;
    const void* address;
    std::uint32_t version;  // writes so far (atomics and vars)
    int owner;              // mutex: exclusive holder, -1 if none
    std::uint32_t readers;  // shared_mutex: shared holders
    vector_clock clock;     // mutex: last unlock; atomic: release sequence
    bool has_write;         // var: last_write is valid
    access last_write;
    std::vector<access> reads;  // var: reads since the last write, one per thread
  };

  enum class run_state : std::uint8_t { runnable, waiting, finished };
  enum class wait_kind : std::uint8_t { none, mutex, shared_excl, shared_shared, cv, join, sleep };

  struct thread_rec {
    std::uint32_t id = 0;
    fiber fib;
    stack stk;
    bool has_stack = false;
    std::unique_ptr<weft::detail::thread_body> body;
    const std::function<void()>* main_body = nullptr;
    run_state state = run_state::runnable;
    wait_kind waiting = wait_kind::none;
    std::uint32_t wait_object = 0;  // object index, or thread id for join
    std::uint32_t cv_mutex = 0;     // mutex reacquired after a condition-variable wait
    bool notified = false;
    bool timed_out = false;
    bool has_deadline = false;
    std::int64_t deadline = 0;
    bool detached = false;
    bool joined = false;
    vector_clock clock;
    vector_clock fence_release;    // clock at the last release fence
    vector_clock pending_acquire;  // joined into `clock` by the next acquire fence
    std::uint64_t spin_epoch = 0;  // deprioritised while equal to write_epoch_ (+1 stored)
    std::uint32_t last_load_object = 0xFFFFFFFFu;
    std::uint32_t last_load_version = 0;
    source_loc last_load_loc;
    bool started = false;
    op_key pending;
    const char* pending_what = "start";
    source_loc pending_loc;
    source_loc spawn_loc;

    // Makes a pooled record new again; keeps the fiber, the stack and the clocks' capacity.
    void reset() {
      id = 0;
      body.reset();
      main_body = nullptr;
      state = run_state::runnable;
      waiting = wait_kind::none;
      wait_object = cv_mutex = 0;
      notified = timed_out = has_deadline = detached = joined = started = false;
      deadline = 0;
      clock.clear();
      fence_release.clear();
      pending_acquire.clear();
      spin_epoch = 0;
      last_load_object = 0xFFFFFFFFu;
      last_load_version = 0;
      last_load_loc = source_loc{};
      pending = op_key{};
      pending_what = "start";
      pending_loc = spawn_loc = source_loc{};
    }
  };

  static void fiber_main(fiber* self, void* arg);
  void run_thread(thread_rec& t);
  void finish_thread(thread_rec& t);

  thread_rec& cur() { return *threads_[current_]; }
  // The object's index in this execution; registers it on its first use here.
  std::uint32_t resolve(weft::detail::object_slot& slot, const void* address, obj_kind kind) {
    if (slot.epoch == epoch_) return slot.index;
    return register_object(slot, address, kind);
  }
  [[gnu::noinline]] std::uint32_t register_object(weft::detail::object_slot& slot,
                                                  const void* address, obj_kind kind);
  bool is_enabled(const thread_rec& t) const;
  bool is_deprioritised(const thread_rec& t) const { return t.spin_epoch == write_epoch_ + 1; }
  void wrote_shared_state() { ++write_epoch_; }

  static constexpr std::uint32_t no_thread = 0xFFFFFFFFu;

  // The scheduling point: picks who runs next and switches to it; returns when the
  // calling thread is picked again (or at once when the execution is being abandoned).
  void schedule(const char* what, op_key key, source_loc loc);
  // Counts a step against max_steps (a livelock beyond it) and, once the execution winds
  // down, against the wind-down bound (beyond it, gives up).
  void count_step() {
    ++steps_;
    if (steps_ > limits_.max_steps || winding_down_) [[unlikely]]
      step_bound_reached();
  }
  [[gnu::noinline]] void step_bound_reached();
  std::uint32_t pick_next();
  [[gnu::noinline]] std::size_t collect_spinners(bool& current_runs);
  [[gnu::noinline]] std::uint32_t no_candidate();
  [[gnu::noinline]] std::uint32_t choose_thread(bool current_runs);
  void switch_to(std::uint32_t next) {
    if (next == current_) return;
    thread_rec& from = cur();
    current_ = next;
    threads_[next]->fib.switch_from(from.fib);
  }
  [[gnu::noinline]] bool advance_time();

  // Records the first failure (kind none: a pruned execution) and winds the execution
  // down: scheduling goes on without the strategy (no more exploring, no more failures)
  // so that threads finish normally where they can.
  void fail(failure kind, std::string message);
  // Ends the execution at once from the calling thread: control returns to run(), and
  // every unfinished thread stays suspended forever (its stack quarantined).
  [[noreturn]] void give_up();

  void record(const char* what, std::uint32_t object, source_loc loc, bool has_value = false,
              std::uint64_t value = 0) {
    if (tracing_) {
      trace_.push_back(trace_event{steps_, current_, what, object, value, has_value, loc});
    }
  }
  std::size_t decide(std::size_t n, value_kind kind);

  [[gnu::noinline]] void after_non_atomic(const weft::detail::op_desc& op);
  void check_race(object_rec& o, std::uint32_t index, bool write, source_loc loc);
  void acquire_mutex(thread_rec& t, object_rec& m);
  void release_to(object_rec& m, thread_rec& t);

  static bool is_user_file(const char* file);
  // `loc` if it is in user code, else the thread's last user-code location before trace
  // position `trace_end` (approximate = true).
  source_loc user_location(std::uint32_t thread, std::size_t trace_end, source_loc loc,
                           bool& approximate) const;
  // The threads of this execution, in id order.
  std::span<const std::unique_ptr<thread_rec>> threads() const {
    return {threads_.data(), thread_count_};
  }
  // A new thread of the execution (the next id, live, with a stack): thread i of every
  // execution reuses record i, so a thread costs no allocation once a test has run.
  thread_rec& add_thread();
  std::string describe_object(std::uint32_t index) const;
  std::string describe_wait(const thread_rec& t);
  std::string format_trace() const;
  std::string deadlock_message();
  std::string livelock_message() const;
  std::string nondeterminism_message(const std::string& what) const;
  std::string thread_name(std::uint32_t id) const { return "T" + std::to_string(id); }

  stack_pool& stacks_;
  execution_limits limits_;
  strategy* strategy_ = nullptr;
  std::uint32_t epoch_ = 0;
  fiber os_fiber_;
  // Thread records, kept across executions: the first thread_count_ are this execution's
  // threads (index = id); the rest are spare. A record keeps its fiber stack while its
  // thread finishes normally (released in ~execution), so reusing it needs no pool trip.
  std::vector<std::unique_ptr<thread_rec>> threads_;
  std::uint32_t thread_count_ = 0;
  // The unfinished threads, in id order: what pick_next() scans (finished threads never
  // run again, and a long test accumulates many).
  std::vector<thread_rec*> live_;
  std::uint32_t current_ = 0;
  std::vector<object_rec> objects_;
  std::size_t object_count_ = 0;
  std::unordered_map<const void*, std::string> names_;
  std::vector<trace_event> trace_;
  std::uint64_t steps_ = 0;
  std::uint64_t write_epoch_ = 0;
  std::int64_t now_ = 0;
  std::size_t spurious_used_ = 0;
  bool winding_down_ = false;
  std::uint64_t wind_down_steps_ = 0;
  bool pruned_ = false;
  failure failure_ = failure::none;
  std::string failure_message_;
  recorded_schedule sched_;
  // Scratch for pick_next(): one slot per thread of the execution (grown when a thread is
  // added, never shrunk), so a scheduling point neither allocates nor checks capacity.
  std::vector<std::uint32_t> candidates_;
  std::vector<op_key> candidate_ops_;
  std::size_t candidate_count_ = 0;
  bool wants_ops_ = false;
  bool tracing_ = false;
  std::vector<thread_rec*> waiters_;  // scratch for cv_notify
};

}  // namespace weft::model::detail
