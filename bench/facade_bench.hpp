// facade_bench.hpp — what each flavour's copy of facade_bench.cpp exports.
#pragma once

#include <benchmark/benchmark.h>

#include <vector>

struct facade_case {
  const char* op;
  void (*fn)(benchmark::State&);
  bool threaded;  // measures wall time across threads: real time, longer minimum time
};

struct facade_cases {
  const char* flavour;
  std::vector<facade_case> cases;
};

std::vector<facade_cases> facade_cases_instrumented();  // std and instrumented
std::vector<facade_cases> facade_cases_native();        // native (WEFT_NATIVE)
