#include "state.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <berth/sdk/cgroup_find.hpp>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/state_file.hpp>

namespace berth::native::state {

std::string path(const berth_container *c) {
  return std::string(c->state_dir) + "/native.state";
}

int32_t save(const berth_container *c, const Saved &s, berth_error *err) {
  sdk::StateValues v;
  v["pid"] = std::to_string(s.pid);
  v["start_time"] = std::to_string(s.start_time);
  v["cgroup"] = s.cgroup;
  v["monitor_pid"] = std::to_string(s.monitor);
  v["status_fd"] = std::to_string(s.status_fd);
  v["status_ino"] = std::to_string(s.status_ino);
  return sdk::write_state_file(path(c), v, err);
}

int32_t load(const berth_container *c, Saved *s, berth_error *err) {
  sdk::StateValues v;
  std::string file = path(c);
  if (int32_t rc = sdk::read_state_file(file, &v, err)) return rc;
  std::string pid, start_time, monitor, fd, ino;
  if (int32_t rc = sdk::state_value(v, "pid", &pid, file, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "start_time", &start_time, file, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "cgroup", &s->cgroup, file, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "monitor_pid", &monitor, file, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "status_fd", &fd, file, err)) return rc;
  if (int32_t rc = sdk::state_value(v, "status_ino", &ino, file, err)) return rc;
  try {
    s->pid = static_cast<pid_t>(std::stol(pid));
    s->start_time = std::stoull(start_time);
    s->monitor = static_cast<pid_t>(std::stol(monitor));
    s->status_fd = std::stoi(fd);
    s->status_ino = std::stoull(ino);
  } catch (const std::exception &) {
    return sdk::fail(err, BERTH_E_INTERNAL, "%s: malformed number", file.c_str());
  }
  // save() always records a live init with its start time; anything else
  // is damage, and a pid without its start time could name any process.
  if (s->pid <= 0 || s->start_time == 0)
    return sdk::fail(err, BERTH_E_INTERNAL, "%s: no init pid with its start time", file.c_str());
  return BERTH_OK;
}

void remove(const berth_container *c) {
  ::unlink(path(c).c_str());
}

int32_t destroy_by_id(const berth_container *c, berth_error *err) {
  sdk::Cgroup cgroup;
  bool found = false;
  if (sdk::find_cgroup(std::string("berth/") + c->id, &cgroup, &found, err) != BERTH_OK ||
      (found && cgroup.destroy(err) != BERTH_OK)) {
    cgroup.release();  // left for a retry, not for a destructor's second try
    return sdk::wrap(err, "destroy container " + std::string(c->id) + " by its id");
  }
  remove(c);
  *err = berth_error{};
  return BERTH_OK;
}

int monitor_status_fd(const Saved &s) {
  if (s.monitor != ::getpid() || s.status_fd < 0) return -1;
  struct stat st;
  if (::fstat(s.status_fd, &st) != 0 || !S_ISFIFO(st.st_mode) || st.st_ino != s.status_ino)
    return -1;
  return s.status_fd;
}

}  // namespace berth::native::state
