// Runs the real berth binary for the libvirt tests: a private --root per
// test, output captured to files, and the check that nothing of libvirt
// (domain, mount) outlives a container.
#pragma once

#include <string>
#include <vector>

namespace berth::test {

struct Result {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Quotes one argument for /bin/sh.
std::string shell_quote(const std::string &arg);

class BerthRunner {
 public:
  BerthRunner();   // creates the temporary --root
  ~BerthRunner();  // removes every container of the root (berth rm -f) and the root

  // `berth --root ROOT ARGS...`, stdin from `stdin_file` (or /dev/null).
  Result run(const std::vector<std::string> &args, const std::string &stdin_file = "") const;

  // The ids of the containers in this root.
  std::vector<std::string> container_ids() const;

  const std::string &root() const { return root_; }

 private:
  std::string root_;
};

// The names of the libvirt domains of `ids` that libvirt still has, and the
// host mounts mentioning them: empty when every container left nothing.
std::vector<std::string> leftovers(const std::vector<std::string> &ids);

std::string read_file(const std::string &path);

}  // namespace berth::test
