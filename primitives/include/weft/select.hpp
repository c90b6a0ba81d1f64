// weft/select.hpp — weft::select: wait on several channel operations, run the one that
// happens (Go's select statement).
//
//   weft::channel<int> numbers(8);
//   weft::channel<std::string> words;
//   std::size_t fired = weft::select(
//       weft::recv(numbers, [](std::optional<int> v) { /* v empty: numbers is closed */ }),
//       weft::send(words, std::string("hi"), [] { /* a receiver took it */ }),
//       weft::timeout(100ms, [] { /* nothing happened for 100 ms */ }),
//       weft::done(ctx, [] { /* ctx is done */ }));
//   // `fired` is the position of the case that ran (0-based, in argument order).
//
// Cases (any number, any mix of element types):
//   recv(ch [, f])           receives from ch; f(std::optional<T>) or f(); nullopt = closed
//   send(ch, value [, f])    sends value on ch, then runs f()
//   timeout(d [, f])         ready once d has elapsed (measured from the select call)
//   deadline(tp [, f])       ready once tp (any clock) has passed
//   done(ctx [, f])          ready once ctx is done (cancelled or its deadline passed);
//                            f sees ctx.err() set
//   otherwise([f])           runs when no other case is ready (Go's default:)
//
// Semantics are Go's (go.dev/ref/spec#Select_statements):
//   * if one or more cases are ready, one of them is chosen uniformly at random —
//     via weft::model::choose, so model mode explores every choice; otherwise the
//     otherwise() case runs if there is one; otherwise select blocks until a case is
//     ready and runs that one;
//   * exactly one case fires per call: one value is taken from one channel and handed
//     to that case's handler; no other case's channel is touched;
//   * a receive on a closed channel is ready (its handler gets std::nullopt); a send on
//     a closed channel is ready and throws weft::channel_closed if chosen (Go panics);
//   * cases on a nil channel never fire; select() with no case blocks forever.
// Handlers run on the calling thread after every channel lock is released, so they may
// use the channels freely; an exception from a handler propagates out of select.
//
// Thread-safety: any number of selects and channel operations may run concurrently on
// the same channels. Cases refer to their channels and contexts: build them inside the
// select(...) call (temporaries live until it returns).
#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/channel.hpp"
#include "weft/detail/context_view.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/detail/select_cases.hpp"
#include "weft/detail/select_engine.hpp"

namespace weft {

template <class T, class F = detail::no_handler>
detail::recv_case<T, F> recv(const receiver<T>& ch, F f = {}) {
  static_assert(std::is_invocable_v<F&, std::optional<T>&&> || std::is_invocable_v<F&>,
                "weft::recv handler: callable as f(std::optional<T>) or f()");
  return {detail::chan_access::state(ch), std::move(f)};
}

template <class T, class U, class F = detail::no_handler>
detail::send_case<T, F, true> send(const channel<T>& ch, U&& value, F f = {}) {
  static_assert(std::is_invocable_v<F&>, "weft::send handler: callable as f()");
  return {detail::chan_access::state(ch), T(std::forward<U>(value)), std::move(f)};
}

template <class Rep, class Period, class F = detail::no_handler>
detail::timeout_case<F> timeout(const std::chrono::duration<Rep, Period>& d, F f = {}) {
  return {detail::deadline_after(d), std::move(f)};
}

template <class Clock, class Duration, class F = detail::no_handler>
detail::timeout_case<F> deadline(const std::chrono::time_point<Clock, Duration>& tp, F f = {}) {
  return {detail::to_deadline(tp), std::move(f)};
}

template <class F = detail::no_handler>
detail::done_case<F> done(const context& ctx, F f = {}) {
  return {detail::view(ctx), std::move(f)};
}

template <class F = detail::no_handler>
detail::default_case<F> otherwise(F f = {}) {
  return detail::default_case<F>(std::move(f));
}

// Runs one ready case (see above) and returns its position among the arguments.
template <class... Cases>
std::size_t select(Cases&&... cases) {
  return detail::run_select(cases...);
}

}  // namespace weft
