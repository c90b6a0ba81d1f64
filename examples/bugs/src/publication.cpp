// Publication bugs: data handed to another thread without a happens-before edge —
// relaxed flags, double-checked locking, a reference dropped before the last use, and
// sleeping instead of synchronising. weft reports each as a data race on a weft::var.
#include <chrono>
#include <mutex>

#include "weft/sync.hpp"
#include "weft_bugs/zoo.hpp"

namespace weft_bugs {

namespace {

using namespace std::chrono_literals;

// --- relaxed_publication -------------------------------------------------------------
// Bug: the producer fills the payload and raises the flag with a relaxed store; the
// consumer that sees the flag (relaxed load) reads the payload. Relaxed operations do
// not synchronise, so the payload accesses race (on weak hardware the consumer may
// read a stale payload).
// weft reports: data_race.
// Interleaving: producer writes payload, stores ready; consumer loads ready=true and
// reads payload. (If the consumer looks first, it sees false and reads nothing.)
// Fix: store with release, load with acquire.
void relaxed_publication(bool fixed) {
  const auto store_order = fixed ? std::memory_order_release : std::memory_order_relaxed;
  const auto load_order = fixed ? std::memory_order_acquire : std::memory_order_relaxed;
  weft::var<int> payload{0};
  weft::atomic<bool> ready{false};
  weft::thread producer([&] {
    payload = 42;
    ready.store(true, store_order);  // BUG when !fixed: relaxed
  });
  if (ready.load(load_order)) {
    WEFT_ASSERT(payload == 42);
  }
  producer.join();
}

// --- double_checked_locking ----------------------------------------------------------
// Bug: lazy initialisation with double-checked locking whose fast path loads the
// instance pointer relaxed (and whose slow path stores it relaxed). A thread that finds
// the pointer set on the fast path has no happens-before with the constructor's writes.
// weft reports: data_race (on a field of the object).
// Interleaving: T2 takes the lock, constructs, stores the pointer; T1's fast-path load
// sees it and T1 reads a field.
// Fix: release store / acquire load of the pointer.
struct widget {
  weft::var<int> id{0};
  weft::var<int> size{0};
};

class lazy_widget {
 public:
  explicit lazy_widget(bool fixed) : fixed_(fixed) {}

  widget& get() {
    const auto load_order = fixed_ ? std::memory_order_acquire : std::memory_order_relaxed;
    widget* w = instance_.load(load_order);  // BUG when !fixed_: relaxed
    if (w == nullptr) {
      std::lock_guard<weft::mutex> lk(m_);
      w = instance_.load(std::memory_order_relaxed);
      if (w == nullptr) {
        w = &storage_;  // "new widget"
        w->id = 7;
        w->size = 64;
        instance_.store(w, fixed_ ? std::memory_order_release : std::memory_order_relaxed);
      }
    }
    return *w;
  }

 private:
  bool fixed_;
  weft::mutex m_;
  weft::atomic<widget*> instance_{nullptr};
  widget storage_;
};

void double_checked(bool fixed) {
  lazy_widget lazy(fixed);
  auto use = [&] {
    widget& w = lazy.get();
    WEFT_ASSERT(w.id == 7 && w.size == 64);
  };
  weft::thread t0(use);
  weft::thread t1(use);
  t0.join();
  t1.join();
}

// --- use_after_release ---------------------------------------------------------------
// Bug: a reference-counted buffer shared by two users. Each user drops its reference
// first ("so the count is accurate early") and reads the buffer after; the user that
// dropped the last reference destroys (here: poisons) the buffer when done. The other
// user's late read then touches a buffer that may already be destroyed.
// weft reports: data_race (the late read and the destruction are unordered — in every
// schedule, though the read sees poison only in some).
// Interleaving: T1 drops its reference; T2 drops the last one, reads, destroys; T1
// reads.
// Fix: finish using the buffer before dropping the reference.
struct shared_buffer {
  weft::atomic<int> refs{2};
  weft::var<int> data{7};  // -1 once destroyed
};

void use_after_release(bool fixed) {
  shared_buffer buf;
  auto user = [&] {
    bool last = false;
    if (!fixed) {
      last = buf.refs.fetch_sub(1, std::memory_order_acq_rel) == 1;  // BUG
    }
    WEFT_ASSERT(buf.data == 7);
    if (fixed) {
      last = buf.refs.fetch_sub(1, std::memory_order_acq_rel) == 1;
    }
    if (last) {
      buf.data = -1;  // "delete"
    }
  };
  weft::thread t0(user);
  weft::thread t1(user);
  t0.join();
  t1.join();
}

// --- sleep_as_sync -------------------------------------------------------------------
// Bug: main sleeps "long enough" for the worker to fill in the configuration, then
// reads it. The timing works (virtual time: the worker's 5 ms are over before main's
// 10 ms), but a sleep creates no happens-before: on a loaded machine it is a race, and
// it is one in the memory model regardless.
// weft reports: data_race.
// Interleaving: any.
// Fix: the worker publishes with a release store; main waits for it with acquire.
void sleep_as_sync(bool fixed) {
  weft::var<int> config{0};
  weft::atomic<bool> ready{false};
  weft::thread worker([&] {
    weft::this_thread::sleep_for(5ms);  // "loading the configuration"
    config = 3;
    ready.store(true, std::memory_order_release);
  });
  weft::this_thread::sleep_for(10ms);  // BUG when !fixed: the only synchronisation
  if (fixed) {
    while (!ready.load(std::memory_order_acquire)) {
      weft::this_thread::sleep_for(1ms);
    }
  }
  WEFT_ASSERT(config == 3);
  worker.join();
}

}  // namespace

void relaxed_publication_buggy() {
  relaxed_publication(false);
}
void relaxed_publication_fixed() {
  relaxed_publication(true);
}
void double_checked_locking_buggy() {
  double_checked(false);
}
void double_checked_locking_fixed() {
  double_checked(true);
}
void use_after_release_buggy() {
  use_after_release(false);
}
void use_after_release_fixed() {
  use_after_release(true);
}
void sleep_as_sync_buggy() {
  sleep_as_sync(false);
}
void sleep_as_sync_fixed() {
  sleep_as_sync(true);
}

}  // namespace weft_bugs
