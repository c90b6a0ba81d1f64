// cache_fuzzer.cpp — weft::cache<int, int> over fuzzer-chosen programs and schedules.
//
// Program (decoded from the end of the input): a small cache (max_size 1..4, 1 or 2
// shards, LRU or W-TinyLFU, optionally expire_after_write and/or expire_after_access of a
// few virtual microseconds) and 1..3 workers with 1..5 operations each on keys 0..3: get,
// put, erase, clear, get_or_load (the loader maybe sleeps on virtual time, maybe throws),
// cleanup, size, sleep. Every value names its key and a unique write id (put, or one
// loader call). After the workers, the body gets every key once more.
//
// Checked (soundly: only outcomes no correct cache can produce are flagged):
//   * a get returns a value written for its key — by a put, or a loader call that
//     returned — never a mixup with another key or a value never produced;
//   * a get never returns a value whose write had finished before a put / erase / clear
//     of its key began that itself finished before the get began (no write of that value
//     can come later: ids are unique), nor the value of a loader call overtaken by a put /
//     erase / clear of its key (begun after the loader started, done before it returned:
//     the cache must not store it);
//   * expiry, exact on virtual time: a get that begins at or after the value's write
//     finished + expire_after_write misses; likewise + expire_after_access after the last
//     operation on the key, when no other operation on the key overlaps the get;
//   * get_or_load returns a value of its key; the loader runs at most once at a time per
//     key (no refresh configured); a throwing loader's exception reaches its caller;
//   * at quiescence nobody waits for a load; at the end size() and weight() are at most
//     max_size; stats add up: hits + misses == gets + get_or_loads made, loads +
//     load_failures == loader calls, loads == loader calls that returned;
//   * whatever the model checker detects (races on the shards' state, deadlocks, ...).
//
// Built a second time with WEFT_FUZZ_MUTANT (cache_fuzzer_mutant): get_or_load done
// outside the cache — get, else one flight that loads and put()s — which stores a loaded
// value over a put or erase made during the load; ctest checks that the committed inputs
// of fuzz/regressions/cache_fuzzer_mutant/ still crash it.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "target_util.hpp"
#include "weft/cache.hpp"
#include "weft/errors.hpp"
#include "weft/fuzz.hpp"
#include "weft/singleflight.hpp"
#include "weft/sync.hpp"

namespace {

using weft::fuzz::require;
using weft::fuzz_targets::where;
using us = std::chrono::microseconds;

constexpr int kKeys = 4;

#ifdef WEFT_FUZZ_MUTANT
// The planted bug: a loading get built on the outside of the cache, whose loaded value
// is put() even when the key was written while the loader ran.
class cache_under_test {
 public:
  explicit cache_under_test(const weft::cache_options& o) : c_(o) {}
  std::optional<int> get(int k) { return c_.get(k); }
  void put(int k, int v) { c_.put(k, v); }
  bool erase(int k) { return c_.erase(k); }
  void clear() { c_.clear(); }
  std::size_t cleanup() { return c_.cleanup(); }
  std::size_t size() const { return c_.size(); }
  std::size_t weight() const { return c_.weight(); }
  template <class Loader>
  int get_or_load(int k, Loader&& loader) {
    if (auto v = c_.get(k)) return *v;
    return flights_
        .run(k,
             [&] {
               int v = 0;
               try {
                 v = loader(k);
               } catch (...) {
                 ++failures_;
                 throw;
               }
               ++loads_;
               c_.put(k, v);  // BUG: stores over a put or erase made during the load
               return v;
             })
        .value;
  }
  weft::cache_stats stats() const {
    weft::cache_stats s = c_.stats();
    s.loads = loads_;
    s.load_failures = failures_;
    return s;
  }

 private:
  weft::cache<int, int> c_;
  weft::singleflight<int, int> flights_;
  std::uint64_t loads_ = 0;  // (one OS thread per execution: plain counters)
  std::uint64_t failures_ = 0;
};
#else
using cache_under_test = weft::cache<int, int>;
#endif

enum class opk : std::uint8_t { get, put, erase, clear, get_or_load, cleanup, size, sleep, count_ };
constexpr const char* kOpNames[] = {"get",         "put",     "erase", "clear",
                                    "get_or_load", "cleanup", "size",  "sleep"};
constexpr const char* kExpiryNames[] = {"no expiry", "expire_after_write", "expire_after_access",
                                        "both expiries"};

struct op {
  opk kind;
  int key;
  bool loader_throws;
  bool loader_sleeps;
  us d;  // the loader's sleep, sleep
};

struct program {
  bool spurious = false;
  std::size_t max_size = 1;
  std::size_t shards = 1;
  bool lru = false;
  int expiry = 0;  // bit 0: expire_after_write, bit 1: expire_after_access
  us ttl{1};
  std::vector<std::vector<op>> workers;

  bool eaw() const { return (expiry & 1) != 0; }
  bool eaa() const { return (expiry & 2) != 0; }

  std::string describe() const {
    std::ostringstream os;
    os << "  cache<int,int>(max_size " << max_size << ", " << shards << " shard(s), "
       << (lru ? "lru" : "tiny_lfu") << ", " << kExpiryNames[expiry];
    if (expiry != 0) os << " " << ttl.count() << "us";
    os << ")" << (spurious ? ", spurious wake-ups" : "") << "\n";
    for (std::size_t w = 0; w < workers.size(); ++w) {
      os << "  worker " << w << ":";
      for (const op& o : workers[w]) {
        os << " " << kOpNames[static_cast<int>(o.kind)];
        if (o.kind <= opk::erase || o.kind == opk::get_or_load) os << "(k" << o.key << ")";
        if (o.kind == opk::get_or_load) {
          os << "[" << (o.loader_sleeps ? "sleep " + std::to_string(o.d.count()) + "us" : "")
             << (o.loader_throws ? " throws" : "") << "]";
        } else if (o.kind == opk::sleep) {
          os << "[" << o.d.count() << "us]";
        }
      }
      os << "\n";
    }
    return os.str();
  }
};

program decode(FuzzedDataProvider& in) {
  program p;
  p.spurious = weft::fuzz_targets::decode_spurious(in);
  p.max_size = in.ConsumeIntegralInRange<std::size_t>(1, 4);
  p.shards = in.ConsumeBool() ? 2 : 1;
  p.lru = in.ConsumeBool();
  p.expiry = in.ConsumeIntegralInRange<int>(0, 3);
  p.ttl = us(in.ConsumeIntegralInRange<int>(1, 20));
  p.workers.resize(in.ConsumeIntegralInRange<std::size_t>(1, 3));
  for (auto& ops : p.workers) {
    const int n = in.ConsumeIntegralInRange<int>(1, 5);
    for (int i = 0; i < n; ++i) {
      op o{};
      o.kind = weft::fuzz_targets::pick<opk>(in);
      o.key = in.ConsumeIntegralInRange<int>(0, kKeys - 1);
      o.loader_throws = in.ConsumeIntegralInRange<int>(0, 3) == 0;
      o.loader_sleeps = in.ConsumeBool();
      o.d = us(in.ConsumeIntegralInRange<int>(0, 30));
      ops.push_back(o);
    }
  }
  return p;
}

struct load_failure : std::runtime_error {
  explicit load_failure(int k) : std::runtime_error("load of key " + std::to_string(k)), key(k) {}
  int key;
};

// One produced value (write id = index + 1): a put, or a loader call. Sequence numbers
// order the oracle's events; 0: not yet.
struct write_rec {
  int key = 0;
  bool load = false;
  bool failed = false;  // a loader call that threw: no value
  int owner_w = -1;     // the put, or the get_or_load whose loader this is
  int owner_op = -1;
  std::uint64_t begin = 0;  // the put began / the loader was called
  std::uint64_t loader_end = 0;
  std::uint64_t end = 0;  // the put / the loading get_or_load returned: stored if ever
  weft::clock::time_point end_t{};
};

// A put, erase or clear (key -1): after it, the writes finished before it began are gone.
struct overwrite_rec {
  int key = -1;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

weft::cache_options options_of(const program& p) {
  weft::cache_options o;
  o.max_size = p.max_size;
  o.shards = p.shards;
  o.policy = p.lru ? weft::eviction_policy::lru : weft::eviction_policy::tiny_lfu;
  if (p.eaw()) o.expire_after_write = p.ttl;
  if (p.eaa()) o.expire_after_access = p.ttl;
  return o;
}

class world {
 public:
  explicit world(const program& p) : p_(p), cache_(options_of(p)), workers_(p.workers.size()) {
    writes_.reserve(64);
    overwrites_.reserve(64);
  }

  void run() {
    std::vector<weft::thread> threads;
    threads.reserve(workers_.size());
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      threads.emplace_back([this, w] { run_worker(static_cast<int>(w)); });
    }
    quiet_.settle();
    if (!p_.spurious) check_quiescent();
    for (auto& t : threads) {
      t.join();
    }
    for (int k = 0; k < kKeys; ++k) {
      get(-1, k, k);
    }
    check_end();
  }

 private:
  struct per_worker {
    weft::fuzz_targets::waiting wait;
  };

  std::uint64_t next() { return ++seq_; }

  void check_quiescent() {
    for (std::size_t w = 0; w < workers_.size(); ++w) {
      const auto& wt = workers_[w].wait;
      weft::fuzz::observe(3, w, wt.active ? static_cast<std::uint64_t>(wt.op) : 99);
      require(!wt.active, where(static_cast<int>(w), wt.op) +
                              "asleep in get_or_load although every loader has returned");
    }
  }

  void check_end() {
    const std::size_t n = cache_.size();
    const std::size_t wt = cache_.weight();
    require(n <= p_.max_size && wt <= p_.max_size, "size() " + std::to_string(n) + " / weight() " +
                                                       std::to_string(wt) + " above max_size " +
                                                       std::to_string(p_.max_size) + " at the end");
    const weft::cache_stats st = cache_.stats();
    require(st.hits + st.misses == lookups_,
            "stats: hits " + std::to_string(st.hits) + " + misses " + std::to_string(st.misses) +
                " != gets and get_or_loads made " + std::to_string(lookups_));
    require(st.loads + st.load_failures == loader_calls_,
            "stats: loads " + std::to_string(st.loads) + " + load_failures " +
                std::to_string(st.load_failures) + " != loader calls " +
                std::to_string(loader_calls_));
    require(
        st.load_failures == loader_throws_,
        "stats: load_failures " + std::to_string(st.load_failures) + " != loader calls that threw");
  }

  void run_worker(int w) {
    const auto& ops = p_.workers[static_cast<std::size_t>(w)];
    for (std::size_t i = 0; i < ops.size(); ++i) {
      run_op(w, static_cast<int>(i), ops[i]);
      quiet_.step();
    }
  }

  static std::string at(int w, int idx) {
    return w < 0 ? std::string("final get: ") : where(w, idx);
  }

  // Checks that v is a value produced for key k; returns its write record.
  const write_rec& produced(int w, int idx, int k, int v, const char* what) {
    const int id = v / kKeys;
    require(v >= kKeys && v % kKeys == k, at(w, idx) + what + " of key " + std::to_string(k) +
                                              " returned " + std::to_string(v) +
                                              ": not a value of that key");
    require(static_cast<std::size_t>(id) <= writes_.size(),
            at(w, idx) + what + " returned write " + std::to_string(id) + ", never made");
    const write_rec& x = writes_[static_cast<std::size_t>(id - 1)];
    require(x.key == k && !x.failed && (!x.load || x.loader_end != 0),
            at(w, idx) + what + " returned write " + std::to_string(id) +
                ", which produced no value of this key");
    return x;
  }

  // A get of key k by (w, idx); w < 0: the body's final get.
  void get(int w, int idx, int k) {
    const std::uint64_t begin = next();
    const auto t0 = weft::clock::now();
    const std::uint64_t epoch = ++ops_begun_[k];
    const bool alone = ops_running_[k] == 0;
    ++ops_running_[k];
    const std::optional<int> v = cache_.get(k);
    --ops_running_[k];
    ++lookups_;
    const bool overlapped = !alone || ops_begun_[k] != epoch;
    if (v) {
      const write_rec& x = produced(w, idx, k, *v, "get");
      const std::string id = "write " + std::to_string(*v / kKeys);
      for (const overwrite_rec& o : overwrites_) {
        if (o.key != -1 && o.key != k) continue;
        require(!(o.end != 0 && o.end < begin && x.end != 0 && x.end < o.begin),
                at(w, idx) + "get returned " + id +
                    ", which a later put/erase/clear of its key had replaced before the get");
        require(!(x.load && o.begin > x.begin && o.end != 0 && o.end < x.loader_end),
                at(w, idx) + "get returned " + id +
                    ", loaded while a put/erase/clear of its key came and went: never stored");
      }
      if (x.end != 0 && p_.eaw()) {
        require(t0 < x.end_t + p_.ttl,
                at(w, idx) + "get returned " + id + " at or after its expire_after_write deadline");
      }
      if (x.end != 0 && p_.eaa() && !overlapped) {
        require(
            t0 < std::max(x.end_t, last_op_end_t_[k]) + p_.ttl,
            at(w, idx) + "get returned " + id + " at or after its expire_after_access deadline");
      }
    }
    last_op_end_t_[k] = std::max(last_op_end_t_[k], weft::clock::now());
    weft::fuzz::observe(1, weft::fuzz_targets::op_site(w, idx),
                        v ? static_cast<std::uint64_t>(*v) : 0);
  }

  // A write of key k, as put(k) or a loader call; returns its value.
  int new_write(int w, int idx, int k, bool load) {
    write_rec x;
    x.key = k;
    x.load = load;
    x.owner_w = w;
    x.owner_op = idx;
    x.begin = next();
    writes_.push_back(x);
    return static_cast<int>(writes_.size()) * kKeys + k;
  }

  void ended(std::size_t i) {
    writes_[i].end = next();
    writes_[i].end_t = weft::clock::now();
  }

  // The loader call of get_or_load (w, idx), if it made one.
  const write_rec* own_load(int w, int idx) const {
    for (const write_rec& x : writes_) {
      if (x.load && x.owner_w == w && x.owner_op == idx) return &x;
    }
    return nullptr;
  }

  int loader(int w, int idx, const op& o, int k) {
    require(k == o.key, where(w, idx) + "the loader was called with another key");
    require(loaders_running_[k] == 0,
            where(w, idx) + "a second loader of key " + std::to_string(k) + " runs at once");
    ++loaders_running_[k];
    ++loader_calls_;
    const int v = new_write(w, idx, k, true);
    const std::size_t i = writes_.size() - 1;
    weft::fuzz::observe(2, weft::fuzz_targets::op_site(w, idx), static_cast<std::uint64_t>(k));
    if (o.loader_sleeps) weft::this_thread::sleep_for(o.d);
    --loaders_running_[k];
    writes_[i].loader_end = next();
    if (o.loader_throws) {
      writes_[i].failed = true;
      ++loader_throws_;
      throw load_failure(k);
    }
    return v;
  }

  void run_op(int w, int idx, const op& o) {
    const int k = o.key;
    per_worker& m = workers_[static_cast<std::size_t>(w)];
    switch (o.kind) {
      case opk::get:
        get(w, idx, k);
        break;
      case opk::put: {
        overwrites_.push_back(overwrite_rec{k, next(), 0});
        const std::size_t oi = overwrites_.size() - 1;
        ++ops_begun_[k];
        ++ops_running_[k];
        const int v = new_write(w, idx, k, false);
        const std::size_t wi = writes_.size() - 1;
        cache_.put(k, v);
        --ops_running_[k];
        ended(wi);
        overwrites_[oi].end = next();
        last_op_end_t_[k] = std::max(last_op_end_t_[k], weft::clock::now());
        break;
      }
      case opk::erase:
      case opk::clear: {
        const int key = o.kind == opk::erase ? k : -1;
        overwrites_.push_back(overwrite_rec{key, next(), 0});
        const std::size_t oi = overwrites_.size() - 1;
        if (key >= 0) {
          (void)cache_.erase(k);
        } else {
          cache_.clear();
        }
        overwrites_[oi].end = next();
        break;
      }
      case opk::get_or_load: {
        ++ops_begun_[k];
        ++ops_running_[k];
        m.wait.begin(idx, 0, 0, false, false);
        try {
          const int v =
              cache_.get_or_load(k, [this, w, idx, &o](int key) { return loader(w, idx, o, key); });
          (void)produced(w, idx, k, v, "get_or_load");
          if (const write_rec* own = own_load(w, idx)) {
            require(!own->failed, where(w, idx) + "its loader threw, but get_or_load returned");
            require(v / kKeys == static_cast<int>(own - writes_.data()) + 1,
                    where(w, idx) + "get_or_load returned another value than its own loader's");
          }
          weft::fuzz::observe(4, weft::fuzz_targets::op_site(w, idx),
                              static_cast<std::uint64_t>(v));
        } catch (const load_failure& e) {
          require(e.key == k, where(w, idx) + "get_or_load threw another key's load failure");
          if (const write_rec* own = own_load(w, idx)) {
            require(own->failed, where(w, idx) + "its loader returned, but get_or_load threw");
          }
          weft::fuzz::observe(4, weft::fuzz_targets::op_site(w, idx), 1);
        }
        m.wait.end();
        --ops_running_[k];
        ++lookups_;
        // Its own loader's value, if it loaded, is stored by now (or never).
        for (std::size_t i = 0; i < writes_.size(); ++i) {
          if (writes_[i].load && writes_[i].owner_w == w && writes_[i].owner_op == idx) ended(i);
        }
        last_op_end_t_[k] = std::max(last_op_end_t_[k], weft::clock::now());
        break;
      }
      case opk::cleanup: {
        const std::size_t n = cache_.cleanup();
        require(p_.expiry != 0 || n == 0, where(w, idx) +
                                              "cleanup() removed entries of a "
                                              "cache without expiry");
        break;
      }
      case opk::size: {
        const std::size_t n = cache_.size();
        weft::fuzz::observe(5, static_cast<std::uint64_t>(w), n);
        break;
      }
      case opk::sleep:
        weft::this_thread::sleep_for(o.d);
        break;
      case opk::count_:
        break;
    }
  }

  const program& p_;
  weft::fuzz_targets::quiescence quiet_;
  cache_under_test cache_;
  std::vector<per_worker> workers_;
  std::vector<write_rec> writes_;
  std::vector<overwrite_rec> overwrites_;
  std::uint64_t seq_ = 0;
  std::uint64_t lookups_ = 0;  // gets and get_or_loads made
  std::uint64_t loader_calls_ = 0;
  std::uint64_t loader_throws_ = 0;
  int loaders_running_[kKeys] = {};
  // For expire_after_access: operations on each key begun / running, and when the last
  // one that may have touched the entry ended.
  std::uint64_t ops_begun_[kKeys] = {};
  int ops_running_[kKeys] = {};
  weft::clock::time_point last_op_end_t_[kKeys] = {};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const program p = decode(in);
  const auto schedule = weft::fuzz::schedule_bytes(in);
  weft::fuzz::run(
      schedule, [&p] { weft::fuzz_targets::run_world<world>(p); },
      weft::fuzz_targets::options("cache_fuzzer", p.spurious), [&p] { return p.describe(); });
  return 0;
}
