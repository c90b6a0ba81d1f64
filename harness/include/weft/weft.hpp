// weft/weft.hpp — the whole public API of weft in one include.
//
//   #include <weft/weft.hpp>       // with target_link_libraries(app PRIVATE weft::weft)
//
// Always: the sync facade (<weft/sync.hpp>) and model mode (<weft/model.hpp>). Every other
// module's header is included when it is on the include path, so this header stays valid
// while modules land, and in builds without an optional module (properties needs
// RapidCheck). Integration headers for a test framework (weft/gtest.hpp) and the Relacy
// flavour are not included: include them yourself where you use them.
#pragma once

#include "weft/assert.hpp"
#include "weft/model.hpp"
#include "weft/sync.hpp"

// primitives
#if __has_include("weft/channel.hpp")
#include "weft/channel.hpp"
#endif
#if __has_include("weft/select.hpp")
#include "weft/select.hpp"
#endif
#if __has_include("weft/context.hpp")
#include "weft/context.hpp"
#endif
#if __has_include("weft/errgroup.hpp")
#include "weft/errgroup.hpp"
#endif
#if __has_include("weft/semaphore.hpp")
#include "weft/semaphore.hpp"
#endif
#if __has_include("weft/rate_limiter.hpp")
#include "weft/rate_limiter.hpp"
#endif
#if __has_include("weft/worker_pool.hpp")
#include "weft/worker_pool.hpp"
#endif
#if __has_include("weft/resource_pool.hpp")
#include "weft/resource_pool.hpp"
#endif
#if __has_include("weft/singleflight.hpp")
#include "weft/singleflight.hpp"
#endif
#if __has_include("weft/cache.hpp")
#include "weft/cache.hpp"
#endif

// checkers beyond model mode
#if __has_include("weft/history.hpp")
#include "weft/history.hpp"
#endif
#if __has_include("weft/linearizability.hpp")
#include "weft/linearizability.hpp"
#endif
#if __has_include("weft/stress.hpp")
#include "weft/stress.hpp"
#endif
#if __has_include("weft/property.hpp")
#include "weft/property.hpp"
#endif
