// What another berth process needs to find an LXC container again, kept as a
// key=value file in the driver's state directory (see state_file.hpp):
// LXC's name and private lxcpath, the monitor's pid, the init's host pid and
// the container's cgroup directories (to list pids and to clean up after a
// monitor that died) and its memory cgroup (watched for OOM kills by wait).
#pragma once

#include <berth/driver.h>

#include <string>
#include <vector>

namespace berth::lxc {

struct ContainerRecord {
  std::string name;         // "berth-<id>": unique because the id is
  std::string lxcpath;      // <state_dir>/lxc: nothing under /var/lib/lxc
  int64_t monitor_pid = 0;  // the forked process blocked in lxc start()
  int64_t init_pid = 0;     // LXC's init (pid 1 inside), 0 until running
  bool memory_limited = false;
  std::vector<std::string> cgroup_dirs;  // absolute, one per hierarchy
  std::string memory_dir;                // the memory controller's directory; "" if none
  bool memory_unified = false;           // memory_dir is a cgroup2 directory
};

std::string record_path(const berth_container &c);
std::string log_path(const berth_container &c);          // liblxc's log
std::string exit_status_path(const berth_container &c);  // written by the monitor

ContainerRecord new_record(const berth_container &c);
int32_t save_record(const berth_container &c, const ContainerRecord &r, berth_error *err);
// BERTH_E_NO_CONTAINER when the state directory holds no record.
int32_t load_record(const berth_container &c, ContainerRecord *r, berth_error *err);

// liblxc makes a lock directory /run/lxc/lock/<lxcpath> for every lxcpath it
// opens and never removes it. Removes ours and its parents that belong to
// this container alone (up to the container's own directory), if empty.
void remove_lxc_lock_dirs(const berth_container &c, const ContainerRecord &r);

}  // namespace berth::lxc
