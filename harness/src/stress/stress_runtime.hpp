// stress_runtime.hpp — the facade's stress backend.
//
// One instance per weft::stress::run(), installed on the calling thread and inherited by
// every weft::thread started under it. Operations run on the real std:: objects; around
// each, the calling thread's injector may delay it. Blocking operations wait in bounded
// slices so that a hang can be broken: when the watchdog gives up on a round it sets
// `aborting`, and every facade operation then throws `aborted`, unwinding the threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "model/rng.hpp"
#include "weft/stress.hpp"
#include "weft/sync/runtime.hpp"

namespace weft::stress::detail {

// Unwinds a thread of a round that is being abandoned (hang) or that failed an assertion.
struct aborted {};

// What one participating thread is doing, readable by the watchdog.
struct thread_info {
  std::uint32_t index = 0;
  std::atomic<const char*> op{"start"};
  std::atomic<const char*> file{""};
  std::atomic<unsigned> line{0};
  std::atomic<bool> running{true};
};

// Held by threads started back to back, released by their creator's next operation.
struct start_gate {
  std::atomic<bool> open{false};
};

class stress_runtime final : public weft::detail::runtime {
 public:
  explicit stress_runtime(const options& opts);

  // Per-round setup on the calling (driver) thread.
  void begin_round(std::uint64_t round);
  // First failure wins; later ones are ignored.
  void fail(failure kind, std::string message);
  failure failure_kind() const { return failure_.load(std::memory_order_acquire); }
  std::string failure_message();
  void abort_round() { aborting_.store(true, std::memory_order_release); }
  bool aborting() const { return aborting_.load(std::memory_order_acquire); }
  std::string describe_threads();
  std::uint64_t sync_operations() const { return ops_.load(std::memory_order_relaxed); }
  std::uint64_t delays() const { return delays_.load(std::memory_order_relaxed); }

  // Registers the calling thread for the round (driver and spawned threads).
  void enter_thread(std::uint32_t index, const std::shared_ptr<start_gate>& gate);
  void leave_thread();

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
  // How an operation reacts to an abandoned round (see stress_runtime.cpp, "Unwinding").
  enum class unwind : std::uint8_t { now, if_stuck, never };
  // Called at every operation: publishes what the thread does, opens its start gate,
  // throws when the round is abandoned (as `how` says), and maybe delays.
  void enter_op(const char* what, source_loc loc, unwind how = unwind::now);
  void inject();
  void check_abort();
  // Throws once an abandoned round has kept this wait going for longer than a grace
  // period (the wait started at `since`, or is stamped now).
  void check_abort_if_stuck(std::chrono::steady_clock::time_point& since);
  // Backs off while a blocking operation polls; unwinds it only when stuck.
  void backoff(unsigned& attempt, std::chrono::steady_clock::time_point& since);

  const options opts_;
  std::uint64_t seed_ = 0;
  std::uint64_t round_ = 0;
  std::atomic<bool> aborting_{false};
  std::atomic<failure> failure_{failure::none};
  std::mutex mu_;  // guards message_, threads_
  std::string message_;
  std::list<thread_info> threads_;
  std::atomic<std::uint32_t> next_index_{1};
  std::atomic<std::uint64_t> ops_{0};
  std::atomic<std::uint64_t> delays_{0};
};

}  // namespace weft::stress::detail
