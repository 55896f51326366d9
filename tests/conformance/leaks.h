// Leak checks that look only at what one test created, so that a test passes
// on a busy host (other berth containers, a second copy of the suite): the
// ids of the containers started under the test's own state root, and what
// the host holds under those ids (cgroups, mounts).
#pragma once

#include <set>
#include <string>
#include <vector>

namespace berth::test {

// Records the id of every container created under `state_root`, also those
// run with --rm (gone by the time a test ends): each one's directory
// appears in <state_root>/containers (mkdir, or a spare renamed in), which
// inotify reports. The constructor creates that directory and the watch.
class ContainerIds {
 public:
  explicit ContainerIds(const std::string &state_root);
  ~ContainerIds();
  ContainerIds(const ContainerIds &) = delete;
  ContainerIds &operator=(const ContainerIds &) = delete;

  // Every id recorded so far. Throws when events were lost (queue overflow).
  std::vector<std::string> all();

 private:
  int fd_ = -1;
  std::string dir_;
  std::set<std::string> ids_;
};

// What the containers `ids` left on the host, one line each: a cgroup
// directory naming an id in any hierarchy (berth/<id>, LXC's
// lxc.*.berth-<id>, libvirt's machine scopes), a mount whose mount point
// names an id, or a mount point under one of `mount_prefixes` (a test's own
// rootfs and state root).
std::vector<std::string> host_leftovers(const std::vector<std::string> &ids,
                                        const std::vector<std::string> &mount_prefixes = {});

}  // namespace berth::test
