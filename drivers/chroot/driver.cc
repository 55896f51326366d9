// The chroot driver's table: chroot(2) into the rootfs, cgroup limits, no
// namespaces at all (the process shares the host's pids, network, hostname,
// IPC and mount table; the mounts it needs are made in the host namespace
// and always undone). It isolates nothing: root in the container is root
// on the host (chroot is no boundary for root). What it does guarantee:
// no descriptor of berth's or the caller's reaches the process, every path
// inside the rootfs resolves inside it, and no_new_privs is on by default.
#include <berth/driver.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/pidfd.hpp>

#include <cstdio>

#include "chroot.hpp"

namespace berth::chroot {

namespace {

using sdk::fail;

constexpr uint64_t kFeatures =
    BERTH_FEATURE_LIMIT_MEMORY | BERTH_FEATURE_LIMIT_CPU | BERTH_FEATURE_LIMIT_PIDS |
    BERTH_FEATURE_TTY | BERTH_FEATURE_STDIN | BERTH_FEATURE_SEPARATE_STDERR |
    BERTH_FEATURE_BIND_MOUNTS | BERTH_FEATURE_READONLY_MOUNTS | BERTH_FEATURE_READONLY_ROOTFS |
    BERTH_FEATURE_NETWORK_HOST | BERTH_FEATURE_USER_SWITCH | BERTH_FEATURE_PIDS_LISTING |
    BERTH_FEATURE_OOM_REPORT | BERTH_FEATURE_CWD | BERTH_FEATURE_ENV | BERTH_FEATURE_NO_NEW_PRIVS;

// Effective capabilities of this process (CapEff in /proc/self/status).
uint64_t effective_caps() {
  std::string status;
  berth_error ignored{};
  if (sdk::read_file("/proc/self/status", &status, &ignored) != BERTH_OK) return 0;
  size_t at = status.find("\nCapEff:");
  return at == std::string::npos ? 0 : std::strtoull(status.c_str() + at + 8, nullptr, 16);
}

int32_t probe(char *info, size_t info_size, berth_error *err) {
  constexpr int kCapSysChroot = 18, kCapSysAdmin = 21;
  uint64_t caps = effective_caps();
  if (!(caps & (1ull << kCapSysChroot)) || !(caps & (1ull << kCapSysAdmin)))
    return fail(err, BERTH_E_UNAVAILABLE,
                "the chroot driver needs CAP_SYS_CHROOT and CAP_SYS_ADMIN (run berth as root)");
  sdk::CgroupMounts mounts;
  if (int32_t rc = sdk::detect_cgroup_mounts(&mounts, err)) return rc;
  std::string layout = sdk::Cgroup::layout_description(mounts);
  if (mounts.layout == sdk::CgroupLayout::none)
    return fail(err, BERTH_E_UNAVAILABLE,
                "no cgroup filesystem is mounted: the chroot driver needs cgroups to track and "
                "limit its processes");
  if (info != nullptr && info_size > 0)
    std::snprintf(info, info_size, "chroot(2), no namespaces; %s", layout.c_str());
  return BERTH_OK;
}

int32_t start(const berth_container *c, const berth_spec *spec, const berth_stdio *stdio,
              berth_start_result *out, berth_error *err) {
  Plan plan;
  if (int32_t rc = make_plan(c, spec, &plan, err)) return rc;
  if (stdio == nullptr) return fail(err, BERTH_E_INVALID, "stdio is required");
  Record rec;
  berth_error probe_err{};
  if (read_record(c, &rec, &probe_err) == BERTH_OK)
    return fail(err, BERTH_E_INVALID,
                "container %s: state dir %s already holds a started container", c->id,
                c->state_dir);
  rec = Record{"creating", plan.rootfs, plan.root, 0, 0, "", {}};
  if (int32_t rc = write_record(c, rec, err)) return rc;

  // Undone in reverse on any failure below: the child is killed and reaped,
  // then mounts go, then the cgroup, then the record.
  struct RecordGuard {
    const berth_container *c;
    bool keep = false;
    ~RecordGuard() {
      if (!keep) remove_record(c, nullptr);
    }
  } record_guard{c};
  sdk::Cgroup cgroup;
  if (sdk::Cgroup::create("berth/" + plan.id, plan.limits, &cgroup, err) != BERTH_OK)
    return sdk::wrap(err, "create cgroup");
  rec.cgroup = cgroup.serialize();
  if (int32_t rc = write_record(c, rec, err)) return rc;

  RootfsMounts mounts;
  auto on_mount = [&](const std::vector<MountRecord> &records, berth_error *e) {
    rec.mounts = records;
    return write_record(c, rec, e);
  };
  if (int32_t rc = mounts.setup(plan, on_mount, err)) return rc;

  sdk::Child child;
  if (int32_t rc = launch(plan, mounts.root_fd(), stdio, &cgroup, &child, err)) return rc;
  rec.pid = child.pid();
  if (int32_t rc = sdk::process_start_time(child.pid(), &rec.start_time, err)) return rc;
  rec.phase = "running";
  if (int32_t rc = write_record(c, rec, err)) return rc;

  // Everything now belongs to the container; the state dir knows it all.
  record_guard.keep = true;
  child.release();  // reaped by wait()
  mounts.release();
  cgroup.release();
  out->pid = rec.pid;
  return BERTH_OK;
}

int32_t wait(const berth_container *c, berth_exit_status *out, berth_error *err) {
  Record rec;
  if (int32_t rc = read_record(c, &rec, err)) return rc;
  if (rec.pid <= 0) return fail(err, BERTH_E_INVALID, "container %s was never started", c->id);
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(static_cast<pid_t>(rec.pid), &status, 0);
    if (r == rec.pid) break;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == ECHILD)
      return fail(err, BERTH_E_INVALID,
                  "wait: process %lld is not a child of this process (only the monitor that "
                  "started container %s can wait for it)",
                  static_cast<long long>(rec.pid), c->id);
    return sdk::fail_errno(err, errno, "waitpid", std::to_string(rec.pid));
  }
  *out = sdk::exit_status_from_wait(status);
  sdk::Cgroup cgroup;
  if (sdk::Cgroup::load(rec.cgroup, &cgroup, err) == BERTH_OK) {
    if (cgroup.oom_killed()) out->flags |= BERTH_EXIT_OOM_KILLED;
    cgroup.release();
  }
  *err = berth_error{};
  return BERTH_OK;
}

// A pidfd on the container's process, the monitor's own child: readable
// once it has exited. It is reaped only by wait() or destroy(), so its
// pid cannot be reused meanwhile.
int32_t exit_fd(const berth_container *c, int32_t *fd, berth_error *err) {
  Record rec;
  if (int32_t rc = read_record(c, &rec, err)) return rc;
  if (rec.pid <= 0) return fail(err, BERTH_E_INVALID, "container %s was never started", c->id);
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(rec.pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return fail(err, BERTH_E_INVALID,
                "exit_fd: process %lld is not a child of this process (only the monitor that "
                "started container %s can wait for it)",
                static_cast<long long>(rec.pid), c->id);
  sdk::UniqueFd pidfd;
  if (sdk::open_pidfd(static_cast<pid_t>(rec.pid), &pidfd, err) != BERTH_OK)
    return sdk::wrap(err, "exit_fd of container " + std::string(c->id));
  *fd = pidfd.release();
  return BERTH_OK;
}

int32_t kill(const berth_container *c, int32_t signal, berth_error *err) {
  if (signal <= 0 || signal >= NSIG)
    return fail(err, BERTH_E_INVALID, "signal %d is not a valid signal number (1..%d)", signal,
                NSIG - 1);
  Record rec;
  if (int32_t rc = read_record(c, &rec, err)) return rc;
  if (rec.pid <= 0) return fail(err, BERTH_E_INVALID, "container %s is not running yet", c->id);
  if (!sdk::process_alive(static_cast<pid_t>(rec.pid), rec.start_time))
    return fail(err, BERTH_E_INVALID, "container %s is not running (process %lld has exited)",
                c->id, static_cast<long long>(rec.pid));
  if (::kill(static_cast<pid_t>(rec.pid), signal) != 0)
    return sdk::fail_errno(err, errno, "kill", std::to_string(rec.pid));
  return BERTH_OK;
}

int32_t pids(const berth_container *c, int64_t *out, uint32_t capacity, uint32_t *count,
             berth_error *err) {
  Record rec;
  if (int32_t rc = read_record(c, &rec, err)) return rc;
  std::vector<int64_t> list;
  if (!rec.cgroup.empty()) {
    sdk::Cgroup cgroup;
    if (int32_t rc = sdk::Cgroup::load(rec.cgroup, &cgroup, err)) return rc;
    int32_t rc = cgroup.pids(&list, err);
    cgroup.release();
    if (rc != BERTH_OK) return rc;
  }
  *count = static_cast<uint32_t>(list.size());
  if (list.size() > capacity)
    return fail(err, BERTH_E_RANGE, "%zu pids do not fit in %u slots", list.size(), capacity);
  for (size_t i = 0; i < list.size(); ++i) out[i] = list[i];
  return BERTH_OK;
}

int32_t state(const berth_container *c, berth_container_state *out, berth_error *err) {
  Record rec;
  if (int32_t rc = read_record(c, &rec, err)) return rc;
  out->pid = 0;
  if (rec.phase == "creating") {
    out->state = BERTH_STATE_CREATED;
  } else if (sdk::process_alive(static_cast<pid_t>(rec.pid), rec.start_time)) {
    out->state = BERTH_STATE_RUNNING;
    out->pid = rec.pid;
  } else {
    out->state = BERTH_STATE_STOPPED;
  }
  return BERTH_OK;
}

int32_t destroy(const berth_container *c, berth_error *err) {
  Record rec;
  // Without a readable record (already destroyed, or damaged) the id alone
  // finds what is left; the damaged record then goes with it.
  const bool by_id = read_record(c, &rec, err) != BERTH_OK;
  if (by_id && record_from_id(c, &rec, err) != BERTH_OK)
    return sdk::wrap(err, std::string("destroy container ") + c->id + " by its id");
  int32_t first = BERTH_OK;
  berth_error step{};
  auto note = [&](int32_t r) {
    if (r != BERTH_OK && first == BERTH_OK) {
      first = r;
      *err = step;
    }
  };
  // The main process first (it is in the cgroup too; this also covers a
  // start that died before the cgroup was recorded).
  if (rec.pid > 0 && sdk::process_alive(static_cast<pid_t>(rec.pid), rec.start_time))
    ::kill(static_cast<pid_t>(rec.pid), SIGKILL);
  if (!rec.cgroup.empty()) {
    sdk::Cgroup cgroup;
    int32_t r = sdk::Cgroup::load(rec.cgroup, &cgroup, &step);
    if (r == BERTH_OK) r = cgroup.destroy(&step);
    if (r != BERTH_OK) cgroup.release();  // keep the record for a retry
    note(r);
  }
  RootfsMounts mounts;
  mounts.adopt(rec.mounts, rec.root);
  note(mounts.undo(&step));
  if (first != BERTH_OK) return sdk::wrap(err, std::string("destroy container ") + c->id);
  if (by_id) return remove_record(c, err);
  // Keep the pid so a monitor that has not reached wait() yet can still
  // reap its child; nothing else is left to undo.
  rec.phase = "destroyed";
  rec.cgroup.clear();
  rec.mounts.clear();
  rec.root.clear();
  return write_record(c, rec, err);
}

const berth_driver kDriver = {
    BERTH_DRIVER_ABI_VERSION,
    sizeof(berth_driver),
    "chroot",
    "0.1.0",
    "chroot(2) into the rootfs with cgroup limits; isolates nothing: no namespaces (host "
    "network, pids, hostname, mounts), no capability drop, no seccomp; root in the container "
    "is root on the host",
    kFeatures,
    BERTH_NETWORK_HOST,
    0,
    probe,
    start,
    wait,
    kill,
    pids,
    state,
    destroy,
    exit_fd,
};

}  // namespace

}  // namespace berth::chroot

extern "C" BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(
    uint32_t core_abi_version, uint32_t *driver_abi_version) {
  if (driver_abi_version != nullptr) *driver_abi_version = BERTH_DRIVER_ABI_VERSION;
  if (core_abi_version < BERTH_DRIVER_ABI_VERSION) return nullptr;
  return &berth::chroot::kDriver;
}
