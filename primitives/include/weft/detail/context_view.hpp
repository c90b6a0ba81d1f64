// weft/detail/context_view.hpp — what channels and select need to know about a
// context, without depending on <weft/context.hpp> (which depends on channels).
//
// A context is done when its done channel is closed or when its deadline has passed.
// The deadline is checked lazily by whoever waits (a select's done case is also a
// timeout at the deadline), so a context with a deadline needs no timer thread unless
// someone asks for its raw done() channel, a stop_token or an after_cancel callback.
#pragma once

#include <variant>

#include "weft/detail/chan_state.hpp"
#include "weft/detail/deadline.hpp"

namespace weft {
class context;
}

namespace weft::detail {

class ctx_node;
using done_chan = chan_state<std::monostate>;

struct ctx_view {
  done_chan* done = nullptr;          // null for background(): never done
  time_point deadline = kNoDeadline;  // effective: the earliest of its own and its ancestors'
  ctx_node* node = nullptr;
};

// Defined in src/context.cpp.
ctx_view view(const weft::context& ctx) noexcept;
// ctx.err() != none, expiring the context first if its deadline has passed.
bool is_done(const weft::context& ctx);
// Cancels with deadline_exceeded (a done case fired because the deadline passed).
void expire(ctx_node* node);

}  // namespace weft::detail
