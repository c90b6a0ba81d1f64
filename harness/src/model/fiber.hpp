// fiber.hpp — the execution contexts logical threads run on.
//
// A fiber is a stack plus a saved register context (Boost.Context's fcontext, ~6 ns per
// switch). Switches are direct, fiber to fiber: the one that jumps passes its own
// `fiber` object as the transfer payload so the target can store the suspended context
// in it. Stacks come from a pool that is reused across executions (so a million
// executions allocate the same few stacks), and an ended pool's stacks are kept, up to a
// bound, for the next check() in the process; they have a PROT_NONE guard page below
// them, so an overflow faults instead of corrupting a neighbour.
//
// Under AddressSanitizer and ThreadSanitizer every switch is announced to the runtime
// (__sanitizer_start/finish_switch_fiber, __tsan_switch_to_fiber), so model tests run in
// the sanitizer presets.
#pragma once

#include <cstddef>
#include <vector>

namespace weft::model::detail {

struct stack {
  void* base = nullptr;    // lowest address of the mapping (the guard page)
  std::size_t mapped = 0;  // mapping size, guard page included
  void* top() const noexcept { return static_cast<char*>(base) + mapped; }
  std::size_t usable() const noexcept;
};

// Guarded stacks of one size, kept for reuse.
class stack_pool {
 public:
  explicit stack_pool(std::size_t usable_size);
  stack_pool(const stack_pool&) = delete;
  stack_pool& operator=(const stack_pool&) = delete;
  ~stack_pool();

  stack acquire();
  void release(stack s) noexcept;
  // Takes a stack out of circulation for good: a suspended fiber that will never run
  // again may still be referenced from the heap. It stays mapped (and, under
  // LeakSanitizer, is scanned for pointers) for the rest of the process.
  static void quarantine(stack s);
  std::size_t usable_size() const noexcept { return usable_size_; }

 private:
  std::size_t usable_size_;
  std::vector<stack> free_;
};

class fiber {
 public:
  using entry_fn = void (*)(fiber* self, void* arg);

  fiber() = default;  // the OS thread's own context; becomes valid on first switch away
  fiber(const fiber&) = delete;
  fiber& operator=(const fiber&) = delete;
  ~fiber();

  // Prepares this fiber to run `fn(this, arg)` on `s` when first switched to. `fn` must
  // never return: it ends by switching away for good with exit_to().
  void prepare(const stack& s, entry_fn fn, void* arg);

  // Suspends the calling fiber `from` and resumes `this`. Returns when someone switches
  // back to `from`.
  void switch_from(fiber& from);

  // Leaves the calling fiber `from` for good and resumes `this`.
  [[noreturn]] void exit_from(fiber& from);

 private:
  struct switch_msg;
  static void trampoline(void* from_ctx, void* data);
  static void after_resume(fiber& self, fiber* from, void* fake_stack);

  void* ctx_ = nullptr;           // saved fcontext while suspended
  const stack* stack_ = nullptr;  // null for the OS thread's context
  entry_fn fn_ = nullptr;
  void* arg_ = nullptr;
  void* tsan_fiber_ = nullptr;  // ThreadSanitizer's fiber handle
  void* asan_fake_stack_ = nullptr;
  const void* asan_bottom_ = nullptr;  // for the OS thread's context, learnt on first switch
  std::size_t asan_size_ = 0;
};

}  // namespace weft::model::detail
