// weft/prop/check_history.hpp — a history checked against a spec's model, and the
// explanation of a failed check.
//
//   weft::prop::history h = weft::prop::load_history("failing.jsonl");
//   auto r = weft::prop::check_history(my_spec, h);
//   if (!r.ok()) std::cout << weft::prop::explain(my_spec, h, r);
//
// The history may come from the property runner (typed arguments and results) or from a
// JSON Lines file (then each operation is found by name, its arguments are decoded with
// weft::prop::decode_json, and results are compared through their JSON text).
//
// When every operation in the history has a key (spec::key), the history is checked per
// key (P-compositionality); otherwise as a whole.
#pragma once

#include <cstddef>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/history.hpp"
#include "weft/linearizability.hpp"
#include "weft/prop/spec.hpp"

namespace weft::prop {

namespace detail {

inline std::string thread_label(int thread) {
  if (thread == 0) return "seq";
  return std::string(1, 't').append(std::to_string(thread));
}

// "[t1] push(3) -> true", with typed values where the history has them.
template <class Object, class Model>
std::string describe_op(const spec_data<Object, Model>& s, const operation& o) {
  std::string out = "[" + thread_label(o.thread) + "] ";
  if (o.op_index < s.ops.size() && o.typed_args.has_value()) {
    const op_info& info = s.op(o.op_index);
    out += info.name + "(" + info.show_args(o.typed_args) + ") -> ";
    if (o.pending()) {
      out += "(pending)";
    } else if (o.typed_result.has_value()) {
      out += info.show_result(o.typed_result);
    } else {
      out += o.result;
    }
    return out;
  }
  return out + prop::describe(o);
}

// Resolves op_index and typed_args of operations read from a file.
template <class Object, class Model>
void resolve(const spec_data<Object, Model>& s, history& h) {
  for (operation& o : h) {
    if (o.op_index >= s.ops.size()) {
      o.op_index = s.find(o.op);
      if (o.op_index >= s.ops.size()) {
        throw std::invalid_argument("history operation \"" + o.op +
                                    "\" is not an operation of spec " + s.name);
      }
    }
    if (!o.typed_args.has_value()) {
      o.typed_args = s.op(o.op_index).decode_args(json::value::parse(o.args));
    }
  }
}

// The check proper, on a resolved history. Operations never started (invoke == never)
// are ignored.
template <class Object, class Model>
check_result check_resolved(const spec_data<Object, Model>& s, const history& h,
                            const checker_budget& budget) {
  std::vector<interval> iv;
  std::vector<std::size_t> index;
  iv.reserve(h.size());
  index.reserve(h.size());
  bool all_keyed = true;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (h[i].invoke == never) continue;
    iv.push_back({h[i].invoke, h[i].ret});
    index.push_back(i);
    all_keyed = all_keyed && s.op(h[i].op_index).keyed;
  }
  std::vector<std::vector<std::size_t>> parts;
  if (all_keyed && !iv.empty()) {
    parts = partition_by_key(iv.size(), [&](std::size_t i) {
      const operation& o = h[index[i]];
      return s.op(o.op_index).key(o.typed_args);
    });
  }
  auto step = [&](const Model& m, std::size_t i, std::vector<Model>& out) {
    const operation& o = h[index[i]];
    s.op(o.op_index).step(m, o, out);
  };
  check_result r = check_linearizability(std::span<const interval>(iv), s.initial_model(), step,
                                         budget, std::span<const std::vector<std::size_t>>(parts));
  for (std::size_t& p : r.partition) {
    p = index[p];
  }
  for (lin_step& l : r.longest) {
    l.op = index[l.op];
  }
  return r;
}

}  // namespace detail

// Checks `h` against the spec's model (see the header comment).
template <class Object, class Model>
check_result check_history(const spec<Object, Model>& s, history h,
                           const checker_budget& budget = {}) {
  detail::resolve(s.data(), h);
  return detail::check_resolved(s.data(), h, budget);
}

// Why `r` is not linearizable (or undecided), in words: the longest linearizable prefix,
// the model state after it, the operation that cannot be placed and what the model
// allowed instead for each operation that could have come next.
template <class Object, class Model>
std::string explain(const detail::spec_data<Object, Model>& s, const history& h,
                    const check_result& r) {
  std::ostringstream os;
  if (r.ok()) {
    os << "the history is linearizable\n";
    return os.str();
  }
  const bool undecided = r.result == verdict::undecided;
  if (undecided) {
    os << "the checker gave up: " << r.reason << "\n";
  } else {
    os << "no linearization exists";
  }
  if (r.partitions > 1 && !r.partition.empty()) {
    const operation& o = h[r.partition.front()];
    os << (undecided ? "  (in the part of key " : " for key ") << s.op(o.op_index).key(o.typed_args)
       << (undecided ? ", " : " (") << "one of " << r.partitions << " keys checked independently)";
  }
  os << (undecided ? "\n" : ".\n");

  // Replay the longest prefix to find the state it leads to.
  std::vector<bool> placed(h.size(), false);
  Model state = s.initial_model();
  os << "longest linearizable prefix: " << r.longest.size() << " of " << r.partition.size()
     << " operations" << (r.longest.empty() ? "\n" : ":\n");
  std::vector<Model> next;
  std::size_t n = 0;
  for (const lin_step& l : r.longest) {
    const operation& o = h[l.op];
    os << "  " << ++n << ". " << detail::describe_op(s, o) << "\n";
    next.clear();
    s.op(o.op_index).step(state, o, next);
    if (l.alternative < next.size()) state = next[l.alternative];
    placed[l.op] = true;
  }
  os << "model state after it: " << s.describe_model(state) << "\n";
  if (undecided) return os.str();

  // The operation that cannot be placed: the earliest return among the rest.
  std::size_t blocking = static_cast<std::size_t>(-1);
  for (const std::size_t i : r.partition) {
    if (placed[i] || h[i].pending()) continue;
    if (blocking == static_cast<std::size_t>(-1) || h[i].ret < h[blocking].ret) blocking = i;
  }
  if (blocking == static_cast<std::size_t>(-1)) return os.str();
  os << "cannot place " << detail::describe_op(s, h[blocking]) << " (invoked at "
     << h[blocking].invoke << ", returned at " << h[blocking].ret
     << "): it or an operation overlapping it must come next, and none fits:\n";
  for (const std::size_t i : r.partition) {
    const operation& o = h[i];
    if (placed[i] || o.invoke > h[blocking].ret) continue;
    next.clear();
    s.op(o.op_index).step(state, o, next);
    os << "  " << detail::describe_op(s, o) << ": ";
    if (!next.empty()) {
      os << "fits, but no linearization of the rest follows it\n";
      continue;
    }
    const auto allowed = s.op(o.op_index).allowed(state, o.typed_args);
    os << "the model allows ";
    for (std::size_t k = 0; k < allowed.size(); ++k) {
      os << (k == 0 ? "" : " or ") << allowed[k];
    }
    os << "\n";
  }
  return os.str();
}

template <class Object, class Model>
std::string explain(const spec<Object, Model>& s, history h, const check_result& r) {
  detail::resolve(s.data(), h);
  return explain(s.data(), h, r);
}

}  // namespace weft::prop
