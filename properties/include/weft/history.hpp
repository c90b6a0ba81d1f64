// weft/history.hpp — concurrent histories: what each thread called, what it got back, and
// when; kept in memory for the checker and as JSON Lines on disk.
//
// A history is a list of operations. Each has an invocation and a return stamp taken from
// one counter shared by all threads (the property runner stamps immediately before the
// call and immediately after it returns), so stamps order events as they really happened:
// operation A precedes B iff A.ret < B.invoke; otherwise they overlap. In model mode the
// counter is logical time (deterministic under the controlled scheduler); in stress mode
// it is a global atomic counter on real threads. An operation that never returned (its
// thread was stuck when the run ended) is pending: ret == weft::prop::never.
//
// On disk, one operation per line, e.g.
//
//   {"thread":1,"op":"push","args":[3],"result":true,"invoke":4,"return":9}
//   {"thread":2,"op":"pop","args":[],"result":null,"invoke":5,"return":null}
//
// `thread` 0 is the sequential part (before and after the parallel threads, which are
// 1..T); `args` is a JSON array, `result` any JSON value, `return` null for a pending
// operation. Other fields are ignored when reading, so files from other tools that use
// the same names load too. Re-check a kept history with weft::prop::check_history.
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace weft::prop {

// The return stamp of an operation that never returned.
inline constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();

struct operation {
  int thread = 0;               // 0: the sequential part; 1..T: the parallel threads
  std::string op;               // the operation's name
  std::string args = "[]";      // JSON array of the arguments
  std::string result = "null";  // JSON of the result (ignored while pending)
  std::uint64_t invoke = 0;     // stamp taken just before the call
  std::uint64_t ret = never;    // stamp taken just after the return; never = pending

  // In memory only, set by the runner (and by check_history from the spec): which of the
  // spec's operations this is, and the typed arguments and result (when `typed_result`
  // is empty, the result is compared through its JSON text).
  std::size_t op_index = static_cast<std::size_t>(-1);
  std::any typed_args;
  std::any typed_result;

  bool pending() const noexcept { return ret == never; }
};

using history = std::vector<operation>;

// JSON Lines. Reading throws std::runtime_error naming the line that is malformed.
void write_jsonl(std::ostream& os, const history& h);
std::string to_jsonl(const history& h);
history read_jsonl(std::istream& is);
history parse_jsonl(std::string_view text);
void save_history(const std::string& path, const history& h);
history load_history(const std::string& path);

// One operation as "push(3) -> true" (from its JSON fields), or "... -> (pending)".
std::string describe(const operation& o);

// A table of the history ordered by invocation: thread, operation, result, stamps. With
// `described` (one entry per operation) those texts replace describe(o).
std::string format_history(const history& h, const std::vector<std::string>* described = nullptr);

}  // namespace weft::prop
