// Builds the read-only C view of a spec (berth_spec) that crosses the ABI.
// The view points into storage this object owns; keep it alive for the call.
#pragma once

#include <berth/driver.h>

#include <string>
#include <vector>

#include "spec/spec.h"

namespace berth::runtime {

// What the core resolved before handing the spec over.
struct ResolvedProcess {
  std::vector<std::string> env;  // complete environment, defaults added
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  bool user_set = false;
};

class SpecView {
 public:
  // `driver_name` selects driver_options.<driver_name>; `extra_options` (CLI
  // --driver-opt / --lxc-conf) are appended after them, so they apply last.
  SpecView(const spec::Spec &spec, const ResolvedProcess &process, const std::string &driver_name,
           const std::vector<std::pair<std::string, std::string>> &extra_options);
  SpecView(const SpecView &) = delete;
  SpecView &operator=(const SpecView &) = delete;

  const berth_spec &get() const { return view_; }

 private:
  static std::vector<const char *> pointers(const std::vector<std::string> &strings);

  std::vector<std::string> args_, env_, cap_add_, cap_drop_;
  std::vector<const char *> args_ptr_, env_ptr_, cap_add_ptr_, cap_drop_ptr_;
  std::string rootfs_, cwd_, hostname_;
  std::vector<uint32_t> gids_;
  std::vector<std::string> mount_strings_;
  std::vector<berth_mount> mounts_;
  std::vector<std::pair<std::string, std::string>> options_;
  std::vector<berth_key_value> options_view_;
  berth_spec view_{};
};

}  // namespace berth::runtime
