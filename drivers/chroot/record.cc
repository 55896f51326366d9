// The per-container state file (state_dir/chroot.state), the only thing
// kill/pids/state/destroy in another process have to go on.
#include <unistd.h>
#include <berth/sdk/cgroup_find.hpp>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/state_file.hpp>
#include <berth/sdk/text.hpp>

#include <cctype>
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
  // Numbers that do not parse, or a pid without the start time that tells
  // it from a recycled one, are damage: destroy() then works from the id.
  int64_t start_time = 0, n = 0;
  if (!sdk::parse_int64(pid, &r->pid) || !sdk::parse_int64(start, &start_time) ||
      !sdk::parse_int64(count, &n) || n < 0 || r->pid < 0 || (r->pid > 0 && start_time <= 0))
    return sdk::fail(err, BERTH_E_INTERNAL, "state file %s: bad pid, start_time or mounts",
                     path.c_str());
  r->start_time = static_cast<uint64_t>(start_time);
  r->mounts.clear();
  for (int64_t i = 0; i < n; ++i) {
    std::string m;
    if (int32_t rc = sdk::state_value(v, "mount." + std::to_string(i), &m, path, err)) return rc;
    size_t space = m.find(' ');
    if (space == std::string::npos)
      return sdk::fail(err, BERTH_E_INTERNAL, "state file %s: bad mount entry '%s'", path.c_str(),
                       m.c_str());
    int64_t id = 0;
    if (!sdk::parse_int64(m.substr(0, space), &id) || id <= 0)
      return sdk::fail(err, BERTH_E_INTERNAL, "state file %s: bad mount entry '%s'", path.c_str(),
                       m.c_str());
    r->mounts.push_back({static_cast<uint64_t>(id), m.substr(space + 1)});
  }
  return BERTH_OK;
}

namespace {

// A mount point as /proc/self/mountinfo writes it: space, tab, newline
// and backslash as \ooo octal escapes.
std::string unescape_mountinfo(const std::string &field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size() &&
        std::isdigit(static_cast<unsigned char>(field[i + 1]))) {
      out += static_cast<char>(std::strtol(field.substr(i + 1, 3).c_str(), nullptr, 8));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

}  // namespace

int32_t record_from_id(const berth_container *c, Record *r, berth_error *err) {
  *r = Record{};
  r->phase = "running";
  r->root = std::string(kMountBase) + "/" + c->id;
  sdk::Cgroup cgroup;
  bool found = false;
  if (int32_t rc = sdk::find_cgroup(std::string("berth/") + c->id, &cgroup, &found, err)) return rc;
  if (found) r->cgroup = cgroup.serialize();
  cgroup.release();
  std::string mountinfo;
  if (int32_t rc = sdk::read_file("/proc/self/mountinfo", &mountinfo, err)) return rc;
  // "ID PARENT MAJ:MIN ROOT MOUNT_POINT ...", one mount a line.
  for (const std::string &line : sdk::split(mountinfo, '\n')) {
    std::vector<std::string> fields = sdk::words(line);
    if (fields.size() < 5) continue;
    std::string target = unescape_mountinfo(fields[4]);
    if (target != r->root && target.rfind(r->root + "/", 0) != 0) continue;
    int64_t id = 0;
    if (sdk::parse_int64(fields[0], &id)) r->mounts.push_back({static_cast<uint64_t>(id), target});
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
