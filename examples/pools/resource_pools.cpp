// pools_resource_pools — weft::resource_pool as a connection pool (docs/primitives.md,
// "Resource pools"):
//   1. leases: borrow, use, give back by scope; discard() a broken connection;
//   2. validation on borrow and a failing factory, neither of which leaks a slot;
//   3. waiting with a timeout and with a context, on weft::clock;
//   4. close(): waiters fail with pool_closed, leased connections die as they come back;
//   5. under the model checker: two clients and a closer, every interleaving — never more
//      than max_size connections open, none used by two clients at once.
// It prints what it did and exits non-zero if anything is wrong.
#include <weft/resource_pool.hpp>
#include <weft/weft.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace {

using namespace std::chrono_literals;

bool check(bool ok, const char* what) {
  std::printf("  %-62s %s\n", what, ok ? "ok" : "WRONG");
  return ok;
}

// A pretend database connection.
struct connection {
  int id = 0;
  bool healthy = true;
  int queries = 0;
  int query() {
    if (!healthy) throw std::runtime_error("connection reset");
    return ++queries;
  }
};

struct server {
  weft::atomic<int> next_id{0};
  weft::atomic<int> open{0};
  weft::atomic<int> refuse{0};  // refuse this many connection attempts

  connection connect() {
    if (refuse.load() > 0) {
      refuse.fetch_sub(1);
      throw std::runtime_error("connection refused");
    }
    open.fetch_add(1);
    return connection{next_id.fetch_add(1) + 1};
  }
  void disconnect(connection&) { open.fetch_sub(1); }
};

weft::resource_pool<connection> make_pool(server& db, std::size_t max) {
  return weft::resource_pool<connection>(
      [&db] { return db.connect(); },
      {.name = "db", .max_size = max, .min_idle = 1, .idle_timeout = 10min, .max_lifetime = 1h},
      [&db](connection& c) { db.disconnect(c); },
      [](connection& c) { return c.healthy; });  // validation on borrow
}

bool leases_and_failures() {
  std::puts("leases:");
  server db;
  auto pool = make_pool(db, 2);
  pool.maintain();  // opens min_idle connections up front
  bool ok = check(db.open.load() == 1, "maintain() opened min_idle = 1 connection");
  {
    auto conn = pool.acquire();
    conn->query();
    auto other = pool.acquire();  // a second one is opened
    other->healthy = false;       // ...and breaks
    try {
      other->query();
    } catch (const std::runtime_error&) {
      other.discard();  // close it and free its slot
    }
  }  // `conn` goes back to the pool here
  ok &= check(db.open.load() == 1, "discard() closed the broken connection");
  db.refuse.store(1);
  {
    auto a = pool.acquire();  // the idle one
    try {
      auto b = pool.acquire();  // needs a new connection: refused
      ok &= check(false, "a failing factory's exception reaches acquire()");
    } catch (const std::runtime_error&) {
      ok &= check(true, "a failing factory's exception reaches acquire()");
    }
    auto b = pool.acquire();  // the slot was not leaked
    ok &= check(static_cast<bool>(b), "the refused connection's slot is free again");
  }
  const auto s = pool.stats();
  std::printf("  stats: total %zu, idle %zu, in use %zu, created %llu, destroyed %llu\n", s.total,
              s.idle, s.in_use, static_cast<unsigned long long>(s.created),
              static_cast<unsigned long long>(s.destroyed));
  return ok;
}

bool timeouts_and_close() {
  std::puts("waiting and close (virtual time):");
  weft::model::options once;
  once.max_schedules = 1;
  once.use_environment = false;
  bool ok = true;
  const auto r = weft::model::check(once, [&ok] {
    server db;
    auto pool = make_pool(db, 1);
    auto held = pool.acquire();
    const auto t0 = weft::clock::now();
    ok &= check(!pool.acquire_for(2s), "acquire_for(2s) on an exhausted pool: empty lease");
    ok &= check(weft::clock::now() - t0 == 2s, "...after exactly 2 s of virtual time");
    auto [ctx, cancel] = weft::with_timeout(weft::background(), 500ms);
    ok &= check(!pool.acquire(ctx), "acquire(ctx) gives up at the context's deadline");
    weft::thread waiter([&] {
      try {
        (void)pool.acquire();
        ok &= check(false, "close() fails a waiting acquirer with pool_closed");
      } catch (const weft::pool_closed&) {
        ok &= check(true, "close() fails a waiting acquirer with pool_closed");
      }
    });
    weft::this_thread::sleep_for(1ms);  // the waiter is waiting
    pool.close();
    waiter.join();
    ok &= check(db.open.load() == 1, "the leased connection stays open while leased");
    held.release();
    ok &= check(db.open.load() == 0, "...and is closed when it comes back");
    cancel();
  });
  return ok && check(r.ok(), "(run under the model checker)");
}

bool model_checked() {
  std::puts("model check (two clients and a closer):");
  weft::model::options opts;
  opts.strategy = weft::model::strategy::pct;
  opts.max_schedules = 3000;
  opts.use_environment = false;
  const auto r = weft::model::check(opts, [] {
    server db;
    auto pool = make_pool(db, 1);
    weft::atomic<int> users{0};
    auto client = [&] {
      try {
        auto c = pool.acquire_for(1s);
        if (!c) return;
        WEFT_ASSERT(users.fetch_add(1) == 0);  // never two clients on one connection
        WEFT_ASSERT(db.open.load() <= 1);      // never more than max_size open
        users.fetch_sub(1);
      } catch (const weft::pool_closed&) {
      }
    };
    weft::thread a(client), b(client);
    weft::thread closer([&] { pool.close(); });
    a.join();
    b.join();
    closer.join();
    WEFT_ASSERT(db.open.load() == 0);  // closed: every connection is gone
  });
  std::printf("  %zu schedules\n", r.schedules);
  return check(r.ok(), "exclusive leases, bounded size, nothing left open");
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  bool ok = leases_and_failures();
  ok &= timeouts_and_close();
  ok &= model_checked();
  std::puts(ok ? "all ok" : "SOMETHING IS WRONG");
  return ok ? 0 : 1;
}
