// Peterson's lock under Relacy (peterson.hpp): the weak-memory bug weft's model mode
// cannot see (../relacy_peterson_model_test.cpp shows it passing there), found here,
// and the seq_cst version that is correct — with the random scheduler and with Relacy's
// exhaustive full search.
#include <weft/relacy.hpp>

#include "peterson.hpp"

namespace {

weft::relacy::options full_search() {
  weft::relacy::options o;
  o.scheduler = weft::relacy::scheduler::full;
  o.use_environment = false;  // exhaustive whatever the environment says
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  using weft::relacy::fails_with;
  using weft::relacy::passes;
  using weft_test::peterson_acq_rel;
  using weft_test::peterson_seq_cst;
  return weft::relacy::test_main(
      argc, argv,
      {
          fails_with<peterson_acq_rel>("peterson acquire/release: mutual exclusion broken",
                                       rl::test_result_data_race),
          fails_with<peterson_acq_rel>("peterson acquire/release, full search",
                                       rl::test_result_data_race, full_search()),
          passes<peterson_seq_cst>("peterson seq_cst"),
          passes<peterson_seq_cst>("peterson seq_cst, full search", full_search()),
      });
}
