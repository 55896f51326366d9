// The per-container state file (state_dir/chroot.state), the only thing
// kill/pids/state/destroy in another process have to go on.
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/state_file.hpp>

#include <cstdlib>

#include "chroot.hpp"

namespace berth::chroot {

namespace {

std::string path_of(const berth_container *c) {
  return std::string(c->state_dir) + "/chroot.state";
}

}  // namespace

int32_t write_record(const berth_container *c, const Record &r, berth_error *err) {
  sdk::StateValues v;
  v["phase"] = r.phase;
  v["rootfs"] = r.rootfs;
  v["root"] = r.root;
  v["pid"] = std::to_string(r.pid);
  v["start_time"] = std::to_string(r.start_time);
  v["cgroup"] = r.cgroup;
  v["mounts"] = std::to_string(r.mounts.size());
  for (size_t i = 0; i < r.mounts.size(); ++i)
    v["mount." + std::to_string(i)] = std::to_string(r.mounts[i].id) + " " + r.mounts[i].target;
  return sdk::write_state_file(path_of(c), v, err);
}

int32_t read_record(const berth_container *c, Record *r, berth_error *err) {
  if (c == nullptr || c->state_dir == nullptr)
    return sdk::fail(err, BERTH_E_INVALID, "container state_dir is required");
  std::string path = path_of(c);
  sdk::StateValues v;
  if (int32_t rc = sdk::read_state_file(path, &v, err)) return rc;
  std::string pid, start, count;
  if (int32_t rc = sdk::state_value(v, "phase", &r->phase, path, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "rootfs", &r->rootfs, path, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "root", &r->root, path, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "pid", &pid, path, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "start_time", &start, path, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "cgroup", &r->cgroup, path, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "mounts", &count, path, err)) return rc;
  r->pid = std::strtoll(pid.c_str(), nullptr, 10);
  r->start_time = std::strtoull(start.c_str(), nullptr, 10);
  r->mounts.clear();
  size_t n = std::strtoull(count.c_str(), nullptr, 10);
  for (size_t i = 0; i < n; ++i) {
    std::string m;
    if (int32_t rc = sdk::state_value(v, "mount." + std::to_string(i), &m, path, err)) return rc;
    size_t space = m.find(' ');
    if (space == std::string::npos)
      return sdk::fail(err, BERTH_E_INTERNAL, "state file %s: bad mount entry '%s'", path.c_str(),
                       m.c_str());
    r->mounts.push_back({std::strtoull(m.c_str(), nullptr, 10), m.substr(space + 1)});
  }
  return BERTH_OK;
}

int32_t remove_record(const berth_container *c, berth_error *err) {
  std::string path = path_of(c);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return sdk::fail_errno(err, errno, "unlink", path);
  return BERTH_OK;
}

}  // namespace berth::chroot
