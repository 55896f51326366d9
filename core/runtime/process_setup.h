// Resolves what the core fills in before a driver sees the process: the
// numeric user and groups (from the rootfs's /etc/passwd and /etc/group),
// the default environment and working directory.
#pragma once

#include <stdexcept>
#include <string>

#include "runtime/spec_view.h"
#include "spec/spec.h"

namespace berth::runtime {

// Thrown for a user or group that cannot be resolved; the message names the
// field, the value and the fix.
class ResolveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

ResolvedProcess resolve_process(const spec::Spec &spec);

// Reads a regular file inside `rootfs` without following any symlink out of
// it (sdk::open_in_root). Returns false when it does not exist or is not a
// regular file.
bool read_file_in_root(const std::string &rootfs, const std::string &path, std::string *out);

}  // namespace berth::runtime
