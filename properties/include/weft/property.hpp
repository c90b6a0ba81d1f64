// weft/property.hpp — property-based checking of concurrent components: linearizability
// against a sequential model, and invariants, over generated concurrent scenarios that
// RapidCheck shrinks to a minimal failing one.
//
//   #include <weft/property.hpp>
//   #include <weft/prop/gtest.hpp>
//
//   struct counter_model {
//     int n = 0;
//     bool operator==(const counter_model&) const = default;
//   };
//
//   auto counter_spec() {
//     return weft::prop::spec<my_counter, counter_model>("counter")
//         .op("add", rc::gen::inRange(1, 4),
//             [](my_counter& c, int d) { return c.add(d); },      // returns the new value
//             [](counter_model& m, int d) { return m.n += d; })
//         .op("get",
//             [](my_counter& c) { return c.get(); },
//             [](counter_model& m) { return m.n; });
//   }
//
//   TEST(Counter, Linearizable) {
//     EXPECT_TRUE(weft::testing::passed(weft::prop::check(counter_spec())));
//   }
//
// Pieces, one header each:
//   weft/prop/spec.hpp          spec<Object, Model>: operations, model, invariants, keys
//   weft/prop/scenario.hpp      scenarios (init / T threads x K ops / post) and their shrinking
//   weft/prop/runner.hpp        check(), rc_check(), config, result, environment knobs
//   weft/prop/executor.hpp      engines: model mode (weft::model) and stress mode (weft::stress)
//   weft/prop/check_history.hpp a history against a spec; explain() a failure
//   weft/linearizability.hpp    the generic checker (Lowe's JIT search, memo, P-compositional)
//   weft/history.hpp            histories and their JSON Lines form
//   weft/prop/values.hpp        show / JSON / hash of argument, result and model values
//   weft/prop/gtest.hpp         GoogleTest assertions (include it where you use them)
// docs/properties.md walks through checking your own component.
#pragma once

#include "weft/history.hpp"
#include "weft/linearizability.hpp"
#include "weft/prop/check_history.hpp"
#include "weft/prop/executor.hpp"
#include "weft/prop/json.hpp"
#include "weft/prop/runner.hpp"
#include "weft/prop/scenario.hpp"
#include "weft/prop/spec.hpp"
#include "weft/prop/values.hpp"
