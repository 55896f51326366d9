// What another berth process needs to find an LXC container again, kept as a
// key=value file in the driver's state directory (see state_file.hpp):
// LXC's name and private lxcpath, the monitor's pid, the init's host pid and
// the container's cgroup: berth's own (sdk::Cgroup, own_cgroup.hpp) or
// LXC's directories (to list pids and to clean up after a monitor that
// died) and its memory cgroup (watched for OOM kills by wait).
#pragma once

#include <berth/driver.h>

#include <string>
#include <vector>

namespace berth::lxc {

// The lxcpath of every container of this driver: LXC keeps nothing there
// (the configuration is set through the API, the log file is in the state
// directory), it only needs the directory to exist. One shared path, because
// liblxc makes a lock directory /run/lxc/lock/<lxcpath> for each lxcpath it
// sees and never removes it: a private one per container would be a mkdir
// and rmdir chain on every run, and a leak when missed. Names stay unique
// ("berth-<id>", ids are unique on the host).
constexpr const char *kLxcPath = "/run/berth-lxc";

struct ContainerRecord {
  std::string name;         // "berth-<id>": unique because the id is
  std::string lxcpath;      // kLxcPath: nothing under /var/lib/lxc
  int64_t monitor_pid = 0;  // the forked process blocked in lxc start()
  int64_t init_pid = 0;     // LXC's init (pid 1 inside), 0 until running
  bool memory_limited = false;
  std::string own_cgroup;                // sdk::Cgroup::serialize() when berth owns it, else ""
  std::vector<std::string> cgroup_dirs;  // LXC's, absolute, one per hierarchy
  std::string memory_dir;                // the memory controller's directory; "" if none
  bool memory_unified = false;           // memory_dir is a cgroup2 directory
  // Read end of the pipe the monitor writes one byte to once its exit status
  // is in the exit-status file (EOF if it dies first). A descriptor of the
  // process that started the container only, checked by its inode.
  int64_t status_fd = -1;
  uint64_t status_ino = 0;
};

// The status pipe's descriptor when this process holds it (the one that
// ran start()), else -1.
int status_pipe_fd(const ContainerRecord &r);

std::string record_path(const berth_container &c);
std::string log_path(const berth_container &c);          // liblxc's log
std::string exit_status_path(const berth_container &c);  // written by the monitor

ContainerRecord new_record(const berth_container &c);
int32_t save_record(const berth_container &c, const ContainerRecord &r, berth_error *err);
// BERTH_E_NO_CONTAINER when the state directory holds no record;
// BERTH_E_INTERNAL naming the file when it is damaged (a missing entry, a
// number or cgroup that does not parse, a name that is not this id's).
int32_t load_record(const berth_container &c, ContainerRecord *r, berth_error *err);

// What destroy() goes on when the record is missing or damaged: LXC's
// name and lxcpath follow from the id, and so does berth's own cgroup
// ("berth/<id>", found where it exists; LXC's own cgroups are found by the
// name when none is recorded). Pids and the status pipe are unknown.
ContainerRecord record_from_id(const berth_container &c);

}  // namespace berth::lxc
