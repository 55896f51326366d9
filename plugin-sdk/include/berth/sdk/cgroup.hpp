// Control groups for drivers: one API over cgroup v1, v2 and the hybrid
// layout (v1 controllers plus an empty cgroup2 at /sys/fs/cgroup/unified).
//
// The layout is detected once from /proc/self/mountinfo (filesystem type
// "cgroup" vs "cgroup2" and the controllers in the super options); nothing
// assumes a path. Behind the Cgroup class sits a small table of operations
// (like crun's cgroup manager) with one instance per layout.
//
// Lifecycle, as a driver uses it (the fast way in, below, replaces
// add_process where the driver can use it):
//   parent:  Cgroup::create("berth/<id>", limits, &cg, err)   // mkdir + limits
//            fork/clone the child, which waits on a sync pipe
//            cg.add_process(child_pid, err)                   // before it execs
//            write cg.serialize() into the state dir; cg.release()
//   later, any process: Cgroup::load(text, &cg, err); cg.pids / kill_all /
//            oom_killed / destroy.
//
// The fast way in (CgroupEntry below): moving another process by writing
// its pid into cgroup.procs makes the kernel take its global
// cgroup_threadgroup_rwsem for writing, and that waits for an RCU grace
// period: 7-15 ms on the VM of bench/README.md, the largest single cost of
// a container start. Two ways in need no such lock: a single-threaded
// process moving itself into a v1 cgroup ("0" into its `tasks` file), and
// a process created inside a cgroup2 directory (clone3 CLONE_INTO_CGROUP).
//   parent:  Cgroup::create(...); cg.open_entry(&entry, err)
//            Child::spawn(flags, entry.v2_dir.get(), &child, &is_child,
//                         &born_in_v2, err)
//   child:   cg.enter_self(entry, err)    // first thing, still single-threaded
//   parent:  if (!born_in_v2) cg.add_process_unified(pid, err)
//
// Link berth::driver_helpers. Every fallible call returns a berth status and
// fills `err` with the file and errno, e.g.
// "write(/sys/fs/cgroup/memory/berth/abc/memory.limit_in_bytes): Device or resource busy".
#pragma once

#include <berth/driver.h>
#include <sys/types.h>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/process.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace berth::sdk {

struct CgroupLimits {
  int64_t memory_bytes = 0;       // 0: unlimited. v1 memory.limit_in_bytes (+ memsw = same:
                                  // no swap); v2 memory.max + memory.swap.max = 0
  int64_t cpu_shares = 0;         // 0: default. v1 cpu.shares; v2 cpu.weight (converted)
  int64_t pids = 0;               // 0: unlimited. pids.max
  bool device_allowlist = false;  // v1 devices: deny all but docker's default
                                  // allow-list. v2 needs eBPF: not enforced there,
                                  // see Cgroup::devices_enforced().
  bool freezer = true;            // v1: also join the freezer hierarchy, which
                                  // kill_all freezes while it signals. false when
                                  // the driver ends its processes another way
                                  // (SIGKILL to a pid namespace's init): one
                                  // cgroup less to make and remove per container.
};

enum class CgroupLayout { none, v1, v2, hybrid };

// One mounted hierarchy as found in /proc/self/mountinfo.
struct CgroupHierarchy {
  std::string controllers;  // v1: "memory", "cpu,cpuacct", "name=systemd"; v2: ""
  std::string mountpoint;   // "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified"
  bool unified = false;     // cgroup2
  bool readonly = false;    // mounted ro
};

struct CgroupMounts {
  CgroupLayout layout = CgroupLayout::none;
  std::vector<CgroupHierarchy> hierarchies;  // v1 ones first, then the cgroup2 one if any
};

// Parses mountinfo text (exposed for unit tests; detect_cgroup_mounts reads
// /proc/self/mountinfo). Layout: any v1 controller hierarchy -> v1, or hybrid
// when a cgroup2 is mounted too; only cgroup2 -> v2; nothing -> none.
int32_t parse_cgroup_mountinfo(const std::string &mountinfo, CgroupMounts *out, berth_error *err);
int32_t detect_cgroup_mounts(CgroupMounts *out, berth_error *err);

// docker --cpu-shares (2..262144) to cgroup v2 cpu.weight (1..10000):
// 1 + ((shares - 2) * 9999) / 262142.
int64_t cpu_shares_to_weight(int64_t shares);

struct CgroupOps;  // internal per-layout operations (cgroup_v1.cc, cgroup_v2.cc)

// One directory of the container's cgroup in one hierarchy.
struct CgroupDir {
  std::string controllers;  // as in CgroupHierarchy; "" for the cgroup2 one
  std::string path;         // absolute: "/sys/fs/cgroup/memory/berth/abc"
};

// Descriptors for entering a container's cgroup without the global
// migration lock (see the top of this file), opened by the parent before
// the child exists so the child inherits them.
struct CgroupEntry {
  std::vector<UniqueFd> v1_tasks;     // <dir>/tasks of every v1 directory, write-only
  std::vector<std::string> v1_paths;  // the same files' paths, for error messages
  UniqueFd v2_dir;                    // the cgroup2 directory (CLONE_INTO_CGROUP), or -1
  std::string v2_path;                // its path, for error messages
};

// A container's cgroup: a directory in every hierarchy it uses. Move-only
// RAII: the destructor destroys it (kills what is inside, removes the
// directories) unless release() was called.
class Cgroup {
 public:
  Cgroup() = default;
  ~Cgroup();
  Cgroup(Cgroup &&other) noexcept;
  Cgroup &operator=(Cgroup &&other) noexcept;
  Cgroup(const Cgroup &) = delete;
  Cgroup &operator=(const Cgroup &) = delete;

  // Creates `relative_name` ("berth/<id>", [A-Za-z0-9_./-], no "..") below
  // the root of every hierarchy in use and applies `limits`. Fails with
  // BERTH_E_UNAVAILABLE when no cgroup filesystem is mounted, BERTH_E_INVALID
  // on a bad name or limit, BERTH_E_SYSTEM naming the file otherwise; on
  // failure nothing is left behind. An existing directory of that name is an
  // error (EEXIST): another container owns it.
  static int32_t create(const std::string &relative_name, const CgroupLimits &limits, Cgroup *out,
                        berth_error *err);
  // The same with the mounts given instead of detected: to use a layout
  // explicitly (e.g. only the cgroup2 hierarchy of a hybrid host, as v2).
  static int32_t create(const CgroupMounts &mounts, const std::string &relative_name,
                        const CgroupLimits &limits, Cgroup *out, berth_error *err);

  // Rebuilds a Cgroup from serialize()'s text in another process. The loaded
  // object owns the directories (destroyed by its destructor) unless
  // release()d.
  static int32_t load(const std::string &serialized, Cgroup *out, berth_error *err);

  // One line of text (no newline) describing the layout and every directory,
  // suitable as a value in a key=value state file.
  std::string serialize() const;

  // Moves `pid` into every directory of the cgroup. Call it for the
  // container's first process before that process execs anything.
  int32_t add_process(pid_t pid, berth_error *err);

  // Opens what a child needs to enter the cgroup by itself (CgroupEntry).
  int32_t open_entry(CgroupEntry *out, berth_error *err) const;
  // In the child, before it runs anything and while it has one thread:
  // moves the calling thread, hence the process, into every v1 directory.
  // No allocation; the error names the `tasks` file and errno.
  static int32_t enter_self(const CgroupEntry &entry, berth_error *err);
  // Moves `pid` into the cgroup2 directory only (when the child could not
  // be born there: clone3 or CLONE_INTO_CGROUP missing). Pays the lock.
  int32_t add_process_unified(pid_t pid, berth_error *err);
  // Child::spawn born in `entry`'s cgroup2 directory; where it could not be
  // born there, the parent moves it in (add_process_unified) before
  // returning. The child still enters the v1 directories itself
  // (enter_self) and must wait for the parent before it runs anything of
  // the container's. Errors name the cgroup2 directory.
  int32_t spawn_child(unsigned long clone_flags, const CgroupEntry &entry, Child *out,
                      bool *is_child, berth_error *err);

  // Every process in the cgroup (tgids, from cgroup.procs), sorted.
  // An already removed cgroup yields an empty list.
  int32_t pids(std::vector<int64_t> *out, berth_error *err) const;

  // True when the kernel OOM-killed a process in the cgroup: v1
  // memory.oom_control "oom_kill N", v2 memory.events "oom_kill N", N > 0.
  bool oom_killed() const;

  // Sends `sig` to every process inside. SIGKILL uses cgroup.kill (v2) when
  // present; otherwise the cgroup is frozen (v1 freezer / v2 cgroup.freeze,
  // when available) while signalling so no process forks away, then thawed.
  int32_t kill_all(int sig, berth_error *err);

  // Kills what remains, waits (bounded, ~10 s) until the cgroup is empty,
  // removes every directory. Idempotent: missing directories are success.
  int32_t destroy(berth_error *err);

  // Forget the directories without touching them (the destructor then does
  // nothing). Call after serialize() has been stored.
  void release();

  bool valid() const { return ops_ != nullptr; }
  CgroupLayout layout() const { return layout_; }
  const std::vector<CgroupDir> &dirs() const { return dirs_; }
  // False on v2, where the device allow-list would need an eBPF program.
  bool devices_enforced() const { return devices_enforced_; }

  // "cgroup v1", "cgroup v2", "hybrid (v1 controllers + cgroup2 at
  // /sys/fs/cgroup/unified)", or "no cgroup filesystem mounted".
  static std::string layout_description();
  static std::string layout_description(const CgroupMounts &mounts);

 private:
  friend struct CgroupOps;
  friend struct CgroupAccess;  // the per-layout implementation files
  const CgroupOps *ops_ = nullptr;
  CgroupLayout layout_ = CgroupLayout::none;
  std::vector<CgroupDir> dirs_;
  bool devices_enforced_ = false;
};

}  // namespace berth::sdk
