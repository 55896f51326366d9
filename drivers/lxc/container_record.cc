#include "container_record.hpp"

#include "own_cgroup.hpp"

#include <berth/sdk/cgroup_find.hpp>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/state_file.hpp>
#include <berth/sdk/text.hpp>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

namespace berth::lxc {

std::string record_path(const berth_container &c) {
  return std::string(c.state_dir) + "/lxc.state";
}
std::string log_path(const berth_container &c) {
  return std::string(c.state_dir) + "/lxc.log";
}
std::string exit_status_path(const berth_container &c) {
  return std::string(c.state_dir) + "/lxc.exit";
}

ContainerRecord new_record(const berth_container &c) {
  ContainerRecord r;
  r.name = std::string("berth-") + c.id;
  r.lxcpath = kLxcPath;
  return r;
}

int32_t save_record(const berth_container &c, const ContainerRecord &r, berth_error *err) {
  std::string dirs;
  for (const std::string &d : r.cgroup_dirs) dirs += (dirs.empty() ? "" : ":") + d;
  sdk::StateValues v{
      {"name", r.name},
      {"lxcpath", r.lxcpath},
      {"monitor_pid", std::to_string(r.monitor_pid)},
      {"init_pid", std::to_string(r.init_pid)},
      {"memory_limited", r.memory_limited ? "1" : "0"},
      {"cgroup_dirs", dirs},
      {"own_cgroup", r.own_cgroup},
      {"memory_dir", r.memory_dir},
      {"memory_unified", r.memory_unified ? "1" : "0"},
      {"status_pipe", std::to_string(r.status_fd) + ":" + std::to_string(r.status_ino)}};
  // write_state_file replaces an existing record without ext4's writeback
  // (see sdk::replace_file).
  return sdk::write_state_file(record_path(c), v, err);
}

int status_pipe_fd(const ContainerRecord &r) {
  if (r.status_fd < 0 || r.status_fd > INT32_MAX) return -1;
  int fd = static_cast<int>(r.status_fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode) || st.st_ino != r.status_ino) return -1;
  return fd;
}

int32_t load_record(const berth_container &c, ContainerRecord *r, berth_error *err) {
  std::string path = record_path(c);
  if (!sdk::path_exists(path))
    return sdk::fail(err, BERTH_E_NO_CONTAINER, "no lxc container recorded in %s", c.state_dir);
  sdk::StateValues v;
  if (int32_t rc = sdk::read_state_file(path, &v, err)) return rc;
  std::string pid, init, limited, dirs, unified;
  for (auto [key, out] : {std::pair{"name", &r->name},
                          {"lxcpath", &r->lxcpath},
                          {"monitor_pid", &pid},
                          {"init_pid", &init},
                          {"memory_limited", &limited},
                          {"cgroup_dirs", &dirs},
                          {"memory_dir", &r->memory_dir},
                          {"memory_unified", &unified}})
    if (int32_t rc = sdk::state_value(v, key, out, path, err)) return rc;
  try {
    r->monitor_pid = std::stoll(pid);
    r->init_pid = std::stoll(init);
  } catch (const std::exception &) {
    return sdk::fail(err, BERTH_E_INTERNAL, "%s: corrupt pid values", path.c_str());
  }
  // Optional: records of a driver without the status pipe, or without its
  // own cgroup, have none.
  auto own = v.find("own_cgroup");
  r->own_cgroup = own == v.end() ? "" : own->second;
  r->status_fd = -1;
  r->status_ino = 0;
  if (auto it = v.find("status_pipe"); it != v.end()) {
    std::vector<std::string> parts = sdk::split(it->second, ':');
    int64_t fd = -1, ino = 0;
    if (parts.size() == 2 && sdk::parse_int64(parts[0], &fd) && sdk::parse_int64(parts[1], &ino)) {
      r->status_fd = fd;
      r->status_ino = static_cast<uint64_t>(ino);
    }
  }
  r->memory_limited = limited == "1";
  r->memory_unified = unified == "1";
  r->cgroup_dirs.clear();
  for (std::string &d : sdk::split(dirs, ':'))
    if (!d.empty()) r->cgroup_dirs.push_back(std::move(d));
  // What destroy() would act on must be this container's: damage in any of
  // it sends destroy to record_from_id() instead.
  bool dirs_ok = true;
  for (const std::string &d : r->cgroup_dirs) dirs_ok = dirs_ok && d.front() == '/';
  sdk::Cgroup own_cg;
  berth_error own_err{};
  bool own_ok =
      r->own_cgroup.empty() || sdk::Cgroup::load(r->own_cgroup, &own_cg, &own_err) == BERTH_OK;
  own_cg.release();
  if (r->name != new_record(c).name || r->lxcpath.empty() || r->lxcpath.front() != '/' ||
      !dirs_ok || !own_ok)
    return sdk::fail(err, BERTH_E_INTERNAL, "%s: damaged record (name, lxcpath or cgroups)",
                     path.c_str());
  return BERTH_OK;
}

ContainerRecord record_from_id(const berth_container &c) {
  ContainerRecord r = new_record(c);
  sdk::Cgroup own;
  bool found = false;
  berth_error ignored{};
  if (sdk::find_cgroup(own_cgroup_name(c), &own, &found, &ignored) == BERTH_OK && found)
    r.own_cgroup = own.serialize();
  own.release();
  return r;
}

}  // namespace berth::lxc
