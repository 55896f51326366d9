// Runs the real `berth` binary for the conformance suite and collects what
// it printed. Every run has a deadline; a hung container fails the test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace berth::test {

struct Result {
  int status = -1;  // exit status, or 128+N when berth itself died of signal N
  std::string out;
  std::string err;
  bool timed_out = false;
  std::string describe() const;  // for failure messages
};

// Runs BERTH_BIN with `args`, feeding `input` on stdin (closed when empty).
// With `send_signal` set, sends it to berth itself (not its group) once its
// stdout holds `signal_when`: what a user's ^C or a supervisor's TERM does.
Result run_berth(const std::vector<std::string> &args, const std::string &input = "",
                 int timeout_seconds = 60, int send_signal = 0,
                 const std::string &signal_when = "");

// Descriptors the caller hands to the program: `from` (ours) becomes `to`
// (its), inherited through exec as a shell's `exec 7</dir` would.
struct PassFd {
  int to;
  int from;
};

// Any program (argv[0] a path), as run_berth runs berth.
Result run_program(const std::vector<std::string> &argv, const std::string &input = "",
                   int timeout_seconds = 60, int send_signal = 0,
                   const std::string &signal_when = "", const std::vector<PassFd> &pass_fds = {});

// A fresh temporary directory, removed (recursively) on destruction.
// Mode 0700; `mode` widens it (e.g. 0755 for what a user in a container
// must reach).
class TempDir {
 public:
  explicit TempDir(unsigned mode = 0700);
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::string &path() const { return path_; }

 private:
  std::string path_;
};

// Lines of /proc/self/mountinfo whose mount point lies under `prefix`.
std::vector<std::string> mounts_under(const std::string &prefix);

}  // namespace berth::test
