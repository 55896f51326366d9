// The chroot driver: chroot(2) into the rootfs plus cgroup limits, no
// namespaces. Internal declarations shared by its files:
//   plan.cc      spec -> Plan (plain data, checked; no side effects)
//   rootfs.cc    the mounts that make the rootfs usable (/proc, /dev, binds)
//   launch.cc    fork, the child's checklist, exec-error reporting
//   record.cc    the per-container state file
//   driver.cc    the berth_driver table and its calls
#pragma once

#include <berth/driver.h>
#include <berth/sdk/cgroup.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/mount.hpp>
#include <berth/sdk/process.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace berth::chroot {

// One bind mount from the spec. The destination is opened inside the root
// only when it is mounted (sdk::open_in_root): never a host path string.
struct BindPlan {
  std::string source;       // host path
  std::string destination;  // absolute, as seen inside the container
  bool readonly = false;
  bool directory = true;  // the source is a directory (else a file)
};

// Everything start() will do, computed before anything is done.
struct Plan {
  std::string id;
  std::string rootfs;  // canonical host path of the spec's rootfs
  // Where the container's root is assembled: the rootfs bound onto a
  // directory of this container's own, so containers sharing one rootfs
  // never see (or stack on) each other's mounts.
  std::string root;
  bool mount_proc = false;  // rootfs/proc is a directory
  bool mount_dev = false;   // rootfs/dev is a directory
  std::vector<BindPlan> binds;
  bool readonly_rootfs = false;
  std::string cwd;  // inside the rootfs; created if missing, entered by fd
  std::vector<std::string> args, env;
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> groups;
  bool tty = false;
  // PR_SET_NO_NEW_PRIVS before exec: on unless the spec allows new
  // privileges (BERTH_SECURITY_ALLOW_NEW_PRIVS): a setuid binary must not
  // turn -u 1000 into root, which here is the host's root.
  bool no_new_privs = true;
  sdk::CgroupLimits limits;
};

// Checks the spec against what this driver honours and resolves every path.
int32_t make_plan(const berth_container *c, const berth_spec *spec, Plan *out, berth_error *err);

// A mount made for the container: undone only while `id` is still there.
struct MountRecord {
  uint64_t id = 0;
  std::string target;
};

// Mounts of one container, undone in reverse order unless released.
class RootfsMounts {
 public:
  RootfsMounts() = default;
  ~RootfsMounts() { undo(nullptr); }
  RootfsMounts(const RootfsMounts &) = delete;
  RootfsMounts &operator=(const RootfsMounts &) = delete;

  // Binds the rootfs onto itself (private), mounts /proc and /dev, the
  // spec's binds, creates the cwd, then read-only remounts where asked.
  // Every path inside the root is opened with sdk::open_in_root and
  // mounted onto through /proc/self/fd/N, so no symlink in the rootfs can
  // redirect a mount or a mkdir to the host. `on_mount` is called after
  // each mount so the record reaches the state dir before the next.
  using OnMount = std::function<int32_t(const std::vector<MountRecord> &, berth_error *)>;
  int32_t setup(const Plan &plan, const OnMount &on_mount, berth_error *err);
  // Takes over the mounts (and the mount point directory) another process
  // recorded, to undo them.
  void adopt(std::vector<MountRecord> records, std::string root_dir) {
    records_ = std::move(records);
    root_dir_ = std::move(root_dir);
  }
  const std::vector<MountRecord> &records() const { return records_; }
  // O_PATH descriptor of the assembled root (valid after setup).
  int root_fd() const { return root_fd_.get(); }
  // Unmounts in reverse order (each only if still the recorded mount), then
  // removes the mount point directory.
  int32_t undo(berth_error *err);
  void release() {
    records_.clear();
    root_dir_.clear();
    root_fd_.reset();
  }

 private:
  int32_t add(int mounted_fd, const OnMount &on_mount, berth_error *err);
  int32_t mount_dev(const Plan &plan, const OnMount &on_mount, berth_error *err);
  std::vector<MountRecord> records_;
  std::string root_dir_;
  sdk::UniqueFd root_fd_;
};

// Parent of every container's mount point: /run/berth-chroot/<id>.
inline constexpr const char *kMountBase = "/run/berth-chroot";

// Forks the container process, places it in `cgroup`, releases it and waits
// for exec. `root_fd` is RootfsMounts::root_fd(): the child chroots into it
// and resolves the cwd inside it. On success *child owns a process that
// exec'd the command.
int32_t launch(const Plan &plan, int root_fd, const berth_stdio *stdio, sdk::Cgroup *cgroup,
               sdk::Child *child, berth_error *err);

// The state file, state_dir/chroot.state.
struct Record {
  std::string phase;  // "creating" (start under way), "running", "destroyed"
  std::string rootfs;
  std::string root;  // Plan::root, the mount point directory
  int64_t pid = 0;
  uint64_t start_time = 0;
  std::string cgroup;  // Cgroup::serialize(), empty before it exists
  std::vector<MountRecord> mounts;
};

int32_t write_record(const berth_container *c, const Record &r, berth_error *err);
// BERTH_E_NO_CONTAINER when there is none.
int32_t read_record(const berth_container *c, Record *r, berth_error *err);
int32_t remove_record(const berth_container *c, berth_error *err);

// What destroy() goes on when the record is missing or damaged: what the
// container holds is found from its id alone (record.cc). Its cgroup is
// "berth/<id>" in whatever hierarchies hold one, its mounts are every
// mount at or below its mount point, kMountBase/<id> (from
// /proc/self/mountinfo, in mounting order); its pid is unknown (0): the
// cgroup's destruction ends its processes.
int32_t record_from_id(const berth_container *c, Record *r, berth_error *err);

}  // namespace berth::chroot
