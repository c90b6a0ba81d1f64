#include <unistd.h>

#include <climits>
#include <string>

#include "weft/gtest.hpp"
#include "weft/sync/runtime.hpp"

namespace weft::testing {

namespace {

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "<test binary>";
  return std::string(buf, static_cast<std::size_t>(n));
}

// Forwards failures raised inside a checker's logical threads to the checker.
class failure_forwarder final : public ::testing::EmptyTestEventListener {
 public:
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    auto* rt = weft::detail::active_runtime();
    if (rt == nullptr) return;
    const std::string text = result.summary();
    const char* file = result.file_name();
    rt->report_failure(text.c_str(),
                       weft::source_loc{file != nullptr ? file : "",
                                        static_cast<unsigned>(
                                            result.line_number() > 0 ? result.line_number() : 0)},
                       false);
  }
};

}  // namespace

std::string replay_command(const weft::model::report& report) {
  std::string cmd = "WEFT_REPLAY=" + report.replay + " " + self_path();
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    cmd += std::string(" --gtest_filter=") + info->test_suite_name() + "." + info->name();
  }
  return cmd;
}

::testing::AssertionResult passed(const weft::model::report& report) {
  if (report.ok()) return ::testing::AssertionSuccess() << report;
  auto result = ::testing::AssertionFailure() << report;
  if (!report.replay.empty()) result << "reproduce with:\n  " << replay_command(report) << "\n";
  return result;
}

::testing::AssertionResult failed_with(const weft::model::report& report,
                                       weft::model::failure kind) {
  if (report.kind == kind) return ::testing::AssertionSuccess() << report;
  return ::testing::AssertionFailure()
         << "expected the check to fail with " << weft::model::to_string(kind) << ", got "
         << weft::model::to_string(report.kind) << "\n"
         << report;
}

bool detail::install_listener() noexcept {
  static const bool installed = [] {
    // Only bad_alloc can escape, during static initialisation: terminating is intended
    // (gtest.hpp). gtest's listener list takes ownership of a raw pointer.
    // NOLINTNEXTLINE(bugprone-unhandled-exception-at-new)
    ::testing::UnitTest::GetInstance()->listeners().Append(new failure_forwarder);
    return true;
  }();
  return installed;
}

}  // namespace weft::testing
