// Out-of-line definitions for weft/errors.hpp (one vtable and category object).
#include "weft/errors.hpp"

namespace weft {

channel_closed::channel_closed() : error("weft::channel_closed: operation on a closed channel") {}
channel_closed::channel_closed(const std::string& what) : error(what) {}

nil_channel::nil_channel() : error("weft::nil_channel: close of a nil channel") {}

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
