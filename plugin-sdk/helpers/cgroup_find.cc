// Finding a container's cgroup by its name alone, when the record that
// serialize() wrote is gone or damaged: the directory of that name in every
// mounted hierarchy, whichever ones create() used.
#include <sys/stat.h>
#include <berth/sdk/cgroup_find.hpp>
#include <berth/sdk/error.hpp>

#include "cgroup_internal.hpp"

namespace berth::sdk {

int32_t find_cgroup(const std::string &relative_name, Cgroup *out, bool *found, berth_error *err) {
  *found = false;
  if (relative_name.empty() || relative_name.front() == '/' ||
      relative_name.find("..") != std::string::npos)
    return fail(err, BERTH_E_INVALID, "cgroup name '%s' is invalid: use a relative name",
                relative_name.c_str());
  CgroupMounts mounts;
  if (int32_t rc = detect_cgroup_mounts(&mounts, err)) return rc;
  if (mounts.layout == CgroupLayout::none) return BERTH_OK;
  Cgroup cg;
  CgroupAccess::set(cg, mounts.layout == CgroupLayout::v2 ? &kCgroupV2Ops : &kCgroupV1Ops,
                    mounts.layout, false);
  // v1 hierarchies come first in `mounts`, as create() makes them.
  for (const CgroupHierarchy &h : mounts.hierarchies) {
    std::string path = h.mountpoint + "/" + relative_name;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      CgroupAccess::dirs(cg).push_back({h.unified ? "" : h.controllers, path});
  }
  if (CgroupAccess::dirs(cg).empty()) {
    cg.release();
    return BERTH_OK;
  }
  *found = true;
  *out = std::move(cg);
  return BERTH_OK;
}

}  // namespace berth::sdk
