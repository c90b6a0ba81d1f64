// Out-of-line definitions for weft/errors.hpp (one vtable and category object).
#include "weft/errors.hpp"

namespace weft {

channel_closed::channel_closed() : error("weft::channel_closed: operation on a closed channel") {}
channel_closed::channel_closed(const std::string& what) : error(what) {}

nil_channel::nil_channel() : error("weft::nil_channel: close of a nil channel") {}

task_rejected::task_rejected(reject_reason reason)
    : error(reason == reject_reason::queue_full
                ? "weft::task_rejected: the worker pool's queue is full"
                : "weft::task_rejected: the worker pool is shut down"),
      reason_(reason) {}

task_cancelled::task_cancelled()
    : error("weft::task_cancelled: the task was cancelled before it started") {}

pool_closed::pool_closed() : error("weft::pool_closed: the resource pool is closed") {}

semaphore_misuse::semaphore_misuse(const std::string& what) : error(what) {}

burst_exceeded::burst_exceeded()
    : error("weft::burst_exceeded: more tokens requested than the rate limiter's burst") {}

singleflight_recursion::singleflight_recursion(const std::string& what) : error(what) {}

cache_misuse::cache_misuse(const std::string& what) : error(what) {}

namespace {

class context_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "weft.context"; }
  std::string message(int code) const override {
    switch (static_cast<context_errc>(code)) {
      case context_errc::cancelled:
        return "context cancelled";
      case context_errc::deadline_exceeded:
        return "context deadline exceeded";
    }
    return "unknown context error";
  }
};

}  // namespace

const std::error_category& context_category() noexcept {
  static const context_category_impl category;
  return category;
}

}  // namespace weft
