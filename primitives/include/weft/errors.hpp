// weft/errors.hpp — the exception types and error codes of weft's primitives.
//
// Misuse of a primitive is an error the caller can see, never undefined behaviour
// (ARCHITECTURE.md, "Error contract"). Blocking and state-changing operations throw one
// of the types below; the try_ forms return a documented status instead. Every type
// derives from weft::error, so `catch (const weft::error&)` catches them all.
//
//   try {
//     ch.send(42);
//   } catch (const weft::channel_closed& e) {
//     // the channel was closed before (or while) the value could be delivered;
//     // the value was not accepted and is not in the channel
//   }
//
// Context errors are reported as std::error_code values (ctx.err()), not thrown:
//
//   if (ctx.err() == weft::context_errc::deadline_exceeded) { ... }
//
// Thread-safety: the types are ordinary exception objects; context_category() returns
// a reference to one immutable object and may be called from any thread.
#pragma once

#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

namespace weft {

// Base of every exception a weft primitive throws. Derives from std::runtime_error:
// most of the conditions (a channel closed by another thread, a pool shut down
// concurrently) are races the caller cannot rule out locally.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A channel operation met a closed channel where Go would panic:
//   * send (any blocking, timed or context-aware form) on a closed channel,
//   * a sender that was blocked when the channel got closed (its value is not accepted),
//   * a select send case chosen on a closed channel,
//   * close() of a channel that is already closed.
// Receiving from a closed channel is not an error: it drains, then reports "closed".
class channel_closed : public error {
 public:
  channel_closed();
  explicit channel_closed(const std::string& what);
};

// close() on a nil channel handle (default-constructed with nullptr, or moved-from).
// Go panics on close(nil); the other operations on a nil channel block forever, as in Go.
class nil_channel : public error {
 public:
  nil_channel();
};

// Why a context is done (weft::context::err()). A default (zero) std::error_code means
// "not done"; the codes compare equal to these enumerators:
//   ctx.err() == weft::context_errc::cancelled
enum class context_errc {
  cancelled = 1,          // cancelled by its cancel function, a parent, or a stop_token
  deadline_exceeded = 2,  // its deadline (or an ancestor's) passed
};

// The category of context_errc ("weft.context").
const std::error_category& context_category() noexcept;

inline std::error_code make_error_code(context_errc e) noexcept {
  return {static_cast<int>(e), context_category()};
}

}  // namespace weft

template <>
struct std::is_error_code_enum<weft::context_errc> : std::true_type {};
