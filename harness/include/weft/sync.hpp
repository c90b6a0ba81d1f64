// weft/sync.hpp — the sync facade.
//
// Components under test, and weft's own primitives, are written against these types
// instead of their std:: counterparts; each mirrors the std:: API, so porting is a
// matter of changing names:
//
//   weft::atomic<T>             std::atomic<T>; memory orders honoured by the checker
//   weft::mutex, shared_mutex   std::mutex, std::shared_mutex
//   weft::condition_variable    waits on std::unique_lock<weft::mutex>
//   weft::thread                std::thread
//   weft::this_thread::         yield, sleep_for, sleep_until, get_id
//   weft::clock                 steady clock; virtual in model mode
//   weft::var<T>                plain shared data whose accesses are race-checked
//   weft::model::choose(n)      explicit nondeterminism
//
// Flavours: by default ("instrumented") each operation costs one thread-local load and
// a predictable branch unless a checker is active on the calling thread; compiled with
// WEFT_NATIVE the facade is plain aliases of the std:: types; compiled with WEFT_RELACY
// it maps onto Relacy's types for weak-memory checking (<weft/relacy.hpp>, docs/relacy.md).
#pragma once

#include "weft/assert.hpp"
#include "weft/sync/atomic.hpp"
#include "weft/sync/choose.hpp"
#include "weft/sync/clock.hpp"
#include "weft/sync/condition_variable.hpp"
#include "weft/sync/mutex.hpp"
#include "weft/sync/source_loc.hpp"
#include "weft/sync/thread.hpp"
#include "weft/sync/var.hpp"
