// The TSan wiring check: a racy component run under weft::stress must be reported by
// ThreadSanitizer, and its fixed twin must not be. Runs in ThreadSanitizer builds (the
// tsan preset), where CMake defines WEFT_RACY_MAILBOX_PROBE; skips elsewhere.
//
// Each test runs weft_racy_mailbox_probe in a child process with
// TSAN_OPTIONS=halt_on_error=1:exitcode=66 and inspects its exit status and stderr. A
// child rather than an in-process run, because a TSan report with halt_on_error ends
// the whole process — which is exactly what the check needs to see.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace {

struct child_result {
  int exit_code = -1;  // -1: killed by a signal (or by us at the time limit)
  std::string output;  // stdout and stderr, interleaved
  bool timed_out = false;
};

// Runs `args` with TSAN_OPTIONS replaced by `tsan_options`; gives up after `limit`.
child_result run_child(const std::vector<std::string>& args, const std::string& tsan_options,
                       std::chrono::seconds limit) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "TSAN_OPTIONS=", 13) != 0) env_strings.emplace_back(*e);
  }
  env_strings.push_back("TSAN_OPTIONS=" + tsan_options);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> arg_strings = args;
  std::vector<char*> argv;
  argv.reserve(arg_strings.size() + 1);
  for (auto& s : arg_strings) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);

  child_result res;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    res.output = std::string("pipe: ") + std::strerror(errno);
    return res;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    res.output = std::string("posix_spawn ") + args[0] + ": " + std::strerror(rc);
    return res;
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      res.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    const ssize_t got = ::read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the child closed its output (it exited)
    res.output.append(buf, static_cast<std::size_t>(got));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
  return res;
}

constexpr const char* kOptions = "halt_on_error=1:exitcode=66";
constexpr auto kLimit = std::chrono::seconds(120);

#if defined(WEFT_RACY_MAILBOX_PROBE)
constexpr const char* kProbe = WEFT_RACY_MAILBOX_PROBE;
#else
constexpr const char* kProbe = "";  // not a ThreadSanitizer build
#endif
constexpr const char* kNotTsan = "not a ThreadSanitizer build (the tsan preset runs this)";

TEST(TsanWiring, RacyMailboxIsReported) {
  if (kProbe[0] == '\0') GTEST_SKIP() << kNotTsan;
  const child_result r = run_child({kProbe, "racy"}, kOptions, kLimit);
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 66) << r.output;
  EXPECT_NE(r.output.find("WARNING: ThreadSanitizer: data race"), std::string::npos) << r.output;
  // The report points into the racy component, not into weft's machinery.
  EXPECT_NE(r.output.find("mailbox"), std::string::npos) << r.output;
}

TEST(TsanWiring, FixedMailboxIsClean) {
  if (kProbe[0] == '\0') GTEST_SKIP() << kNotTsan;
  const child_result r = run_child({kProbe, "fixed"}, kOptions, kLimit);
  ASSERT_FALSE(r.timed_out) << r.output;
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("ThreadSanitizer"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("weft stress run passed"), std::string::npos) << r.output;
}

}  // namespace
