// weft/relacy/engine.hpp — Relacy itself, without the macros that break other code.
//
// Relacy's entry header, relacy/relacy.hpp, is a list of its component headers followed
// by a block of macros: `new`, `delete`, `malloc`, `free`, `assert`, `errno`,
// `memory_order_relaxed` ... `memory_order_seq_cst` (each expands to `mo_x, $`), plus
// its Win32 and POSIX emulation (`pthread_mutex_t`, `sched_yield()`, `EINVAL`, ...).
// Any header parsed after them breaks: `= delete` becomes `= rl::delete_proxy(...)`,
// `std::memory_order_acquire` becomes `std::mo_acquire, $`. This header includes the
// same components — the list of relacy.hpp (Relacy 2.4, Debian relacy-dev
// 0.0+git20191025.acc09bb) minus the two emulation headers — and none of the macros,
// so weft's headers, the primitives' unchanged source and the standard library can be
// included before or after it. Allocation is still tracked: Relacy replaces the global
// operator new / delete (context.hpp), so leaks, double frees and use after free inside
// a simulation are found; only the allocation site in the report is lost (the macro
// version records it).
//
// What stays defined: `$` (Relacy's RL_INFO) and the RL_* macros (RL_ASSERT, RL_INFO,
// RL_HIST...), for tests that also use raw rl:: objects.
//
// Do not include relacy/relacy.hpp before any weft header (this header stops with an
// #error if you do); after all of them it is harmless.
#pragma once

#if defined(RL_RELACY_HPP)
#error \
    "relacy/relacy.hpp was included before a weft header: its macros (new, delete, " \
       "memory_order_*...) break the headers after it. Include <weft/relacy.hpp> first."
#endif

// Relacy's own prerequisites plus every standard header weft's public headers use, so
// that Relacy's pch.hpp (which undefines _FORTIFY_SOURCE and defines _XOPEN_SOURCE)
// sees a fully configured library.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <iosfwd>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <queue>
#include <set>
#include <shared_mutex>
#include <span>
#include <sstream>
#include <stack>
#include <stdexcept>
#include <stop_token>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

// clang-format off
#include <relacy/base.hpp>
#include <relacy/context.hpp>
#include <relacy/context_base_impl.hpp>
#include <relacy/backoff.hpp>
#include <relacy/atomic_fence.hpp>
#include <relacy/atomic.hpp>
#include <relacy/var.hpp>
#include <relacy/thread_local.hpp>
#include <relacy/test_suite.hpp>
#include <relacy/dyn_thread.hpp>
#include <relacy/stdlib/mutex.hpp>
#include <relacy/stdlib/condition_variable.hpp>
#include <relacy/stdlib/semaphore.hpp>
#include <relacy/stdlib/event.hpp>
// clang-format on

// thread_local.hpp's Win32 TLS emulation; nothing in weft (or on Linux) uses the names.
#undef TlsAlloc
#undef TlsFree
#undef TlsGetValue
#undef TlsSetValue
