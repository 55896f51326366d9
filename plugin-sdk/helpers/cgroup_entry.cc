// Entering a container's cgroup without the kernel's global migration lock
// (why: see CgroupEntry in cgroup.hpp). The parent opens the files before
// the child exists; the child writes them itself.
#include <fcntl.h>
#include <unistd.h>
#include <berth/sdk/cgroup.hpp>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>

#include <cstdio>
#include <cstring>

namespace berth::sdk {

int32_t Cgroup::open_entry(CgroupEntry *out, berth_error *err) const {
  *out = CgroupEntry{};
  if (!valid()) return fail(err, BERTH_E_INTERNAL, "open_entry: no cgroup");
  for (const CgroupDir &d : dirs_) {
    if (d.controllers.empty()) {
      // O_PATH is enough for CLONE_INTO_CGROUP and opens nothing for I/O.
      out->v2_dir = UniqueFd(::open(d.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!out->v2_dir) return fail_errno(err, errno, "open", d.path);
      out->v2_path = d.path;
      continue;
    }
    std::string tasks = d.path + "/tasks";
    UniqueFd fd(::open(tasks.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return fail_errno(err, errno, "open", tasks);
    out->v1_tasks.push_back(std::move(fd));
    out->v1_paths.push_back(std::move(tasks));
  }
  return BERTH_OK;
}

int32_t Cgroup::enter_self(const CgroupEntry &entry, berth_error *err) {
  // "0" is the writing thread itself. Only the calling thread moves, which
  // is the whole process while it has one thread (a child between fork and
  // exec). A thread moving itself is what kernels since about 5.17 migrate
  // without the global threadgroup lock (measured here on 6.18: 0.03 ms
  // instead of a grace period); older ones take it and pay the wait.
  for (size_t i = 0; i < entry.v1_tasks.size(); ++i) {
    if (::write(entry.v1_tasks[i].get(), "0", 1) == 1) continue;
    return fail_errno_after_fork(err, BERTH_E_SYSTEM, errno, "write \"0\" to",
                                 entry.v1_paths[i].c_str());
  }
  return BERTH_OK;
}

int32_t Cgroup::spawn_child(unsigned long clone_flags, const CgroupEntry &entry, Child *out,
                            bool *is_child, berth_error *err) {
  bool in_cgroup2 = false;
  if (Child::spawn(clone_flags, entry.v2_dir.get(), out, is_child, &in_cgroup2, err) != BERTH_OK)
    return entry.v2_dir ? wrap(err, "start the container in " + entry.v2_path) : err->code;
  if (*is_child || !entry.v2_dir || in_cgroup2) return BERTH_OK;
  return add_process_unified(out->pid(), err);
}

int32_t Cgroup::add_process_unified(pid_t pid, berth_error *err) {
  if (!valid()) return fail(err, BERTH_E_INTERNAL, "add_process_unified: no cgroup");
  for (const CgroupDir &d : dirs_)
    if (d.controllers.empty())
      return write_file(d.path + "/cgroup.procs", std::to_string(pid), err);
  return BERTH_OK;
}

}  // namespace berth::sdk
