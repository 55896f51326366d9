// The plan of one container: everything the child needs, computed in the
// parent before clone (parse -> plan -> execute, as bubblewrap does).
//
// The child runs in a copy of the parent's address space and must not
// allocate (the parent may have threads holding allocator locks), so the plan
// is plain data built up front: argv/envp arrays, the capability mask, the
// compiled seccomp program, the mount list. Building it needs no privilege,
// so it can be unit-tested.
#pragma once

#include <berth/driver.h>
#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace berth::native {

struct BindMount {
  std::string source;       // absolute host path
  std::string destination;  // absolute path inside the container
  bool readonly = false;
};

struct Plan {
  // Namespaces: CLONE_NEW* given to clone; the cgroup namespace is entered
  // after the child joined its cgroup (so its root is the container's
  // cgroup), hence separate.
  unsigned long clone_flags = 0;
  bool cgroup_namespace = false;
  bool private_network = false;  // network: none -> new netns with lo up

  // Root filesystem.
  std::string rootfs;
  bool readonly_rootfs = false;
  std::vector<BindMount> mounts;

  // Process.
  std::vector<const char *> argv;  // NULL-terminated; points into the spec or `strings`
  std::vector<const char *> envp;  // NULL-terminated
  std::string path_search;         // PATH used to find argv[0] when it has no '/'
  std::string cwd;
  std::string hostname;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups (empty: none)
  bool tty = false;
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;

  // Privileges.
  uint64_t capabilities = 0;                 // kept in bounding, permitted, effective
  bool no_new_privs = true;                  // off only when the spec allows new privileges
  int last_capability = 0;                   // highest capability number the kernel knows
  std::vector<sock_filter> seccomp_program;  // compiled by the parent after clone
  // Where the child receives that program (with "go"): the child cannot see
  // what the parent computes after clone, and must not allocate.
  static constexpr size_t kMaxSeccompInstructions = BPF_MAXINSNS;
  std::unique_ptr<sock_filter[]> seccomp_receive{new sock_filter[kMaxSeccompInstructions]};

  // Stack of the spec's process between its clone (sharing init's memory)
  // and its exec; allocated here because the child must not allocate.
  // Default-initialized (new char[], no zeroing): untouched pages cost
  // nothing.
  static constexpr size_t kWorkerStackSize = 64 * 1024;
  std::unique_ptr<char[]> worker_stack{new char[kWorkerStackSize]};
};

// Fills `plan` from the spec. BERTH_E_INVALID names the field, the value and
// the fix.
int32_t build_plan(const berth_container *c, const berth_spec *spec, const berth_stdio *stdio,
                   Plan *plan, berth_error *err);

}  // namespace berth::native
