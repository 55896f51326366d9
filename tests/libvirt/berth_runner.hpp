// Runs the real berth binary for the libvirt tests: a private --root per
// test, output captured to files, and the check that nothing of libvirt
// (domain, mount) outlives a container.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "leaks.h"

namespace berth::test {

struct Result {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Quotes one argument for /bin/sh.
std::string shell_quote(const std::string &arg);

// A `berth` started in the background (see BerthRunner::start).
struct Started {
  int pid = -1;  // berth itself (the shell execs it)
  std::string out_path, err_path;
};

class BerthRunner {
 public:
  BerthRunner();   // creates the temporary --root
  ~BerthRunner();  // removes every container of the root (berth rm -f) and the root

  // `berth --root ROOT ARGS...`, stdin from `stdin_file` (or /dev/null).
  Result run(const std::vector<std::string> &args, const std::string &stdin_file = "") const;

  // The same where libvirtd cannot be reached, without stopping it: in a
  // private mount namespace whose /run/libvirt (the daemons' sockets) is an
  // empty tmpfs. The libvirtd other tests and other users rely on runs on.
  Result run_without_libvirtd(const std::vector<std::string> &args) const;

  // `berth --root ROOT ARGS...` in the background; finish() waits for it.
  Started start(const std::vector<std::string> &args) const;
  static Result finish(const Started &s);

  // The ids of the containers in this root.
  std::vector<std::string> container_ids() const;

  // The ids of every container created in this root so far, those already
  // removed (--rm, rm) included: what a test's leak check looks at.
  std::vector<std::string> created_ids() const { return ids_->all(); }

  const std::string &root() const { return root_; }

 private:
  Result run_command(const std::string &prefix, const std::vector<std::string> &args,
                     const std::string &stdin_file) const;

  std::string root_;
  std::unique_ptr<ContainerIds> ids_;
};

// The names of the libvirt domains of `ids` that libvirt still has, and the
// host mounts and cgroups naming them: empty when every container left
// nothing.
std::vector<std::string> leftovers(const std::vector<std::string> &ids);

std::string read_file(const std::string &path);

// The libvirt URI the driver uses: $BERTH_LIBVIRT_URI (the suite's private
// libvirtd, see CMakeLists.txt) or lxc:///system.
std::string libvirt_uri();

// The pid of the libvirt_lxc controller of the container's domain (libvirt's
// id of an LXC domain), -1 when libvirt has no such running domain.
int controller_pid(const std::string &container_id);

}  // namespace berth::test
