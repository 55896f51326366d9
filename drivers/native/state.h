// What another process needs to find a container again, in the driver's
// state file (state_dir/native.state, key=value via the SDK): the host pid
// of its init with its start time (a recycled pid is never mistaken for
// it), the serialized cgroup, and the monitor's status pipe (pid, fd number
// and pipe inode, so only the monitor itself ever uses that fd).
#pragma once

#include <berth/driver.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

namespace berth::native::state {

struct Saved {
  pid_t pid = 0;
  uint64_t start_time = 0;
  std::string cgroup;  // sdk::Cgroup::serialize()
  pid_t monitor = 0;
  int status_fd = -1;
  uint64_t status_ino = 0;
};

std::string path(const berth_container *c);
int32_t save(const berth_container *c, const Saved &s, berth_error *err);
// BERTH_E_NO_CONTAINER when there is no state file.
int32_t load(const berth_container *c, Saved *s, berth_error *err);
void remove(const berth_container *c);

// destroy without a readable record (none, or a damaged one): everything
// the container held is found from its id alone. Its cgroup is named from
// the id ("berth/<id>", cgroups::create); destroying it kills every process
// inside, init first among them, which ends the pid namespace and with it
// every other namespace and mount of the container. Then the record goes.
int32_t destroy_by_id(const berth_container *c, berth_error *err);

// The status pipe fd when this process is the monitor and the fd is still
// that pipe; -1 otherwise.
int monitor_status_fd(const Saved &s);

}  // namespace berth::native::state
