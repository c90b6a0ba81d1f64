// Helpers shared by the primitives' unit tests.
//
// Waits here are bounded: a condition is polled until it holds or a generous limit
// passes (the limit only turns a hang into a failure; it never orders events).
#pragma once

#include <chrono>
#include <thread>

#include "weft/channel.hpp"

namespace weft::test {

using namespace std::chrono_literals;

// Generous bound for "this must happen eventually".
inline constexpr auto kHang = 10s;

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = kHang) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(100us);
  }
  return true;
}

template <class T>
std::size_t blocked_receivers(const weft::receiver<T>& ch) {
  return weft::detail::chan_access::state(ch)->blocked_receivers();
}
template <class T>
std::size_t blocked_senders(const weft::receiver<T>& ch) {
  return weft::detail::chan_access::state(ch)->blocked_senders();
}

}  // namespace weft::test
