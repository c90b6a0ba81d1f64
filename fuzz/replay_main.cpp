// replay_main.cpp — runs fuzz inputs through a target without libFuzzer.
//
//   <target>_replay [--expect-crash] [--verbose] <file-or-directory>...
//
// Linked with any fuzz target source (one that defines LLVMFuzzerTestOneInput), this is
// the `main` of the target's replay binary: it runs every given file, and every regular
// file of every given directory (not recursively; names starting with '.' and README*
// skipped), through the target in sorted order. This is how ctest replays the committed
// corpora and regression inputs on every CI run, with any compiler and no fuzzing
// engine — a failing input aborts the process with the target's report, as it would
// under libFuzzer.
//
// --expect-crash: each input runs in a child process and must crash (abort, signal or
// non-zero exit): the test that a planted bug is still found by its committed input.
// --verbose: name every input as it runs (and, with --expect-crash, show the children's
// reports).
//
// Exit status: 0 when every input behaved as expected; 1 otherwise; 2 for bad usage or
// when no input was found (an empty corpus is a configuration mistake).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

// The input being run, for the line printed when it crashes the process.
char current_input[4096];

extern "C" void name_crashing_input(int sig) {
  const char prefix[] = "\n==== replay: the process died while running input ";
  (void)!write(STDERR_FILENO, prefix, sizeof prefix - 1);
  (void)!write(STDERR_FILENO, current_input, strnlen(current_input, sizeof current_input));
  (void)!write(STDERR_FILENO, "\n", 1);
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_crash_namer() {
  for (const int sig : {SIGABRT, SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP}) {
    struct sigaction sa {};
    sa.sa_handler = name_crashing_input;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
}

bool skipped(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.empty() || name[0] == '.' || name.rfind("README", 0) == 0;
}

std::vector<std::uint8_t> read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

int run_one(const std::vector<std::uint8_t>& bytes) {
  // A copy on the heap of exactly the input's size, as libFuzzer does, so that ASan
  // sees reads past the end.
  std::vector<std::uint8_t> copy(bytes);
  return LLVMFuzzerTestOneInput(copy.empty() ? nullptr : copy.data(), copy.size());
}

// Runs the input in a child; true if the child crashed or exited non-zero.
bool crashes_in_child(const std::vector<std::uint8_t>& bytes, bool verbose) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    return false;
  }
  if (pid == 0) {
    if (!verbose && std::freopen("/dev/null", "w", stderr) == nullptr) _exit(3);
    run_one(bytes);
    _exit(0);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return false;
  return WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  bool expect_crash = false;
  bool verbose = false;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--expect-crash") {
      expect_crash = true;
    } else if (arg == "--verbose") {
      verbose = true;
    } else if (arg == "-h" || arg == "--help") {
      std::printf("usage: %s [--expect-crash] [--verbose] <file-or-directory>...\n", argv[0]);
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "%s: unknown option '%s'\n", argv[0], arg.c_str());
      return 2;
    } else if (fs::is_directory(arg)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(arg)) {
        if (e.is_regular_file() && !skipped(e.path())) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else if (fs::is_regular_file(arg)) {
      inputs.emplace_back(arg);
    } else {
      std::fprintf(stderr, "%s: no such file or directory: %s\n", argv[0], arg.c_str());
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "%s: no inputs (give corpus files or directories)\n", argv[0]);
    return 2;
  }

  if (!expect_crash) install_crash_namer();
  const auto start = std::chrono::steady_clock::now();
  std::size_t bytes_total = 0;
  std::vector<std::string> unexpected;
  for (const auto& p : inputs) {
    const auto bytes = read_file(p);
    bytes_total += bytes.size();
    if (verbose) std::printf("running %s (%zu bytes)\n", p.c_str(), bytes.size());
    std::fflush(stdout);
    if (expect_crash) {
      if (!crashes_in_child(bytes, verbose)) unexpected.push_back(p.string());
    } else {
      std::snprintf(current_input, sizeof current_input, "%s", p.c_str());
      run_one(bytes);  // a failing input aborts here, with the target's report
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu input(s), %zu bytes, %s, %.3f s\n", argv[0], inputs.size(), bytes_total,
              expect_crash ? "each expected to crash" : "all passed", secs);
  for (const auto& u : unexpected) {
    std::printf("%s: expected a crash, but this input passed: %s\n", argv[0], u.c_str());
  }
  return unexpected.empty() ? 0 : 1;
}
