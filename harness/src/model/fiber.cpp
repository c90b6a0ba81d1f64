#include "model/fiber.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/detail/fcontext.hpp>
#include <iterator>
#include <mutex>
#include <new>
#include <stdexcept>
#include <utility>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define WEFT_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WEFT_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define WEFT_TSAN 1
#endif

#if defined(WEFT_ASAN)
extern "C" void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom,
                                               std::size_t size);
extern "C" void __sanitizer_finish_switch_fiber(void* fake_stack_save, const void** bottom_old,
                                                std::size_t* size_old);
#endif
#if defined(WEFT_ASAN)
extern "C" void __lsan_register_root_region(const void* p, std::size_t size);
extern "C" void __asan_unpoison_memory_region(void const volatile* addr, std::size_t size);
#endif
#if defined(WEFT_TSAN)
extern "C" void* __tsan_get_current_fiber(void);
extern "C" void* __tsan_create_fiber(unsigned flags);
extern "C" void __tsan_destroy_fiber(void* fiber);
extern "C" void __tsan_switch_to_fiber(void* fiber, unsigned flags);
#endif

namespace ctx = boost::context::detail;

namespace weft::model::detail {

namespace {
std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}
}  // namespace

// Stacks outlive one check(): a test binary runs many checks, and a fuzzer runs one per
// input, so mapping, guarding and unmapping each check's stacks (munmap of touched pages
// is the expensive part) would cost more than a small search itself. Pools hand their
// stacks back here when they end, and new pools take stacks of their size from here
// before mapping new ones. Bounded, so the process keeps at most kCachedBytes of idle
// stacks mapped; the rest are unmapped as before.
class stack_cache {
 public:
  static stack_cache& instance() {
    static stack_cache* cache = new stack_cache;  // never destroyed: pools may outlive statics
    return *cache;
  }

  bool take(std::size_t mapped, stack& out) {
    const std::lock_guard<std::mutex> lock(m_);
    for (auto it = stacks_.rbegin(); it != stacks_.rend(); ++it) {
      if (it->mapped == mapped) {
        out = *it;
        stacks_.erase(std::next(it).base());
        bytes_ -= mapped;
        return true;
      }
    }
    return false;
  }

  // False when the cache is full: the caller unmaps the stack.
  bool give(const stack& s) {
    const std::lock_guard<std::mutex> lock(m_);
    if (bytes_ + s.mapped > kCachedBytes) return false;
    stacks_.push_back(s);
    bytes_ += s.mapped;
    return true;
  }

 private:
  static constexpr std::size_t kCachedBytes = std::size_t{8} << 20;
  std::mutex m_;
  std::vector<stack> stacks_;
  std::size_t bytes_ = 0;
};

std::size_t stack::usable() const noexcept {
  return mapped - page_size();
}

stack_pool::stack_pool(std::size_t usable_size) {
  const std::size_t page = page_size();
  usable_size_ = (usable_size + page - 1) / page * page;
  if (usable_size_ < 4 * page) usable_size_ = 4 * page;
}

stack_pool::~stack_pool() {
  for (const stack& s : free_) {
    if (!stack_cache::instance().give(s)) ::munmap(s.base, s.mapped);
  }
}

void stack_pool::quarantine(stack s) {
  // Never unmapped: objects leaked by a given-up execution may point into it until the
  // process ends (and LeakSanitizer must see those pointers). Only failing executions
  // quarantine stacks, so this stays small.
#if defined(WEFT_ASAN)
  __lsan_register_root_region(static_cast<char*>(s.base) + page_size(), s.usable());
#endif
  (void)s;
}

stack stack_pool::acquire() {
  if (!free_.empty()) {
    stack s = free_.back();
    free_.pop_back();
    return s;
  }
  const std::size_t mapped = usable_size_ + page_size();
  stack cached;
  if (stack_cache::instance().take(mapped, cached)) return cached;
  void* base = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  // Guard page at the low end: stacks grow down, so an overflow hits it and faults.
  ::mprotect(base, page_size(), PROT_NONE);
  return stack{base, mapped};
}

void stack_pool::release(stack s) noexcept {
  free_.push_back(s);
}

fiber::~fiber() {
#if defined(WEFT_TSAN)
  if (stack_ != nullptr && tsan_fiber_ != nullptr) __tsan_destroy_fiber(tsan_fiber_);
#endif
}

// What a switching fiber hands to the one it resumes.
struct fiber::switch_msg {
  fiber* from;  // suspended (or exiting) fiber, whose context the target saves
  fiber* to;
};

void fiber::prepare(const stack& s, entry_fn fn, void* arg) {
  stack_ = &s;
  fn_ = fn;
  arg_ = arg;
  const std::size_t guard = page_size();
  asan_bottom_ = static_cast<char*>(s.base) + guard;
  asan_size_ = s.mapped - guard;  // s.usable()
#if defined(WEFT_ASAN)
  // A pooled stack keeps the shadow of its previous thread's frames: a fiber's body
  // never returns (it switches away for good), so ASan never unpoisoned their redzones,
  // and the new thread's frames would land on them (false stack-buffer-overflow reports,
  // frequent in unoptimised builds where every local has redzones).
  __asan_unpoison_memory_region(asan_bottom_, asan_size_);
#endif
  ctx_ = ctx::make_fcontext(s.top(), asan_size_,
                            [](ctx::transfer_t t) { trampoline(t.fctx, t.data); });
#if defined(WEFT_TSAN)
  // A fresh TSan fiber per logical thread, never a reused one: a fiber's body never
  // returns (it switches away for good), so TSan's shadow stack of a reused fiber would
  // keep every previous thread's frames and grow with each execution until TSan's
  // runtime faults (in TraceSwitchPart) and hangs in its own signal handler.
  if (tsan_fiber_ != nullptr) __tsan_destroy_fiber(tsan_fiber_);
  tsan_fiber_ = __tsan_create_fiber(0);
#endif
}

void fiber::trampoline(void* from_ctx, void* data) {
  auto* msg = static_cast<switch_msg*>(data);
  fiber* self = msg->to;
  msg->from->ctx_ = from_ctx;
  after_resume(*self, msg->from, nullptr);
  self->fn_(self, self->arg_);
  __builtin_unreachable();
}

void fiber::switch_from(fiber& from) {
#if defined(WEFT_TSAN)
  if (from.tsan_fiber_ == nullptr) from.tsan_fiber_ = __tsan_get_current_fiber();
  __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
#if defined(WEFT_ASAN)
  __sanitizer_start_switch_fiber(&from.asan_fake_stack_, asan_bottom_, asan_size_);
#endif
  switch_msg msg{&from, this};
  ctx::transfer_t t = ctx::jump_fcontext(ctx_, &msg);
  // Back in `from`: the fiber that resumed us is suspended (or gone); save its context.
  auto* back = static_cast<switch_msg*>(t.data);
  back->from->ctx_ = t.fctx;
  after_resume(from, back->from, from.asan_fake_stack_);
}

void fiber::exit_from(fiber& from) {
#if defined(WEFT_TSAN)
  __tsan_switch_to_fiber(tsan_fiber_, 0);
#endif
  // The message must outlive this frame: with a null fake-stack slot ASan frees the
  // exiting frame's fake stack as soon as the switch starts.
  static thread_local switch_msg msg;
  msg = switch_msg{&from, this};
#if defined(WEFT_ASAN)
  // A null fake-stack slot tells ASan the current stack is going away for good.
  __sanitizer_start_switch_fiber(nullptr, asan_bottom_, asan_size_);
#endif
  ctx::jump_fcontext(ctx_, &msg);
  __builtin_unreachable();
}

void fiber::after_resume(fiber& self, fiber* from, void* fake_stack) {
#if defined(WEFT_ASAN)
  const void* old_bottom = nullptr;
  std::size_t old_size = 0;
  __sanitizer_finish_switch_fiber(fake_stack, &old_bottom, &old_size);
  // The OS thread's own stack is only known once we have left it.
  if (from != nullptr && from->stack_ == nullptr) {
    from->asan_bottom_ = old_bottom;
    from->asan_size_ = old_size;
  }
#else
  (void)from;
  (void)fake_stack;
#endif
  (void)self;
}

}  // namespace weft::model::detail
