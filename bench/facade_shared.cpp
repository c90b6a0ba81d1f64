// facade_shared.cpp — facade operations compiled into a shared library (-fPIC).
//
// In a shared library the facade's thread-local (weft::detail::tls_runtime) is reached
// with the global-dynamic TLS model: every operation calls __tls_get_addr instead of
// reading %fs directly as in an executable. Each operation here is its own exported,
// non-inlined function (as a component's methods would be), with a std:: twin, so
// weft_facade_bench can show what that costs ("shared_lib/..." rows).
#include "facade_shared.hpp"

namespace weft_bench_so {

long std_atomic_load(std::atomic<long>& a) {
  return a.load();
}
long weft_atomic_load(weft::atomic<long>& a) {
  return a.load();
}

long std_atomic_fetch_add(std::atomic<long>& a) {
  return a.fetch_add(1);
}
long weft_atomic_fetch_add(weft::atomic<long>& a) {
  return a.fetch_add(1);
}

void std_mutex_lock_unlock(std::mutex& m) {
  m.lock();
  m.unlock();
}
void weft_mutex_lock_unlock(weft::mutex& m) {
  m.lock();
  m.unlock();
}

}  // namespace weft_bench_so
