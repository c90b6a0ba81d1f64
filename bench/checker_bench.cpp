// checker_bench.cpp — throughput of weft's linearizability checker (weft/linearizability.hpp).
//
//   BM_kv/clients/partitioned/bad      generated key-value histories (get / put / append on
//                                      10 keys, string values as in Porcupine's KV tests),
//                                      1, 10 and 50 clients; ~58, ~340 and ~1,700 operations;
//                                      whole (unpartitioned) for 1 and 10 clients only — 50
//                                      clients unpartitioned does not finish (nor in Porcupine)
//   .../bad:1                          the same with one get result corrupted (must fail)
//   BM_queue/clients/ops_per_client    FIFO queue histories (enqueue / dequeue)
//   BM_spec_queue/...                  the same checked through a weft::prop::spec (std::any
//                                      arguments and results, virtual model steps)
//   porcupine/<file>/...               Porcupine's own test_data/kv histories, when
//                                      WEFT_PORCUPINE_DATA names a directory holding them
//                                      (c01-ok.txt, c10-ok.txt, c50-ok.txt, *-bad.txt)
//
// Counters: ops (operations in the history), states (memoised configurations), and
// peak_rss_mb (the process's peak resident set so far). Histories are generated once per
// benchmark, from a fixed seed, so every run checks the same input.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "weft/linearizability.hpp"
#include "weft/property.hpp"

namespace {

using weft::prop::interval;

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

// --- key-value histories ------------------------------------------------------------------

struct kv_op {
  std::uint8_t kind;  // 0 get, 1 put, 2 append
  int key;
  std::string value;  // put / append argument
  std::string out;    // get result
};

struct kv_history {
  std::vector<kv_op> ops;
  std::vector<interval> when;
  int keys = 0;
};

// Simulates `clients` clients against a linearizable store: each operation is invoked,
// takes effect at a later step, and returns at a later step still; at every step one
// random client advances. So operations overlap about as much as there are clients.
kv_history generate_kv(int clients, int ops_per_client, int keys, std::uint64_t seed,
                       bool corrupt) {
  std::mt19937_64 rng(seed);
  kv_history h;
  h.keys = keys;
  std::vector<std::string> store(static_cast<std::size_t>(keys));
  struct client {
    int phase = 0;  // 0 idle, 1 invoked, 2 applied
    std::size_t op = 0;
    int done = 0;
  };
  std::vector<client> cs(static_cast<std::size_t>(clients));
  std::uint64_t now = 0;
  int active = clients;
  while (active > 0) {
    client& c = cs[rng() % cs.size()];
    const std::size_t self = static_cast<std::size_t>(&c - cs.data());
    if (c.phase == 0) {
      if (c.done == ops_per_client) continue;
      kv_op op;
      op.kind = static_cast<std::uint8_t>(rng() % 3);
      op.key = static_cast<int>(rng() % static_cast<std::uint64_t>(keys));
      if (op.kind != 0)
        op.value = "x " + std::to_string(self) + " " + std::to_string(c.done) + " y";
      c.op = h.ops.size();
      h.ops.push_back(std::move(op));
      h.when.push_back({now++, weft::prop::never});
      c.phase = 1;
    } else if (c.phase == 1) {
      kv_op& op = h.ops[c.op];
      std::string& v = store[static_cast<std::size_t>(op.key)];
      if (op.kind == 0) op.out = v;
      if (op.kind == 1) v = op.value;
      if (op.kind == 2) v += op.value;
      c.phase = 2;
    } else {
      h.when[c.op].ret = now++;
      c.phase = 0;
      if (++c.done == ops_per_client) --active;
    }
  }
  if (corrupt) {
    for (std::size_t i = h.ops.size() / 2; i < h.ops.size(); ++i) {
      if (h.ops[i].kind == 0) {
        h.ops[i].out += "z";
        break;
      }
    }
  }
  return h;
}

// Porcupine's KV log format: {:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}
std::optional<kv_history> load_porcupine(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  kv_history h;
  std::map<int, std::size_t> open;  // process -> operation
  std::string line;
  std::uint64_t now = 0;
  auto field = [](const std::string& l, const std::string& name) -> std::string {
    const std::size_t at = l.find(name);
    if (at == std::string::npos) return {};
    std::size_t start = at + name.size();
    if (l.compare(start, 3, "nil") == 0) return {};
    if (l[start] == '"') {
      const std::size_t end = l.find('"', start + 1);
      return l.substr(start + 1, end - start - 1);
    }
    const std::size_t end = l.find_first_of(",}", start);
    return l.substr(start, end - start);
  };
  while (std::getline(in, line)) {
    const int process = std::stoi(field(line, ":process "));
    const std::string type = field(line, ":type ");
    const std::string f = field(line, ":f ");
    if (type == ":invoke") {
      kv_op op;
      op.kind = f == ":get" ? 0 : f == ":put" ? 1 : 2;
      op.key = std::stoi(field(line, ":key "));
      if (op.kind != 0) op.value = field(line, ":value ");
      h.keys = std::max(h.keys, op.key + 1);
      open[process] = h.ops.size();
      h.ops.push_back(std::move(op));
      h.when.push_back({now++, weft::prop::never});
    } else if (type == ":ok") {
      const std::size_t i = open.at(process);
      open.erase(process);
      if (h.ops[i].kind == 0) h.ops[i].out = field(line, ":value ");
      h.when[i].ret = now++;
    }
  }
  return h;
}

// One key's value (partitioned) — Porcupine's kvModel.
weft::prop::check_result check_kv_partitioned(const kv_history& h) {
  const auto parts =
      weft::prop::partition_by_key(h.ops.size(), [&](std::size_t i) { return h.ops[i].key; });
  return weft::prop::check_linearizability(
      std::span<const interval>(h.when), std::string(),
      [&](const std::string& s, std::size_t i, std::vector<std::string>& out) {
        const kv_op& op = h.ops[i];
        if (op.kind == 0) {
          if (op.out == s) out.push_back(s);
        } else if (op.kind == 1) {
          out.push_back(op.value);
        } else {
          out.push_back(s + op.value);
        }
      },
      weft::prop::checker_budget{100'000'000, 600.0},
      std::span<const std::vector<std::size_t>>(parts));
}

// Every key's value (unpartitioned) — Porcupine's kvNoPartitionModel.
weft::prop::check_result check_kv_whole(const kv_history& h) {
  using state = std::vector<std::string>;
  return weft::prop::check_linearizability(
      std::span<const interval>(h.when), state(static_cast<std::size_t>(h.keys)),
      [&](const state& s, std::size_t i, std::vector<state>& out) {
        const kv_op& op = h.ops[i];
        const auto k = static_cast<std::size_t>(op.key);
        if (op.kind == 0) {
          if (op.out == s[k]) out.push_back(s);
        } else {
          out.push_back(s);
          out.back()[k] = op.kind == 1 ? op.value : s[k] + op.value;
        }
      },
      weft::prop::checker_budget{100'000'000, 600.0});
}

void report(benchmark::State& st, const weft::prop::check_result& r, std::size_t ops,
            weft::prop::verdict expected) {
  if (r.result != expected) {
    st.SkipWithError(
        ("unexpected verdict: " + std::string(weft::prop::to_string(r.result))).c_str());
  }
  st.counters["ops"] = static_cast<double>(ops);
  st.counters["states"] = static_cast<double>(r.states);
  st.counters["peak_rss_mb"] = peak_rss_mb();
}

int ops_per_client(int clients) {
  // Porcupine's logs: 58 ops for 1 client, 337 for 10, 1,712 for 50.
  return clients == 1 ? 58 : clients == 10 ? 34 : 34;
}

void BM_kv(benchmark::State& st) {
  const int clients = static_cast<int>(st.range(0));
  const bool partitioned = st.range(1) != 0;
  const bool bad = st.range(2) != 0;
  const kv_history h = generate_kv(clients, ops_per_client(clients), 10,
                                   42 + static_cast<std::uint64_t>(clients), bad);
  weft::prop::check_result r;
  for (auto _ : st) {
    r = partitioned ? check_kv_partitioned(h) : check_kv_whole(h);
    benchmark::DoNotOptimize(r.result);
  }
  report(st, r, h.ops.size(),
         bad ? weft::prop::verdict::not_linearizable : weft::prop::verdict::linearizable);
}
BENCHMARK(BM_kv)
    ->ArgNames({"clients", "partitioned", "bad"})
    ->Args({1, 1, 0})
    ->Args({10, 1, 0})
    ->Args({50, 1, 0})
    ->Args({1, 0, 0})
    ->Args({10, 0, 0})
    ->Args({10, 1, 1})
    ->Args({50, 1, 1})
    ->Args({10, 0, 1})
    ->Unit(benchmark::kMillisecond);

void BM_porcupine(benchmark::State& st, const std::string& file, bool partitioned, bool bad) {
  const char* dir = std::getenv("WEFT_PORCUPINE_DATA");  // NOLINT(concurrency-mt-unsafe)
  const auto h = load_porcupine(std::string(dir) + "/" + file);
  if (!h) {
    st.SkipWithError(("cannot read " + file).c_str());
    return;
  }
  weft::prop::check_result r;
  for (auto _ : st) {
    r = partitioned ? check_kv_partitioned(*h) : check_kv_whole(*h);
    benchmark::DoNotOptimize(r.result);
  }
  report(st, r, h->ops.size(),
         bad ? weft::prop::verdict::not_linearizable : weft::prop::verdict::linearizable);
}

// --- queue histories ------------------------------------------------------------------------

struct q_history {
  std::vector<bool> enq;
  std::vector<int> value;  // enqueued, or dequeued (-1: empty)
  std::vector<interval> when;
};

q_history generate_queue(int clients, int ops_per_client, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  q_history h;
  std::deque<int> q;
  struct client {
    int phase = 0;
    std::size_t op = 0;
    int done = 0;
  };
  std::vector<client> cs(static_cast<std::size_t>(clients));
  std::uint64_t now = 0;
  int active = clients;
  int next_value = 0;
  while (active > 0) {
    client& c = cs[rng() % cs.size()];
    if (c.phase == 0) {
      if (c.done == ops_per_client) continue;
      c.op = h.enq.size();
      // Keep the queue short: concurrent enqueues whose order is only revealed when
      // they are dequeued multiply the model states, so a long queue of them makes any
      // generic checker exponential (Lowe gives a queue-specific algorithm for that).
      h.enq.push_back(rng() % (q.size() <= 2 ? 2 : 4) == 0);
      h.value.push_back(h.enq.back() ? next_value++ : -1);
      h.when.push_back({now++, weft::prop::never});
      c.phase = 1;
    } else if (c.phase == 1) {
      if (h.enq[c.op]) {
        q.push_back(h.value[c.op]);
      } else if (!q.empty()) {
        h.value[c.op] = q.front();
        q.pop_front();
      }
      c.phase = 2;
    } else {
      h.when[c.op].ret = now++;
      c.phase = 0;
      if (++c.done == ops_per_client) --active;
    }
  }
  return h;
}

void BM_queue(benchmark::State& st) {
  const int clients = static_cast<int>(st.range(0));
  const q_history h = generate_queue(clients, static_cast<int>(st.range(1)), 7);
  using state = std::deque<int>;
  weft::prop::check_result r;
  for (auto _ : st) {
    r = weft::prop::check_linearizability(
        std::span<const interval>(h.when), state{},
        [&](const state& s, std::size_t i, std::vector<state>& out) {
          if (h.enq[i]) {
            out.push_back(s);
            out.back().push_back(h.value[i]);
          } else if (s.empty() ? h.value[i] == -1 : s.front() == h.value[i]) {
            out.push_back(s);
            if (!s.empty()) out.back().pop_front();
          }
        },
        weft::prop::checker_budget{2'000'000, 60.0});
    benchmark::DoNotOptimize(r.result);
  }
  report(st, r, h.when.size(), weft::prop::verdict::linearizable);
}
BENCHMARK(BM_queue)
    ->ArgNames({"clients", "ops_per_client"})
    ->Args({1, 100})
    ->Args({4, 100})
    ->Args({10, 50})
    ->Args({10, 100})
    ->Unit(benchmark::kMillisecond);

// The same queue histories through a spec: std::any arguments/results, virtual steps.
struct no_object {};
using q_model = std::deque<int>;

auto queue_spec() {
  return weft::prop::spec<no_object, q_model>("queue")
      .op(
          "enq", rc::gen::arbitrary<int>(), [](no_object&, int) {},
          [](q_model& m, int v) { m.push_back(v); })
      .op(
          "deq", [](no_object&) { return std::optional<int>(); },
          [](q_model& m) -> std::optional<int> {
            if (m.empty()) return std::nullopt;
            const int v = m.front();
            m.pop_front();
            return v;
          });
}

void BM_spec_queue(benchmark::State& st) {
  const int clients = static_cast<int>(st.range(0));
  const q_history q = generate_queue(clients, static_cast<int>(st.range(1)), 7);
  const auto spec = queue_spec();
  weft::prop::history h;
  for (std::size_t i = 0; i < q.enq.size(); ++i) {
    weft::prop::operation o;
    o.op_index = q.enq[i] ? 0 : 1;
    o.op = q.enq[i] ? "enq" : "deq";
    o.invoke = q.when[i].invoke;
    o.ret = q.when[i].ret;
    if (q.enq[i]) {
      o.typed_args = std::tuple<int>(q.value[i]);
      o.typed_result = weft::prop::unit{};
    } else {
      o.typed_args = std::tuple<>();
      o.typed_result = q.value[i] < 0 ? std::optional<int>() : std::optional<int>(q.value[i]);
    }
    h.push_back(std::move(o));
  }
  weft::prop::check_result r;
  for (auto _ : st) {
    r = weft::prop::check_history(spec, h, weft::prop::checker_budget{2'000'000, 60.0});
    benchmark::DoNotOptimize(r.result);
  }
  report(st, r, h.size(), weft::prop::verdict::linearizable);
}
BENCHMARK(BM_spec_queue)
    ->ArgNames({"clients", "ops_per_client"})
    ->Args({4, 100})
    ->Args({10, 50})
    ->Unit(benchmark::kMillisecond);

// Registered at startup when WEFT_PORCUPINE_DATA is set.
const bool porcupine_registered = [] {
  if (std::getenv("WEFT_PORCUPINE_DATA") == nullptr) return false;  // NOLINT(concurrency-mt-unsafe)
  for (const char* f : {"c01-ok", "c10-ok", "c50-ok", "c01-bad", "c10-bad", "c50-bad"}) {
    const bool bad = std::string(f).find("bad") != std::string::npos;
    for (bool partitioned : {true, false}) {
      if (!partitioned && std::string(f).rfind("c50", 0) == 0) continue;  // hours unpartitioned
      benchmark::RegisterBenchmark(
          ("porcupine/" + std::string(f) + (partitioned ? "/partitioned" : "/whole")).c_str(),
          [f, partitioned, bad](benchmark::State& st) {
            BM_porcupine(st, std::string(f) + ".txt", partitioned, bad);
          })
          ->Unit(benchmark::kMillisecond);
    }
  }
  return true;
}();

}  // namespace
