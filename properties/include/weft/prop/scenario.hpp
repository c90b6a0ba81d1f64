// weft/prop/scenario.hpp — concurrent scenarios: what each thread calls, generated and
// shrunk by RapidCheck.
//
// A scenario has three parts (as in Lincheck): an initial sequential part that brings the
// object into an interesting state, a parallel part of T threads each calling K
// operations, and a final sequential part that observes the state the parallel part left.
//
//   init:      push(3)  push(1)
//   parallel:  thread 1: pop()  push(2)     thread 2: size()  pop()
//   post:      pop()
//
// Generation picks each operation by weight and its arguments from the operation's
// generators. Shrinking tries, in order: dropping a whole thread, dropping the initial or
// final part, dropping single operations, then shrinking arguments — so a failing
// scenario is reported with as few threads, operations and as small arguments as still
// fail.
#pragma once

#include <any>
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include "weft/prop/spec.hpp"

namespace weft::prop {

// How large generated scenarios are (defaults: Lincheck's).
struct shape {
  std::size_t threads = 2;         // threads in the parallel part
  std::size_t ops_per_thread = 5;  // operations per parallel thread
  std::size_t ops_before = 5;      // at most this many in the initial part
  std::size_t ops_after = 5;       // at most this many in the final part
};

// One call: the operation and its arguments.
struct invocation {
  std::shared_ptr<const detail::op_info> op;
  std::size_t index = 0;  // the operation's index in its spec
  std::any args;          // std::tuple of the argument values

  std::string to_string() const;  // "push(3)"
};

struct scenario {
  std::vector<invocation> init;
  std::vector<std::vector<invocation>> parallel;
  std::vector<invocation> post;

  std::size_t size() const;  // operations in all parts
};

// Scenario in columns, one per thread; with `results` (one per operation, in the order
// init, thread 1, ..., thread T, post) each call shows what it returned.
std::string format_scenario(const scenario& s, const std::vector<std::string>* results = nullptr);

// RapidCheck shows counterexamples with this.
std::ostream& operator<<(std::ostream& os, const scenario& s);

// A RapidCheck generator of scenarios over `ops` (see the header comment).
rc::Gen<scenario> scenario_gen(std::vector<std::shared_ptr<const detail::op_info>> ops,
                               const shape& sh);

template <class Object, class Model>
rc::Gen<scenario> scenario_gen(const spec<Object, Model>& s, const shape& sh) {
  return scenario_gen(s.data().infos(), sh);
}

}  // namespace weft::prop
