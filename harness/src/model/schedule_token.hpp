// schedule_token.hpp — a schedule as a printable, strategy-independent replay token.
//
// A schedule is the list of decisions an execution took (thread ids where several
// threads could run, values of choose(n), spurious wake-ups, notify targets) plus a
// fingerprint of the execution (step count and a hash of the thread that ran at every
// step). Replaying feeds the decisions back; if the fingerprint differs at the end, or a
// decision does not fit, the program is nondeterministic under weft (it depends on
// something the checker does not control) and replay says so instead of showing a
// wrong trace.
//
// Format: "w1." followed by base64url of varints: steps, hash, number of runs, then
// (value, repeat) pairs — decisions are run-length encoded, so long runs of one thread
// stay short.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::model::detail {

struct recorded_schedule {
  std::vector<std::uint32_t> decisions;
  std::uint64_t steps = 0;
  std::uint32_t hash = 0;
};

std::string encode_schedule(const recorded_schedule& s);
// Throws std::invalid_argument on a malformed token.
recorded_schedule decode_schedule(std::string_view token);

}  // namespace weft::model::detail
