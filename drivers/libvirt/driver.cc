// The libvirt execution driver: berth containers as transient libvirt-lxc
// domains, driven through libvirt's C API (never virsh).
#include "leftovers.hpp"
#include "libvirt_api.hpp"
#include "machine_cgroup.hpp"
#include "monitor.hpp"
#include "process_watch.hpp"
#include "state.hpp"

#include <berth/driver.h>
#include <libvirt/virterror.h>
#include <signal.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/pidfd.hpp>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

namespace berth::libvirt {
namespace {

// What libvirt-lxc honours. Not declared, and refused by the core:
//  - LIMIT_PIDS: libvirt-lxc has no pids cgroup setting (the pids controller
//    is not even joined);
//  - SEPARATE_STDERR: the console is one stream, stdout and stderr share it;
//  - NS_USER: only with an <idmap> and a rootfs owned by the mapped ids;
//  - NS_CGROUP: libvirt-lxc has no cgroup namespace (init unmounts the
//    container's cgroupfs instead, but /proc/self/cgroup shows host paths).
constexpr uint64_t kFeatures =
    BERTH_FEATURE_NS_PID | BERTH_FEATURE_NS_MOUNT | BERTH_FEATURE_NS_UTS | BERTH_FEATURE_NS_IPC |
    BERTH_FEATURE_NS_NET | BERTH_FEATURE_LIMIT_MEMORY | BERTH_FEATURE_LIMIT_CPU |
    BERTH_FEATURE_TTY | BERTH_FEATURE_STDIN | BERTH_FEATURE_BIND_MOUNTS |
    BERTH_FEATURE_READONLY_MOUNTS | BERTH_FEATURE_READONLY_ROOTFS | BERTH_FEATURE_NETWORK_NONE |
    BERTH_FEATURE_NETWORK_HOST | BERTH_FEATURE_USER_SWITCH | BERTH_FEATURE_PIDS_LISTING |
    BERTH_FEATURE_HOSTNAME | BERTH_FEATURE_CAPABILITIES | BERTH_FEATURE_SECCOMP |
    BERTH_FEATURE_OOM_REPORT | BERTH_FEATURE_CWD | BERTH_FEATURE_ENV |
    // Set by berth-libvirt-init (init/posture.c). The device list is
    // libvirt's own (see README): block devices can be made, never opened.
    BERTH_FEATURE_NO_NEW_PRIVS | BERTH_FEATURE_MASKED_PATHS | BERTH_FEATURE_DEVICE_ALLOWLIST;

int64_t number(const State &st, const char *key) {
  auto it = st.find(key);
  return it == st.end() ? 0 : std::strtoll(it->second.c_str(), nullptr, 10);
}

std::string value(const State &st, const char *key, const std::string &def = "") {
  auto it = st.find(key);
  return it == st.end() ? def : it->second;
}

int32_t probe(char *info, size_t info_size, berth_error *err) {
  const std::string uri = default_uri();
  Connection conn;
  if (int32_t rc = open_connection(uri, &conn, err); rc != BERTH_OK) return rc;
  const char *type = virConnectGetType(conn.get());
  if (type == nullptr)
    return fail_libvirt(err, BERTH_E_UNAVAILABLE, "virConnectGetType(" + uri + ")");
  if (std::string(type) != "LXC")
    return sdk::fail(err, BERTH_E_UNAVAILABLE,
                     "%s is served by libvirt's %s driver, not LXC (install "
                     "libvirt-daemon-driver-lxc and restart libvirtd)",
                     uri.c_str(), type);
  unsigned long version = 0;
  virConnectGetLibVersion(conn.get(), &version);
  const std::string init = default_init_dir() + "/berth-libvirt-init";
  if (access(init.c_str(), X_OK) != 0)
    return sdk::fail_errno(err, errno, "access", init + " (the libvirt driver's init; rebuild it)");
  if (info != nullptr && info_size > 0)
    std::snprintf(info, info_size, "libvirt %lu.%lu.%lu, LXC driver at %s", version / 1000000,
                  (version / 1000) % 1000, version % 1000, uri.c_str());
  return BERTH_OK;
}

int32_t start(const berth_container *c, const berth_spec *spec, const berth_stdio *stdio,
              berth_start_result *out, berth_error *err) {
  if (int32_t rc = monitor_start(c, spec, stdio, out, err); rc != BERTH_OK)
    return sdk::wrap(err, std::string("start container ") + c->id + " on libvirt-lxc");
  return BERTH_OK;
}

int32_t wait(const berth_container *c, berth_exit_status *out, berth_error *err) {
  return monitor_wait(c, out, err);
}

// The spec's process, if it is still the one start() recorded.
pid_t live_process(const State &st) {
  pid_t pid = static_cast<pid_t>(number(st, "pid"));
  if (pid <= 0 || st.count("exit_code") != 0) return 0;
  uint64_t start = static_cast<uint64_t>(number(st, "pid_start"));
  return process_start_time(pid) == start && start != 0 ? pid : 0;
}

// The container's record, or what can stand in for it: a record that is
// missing or cannot be read leaves the defaults, and the domain is always
// named from the container id (never from the record: a damaged one must
// not lead a destroy to another domain). False when there is no record.
bool read_record(const berth_container *c, State *st);

// A connection on the recorded URI, else on the default one (a damaged
// record's URI).
int32_t connect_for(const State &st, Connection *conn, berth_error *err);

// The domain's init found through libvirt when the record does not name it
// (damaged): the running domain's controller's child. 0 when none runs.
pid_t init_from_domain(const berth_container *c, const State &st) {
  berth_error ignored{};
  Connection conn;
  Domain dom;
  if (connect_for(st, &conn, &ignored) != BERTH_OK ||
      find_domain(conn.get(), domain_name(c), &dom, &ignored) != BERTH_OK || !dom ||
      virDomainIsActive(dom.get()) != 1)
    return 0;
  return first_child(static_cast<pid_t>(virDomainGetID(dom.get())));
}

// The spec's process the same way: init's child. *start is its start time
// as read now, the pin for the signal.
pid_t process_from_domain(const berth_container *c, const State &st, uint64_t *start) {
  pid_t init = init_from_domain(c, st);
  pid_t pid = init > 0 ? first_child(init) : 0;
  *start = pid > 0 ? process_start_time(pid) : 0;
  return pid > 0 && parent_of(pid) == init ? pid : 0;
}

int32_t kill(const berth_container *c, int32_t signal, berth_error *err) {
  State st;
  read_record(c, &st);
  // When the process is gone but the run has not ended: in the monitor (the
  // core forwards its SIGTERM/SIGINT here) the signal ends what wait()
  // still waits for, so it is never lost on a container that is ending.
  auto process_gone = [&]() -> int32_t {
    if (st.count("exit_code") == 0 && monitor_abort(c)) return BERTH_OK;
    return sdk::fail(err, BERTH_E_INVALID, "kill %s: the container's process is not running",
                     c->id);
  };
  pid_t pid = live_process(st);
  uint64_t start = static_cast<uint64_t>(number(st, "pid_start"));
  if (pid == 0 && st.count("pid") == 0 && st.count("exit_code") == 0)
    pid = process_from_domain(c, st, &start);
  if (pid == 0) return process_gone();
  // Straight to the process (pid 2 inside the container, under our init):
  // a pidfd pins it, so a recycled pid can never receive the signal. The
  // process may end at any step here: that is the same as it being gone.
  sdk::UniqueFd pidfd;
  if (int32_t rc = sdk::open_pidfd(pid, &pidfd, err); rc != BERTH_OK)
    return err->sys_errno == ESRCH ? process_gone() : sdk::wrap(err, std::string("kill ") + c->id);
  // Checked after the pidfd exists: if the pid is still the container's
  // process now, the pidfd is pinned to it.
  if (process_start_time(pid) != start) return process_gone();
  if (int32_t rc = sdk::send_signal(pidfd.get(), signal, err); rc != BERTH_OK)
    return err->sys_errno == ESRCH ? process_gone() : sdk::wrap(err, std::string("kill ") + c->id);
  return BERTH_OK;
}

int32_t pids(const berth_container *c, int64_t *pids, uint32_t capacity, uint32_t *count,
             berth_error *err) {
  State st;
  read_record(c, &st);
  std::vector<int64_t> found;
  pid_t init = static_cast<pid_t>(number(st, "init_pid"));
  bool live = init > 0 && st.count("exit_code") == 0 &&
              process_start_time(init) == static_cast<uint64_t>(number(st, "init_start"));
  // A damaged record names no init: libvirt still knows the running domain.
  if (!live && st.count("init_pid") == 0 && st.count("exit_code") == 0) {
    init = init_from_domain(c, st);
    live = init > 0;
  }
  if (live) {
    if (int32_t rc = machine_cgroup_pids(init, &found, err); rc != BERTH_OK) return rc;
  }
  *count = static_cast<uint32_t>(found.size());
  if (found.size() > capacity)
    return sdk::fail(err, BERTH_E_RANGE, "pids: %zu processes, room for %u", found.size(),
                     capacity);
  for (size_t i = 0; i < found.size(); i++) pids[i] = found[i];
  return BERTH_OK;
}

bool read_record(const berth_container *c, State *st) {
  berth_error ignored{};
  int32_t rc = load_state(c, st, &ignored);
  if (rc != BERTH_OK) st->clear();
  return rc != BERTH_E_NO_CONTAINER;
}

int32_t connect_for(const State &st, Connection *conn, berth_error *err) {
  const std::string uri = value(st, "uri", default_uri());
  int32_t rc = open_connection(uri, conn, err);
  if (rc != BERTH_OK && uri != default_uri()) rc = open_connection(default_uri(), conn, err);
  return rc;
}

// libvirt's answer: is the container's domain running (not gone, not
// inactive)?
int32_t domain_running(const berth_container *c, const State &st, bool *running, berth_error *err) {
  Connection conn;
  if (int32_t rc = connect_for(st, &conn, err); rc != BERTH_OK) return rc;
  Domain dom;
  if (int32_t rc = find_domain(conn.get(), domain_name(c), &dom, err); rc != BERTH_OK) return rc;
  *running = dom && virDomainIsActive(dom.get()) == 1;
  return BERTH_OK;
}

// The truth, also once the monitor is gone: libvirt destroys the domain
// of a monitor that died (AUTODESTROY), and this says STOPPED then, not
// what the record last said.
int32_t state(const berth_container *c, berth_container_state *out, berth_error *err) {
  State st;
  const bool recorded = read_record(c, &st);
  out->pid = 0;
  if (st.count("exit_code") != 0) {
    out->state = BERTH_STATE_STOPPED;
    return BERTH_OK;
  }
  bool running = false;
  if (int32_t rc = domain_running(c, st, &running, err); rc != BERTH_OK) return rc;
  if (!running) {
    if (!recorded)
      return sdk::fail(err, BERTH_E_NO_CONTAINER,
                       "no libvirt container %s (no record, no domain %s)", c->id,
                       domain_name(c).c_str());
    out->state = BERTH_STATE_STOPPED;
    return BERTH_OK;
  }
  pid_t pid = live_process(st);
  uint64_t start = 0;
  // A record that does not name the process (damaged, or written before
  // the process existed): libvirt's domain leads to it.
  if (pid == 0 && st.count("pid") == 0) pid = process_from_domain(c, st, &start);
  if (pid > 0) {
    out->state = BERTH_STATE_RUNNING;
    out->pid = pid;
  } else {
    // The domain runs but its process is gone (init is ending), or init
    // has not started it yet.
    out->state = st.count("pid") ? BERTH_STATE_STOPPED : BERTH_STATE_CREATED;
  }
  return BERTH_OK;
}

// Works from the container id alone when the record is missing or
// damaged: the domain is named from the id, libvirt's state directory is
// the default one.
int32_t destroy(const berth_container *c, berth_error *err) {
  State st;
  const bool recorded = read_record(c, &st);
  const std::string name = domain_name(c);
  // In the monitor, its own handle on the domain (one connection less);
  // from any other process, a lookup.
  Connection conn;
  Domain dom(monitor_domain(c));
  if (!dom) {
    if (int32_t rc = connect_for(st, &conn, err); rc != BERTH_OK) {
      // No record and no libvirtd: nothing of ours can be running.
      if (!recorded) {
        monitor_forget(c);
        return BERTH_OK;
      }
      return sdk::wrap(err, std::string("destroy container ") + c->id);
    }
    if (int32_t rc = find_domain(conn.get(), name, &dom, err); rc != BERTH_OK) return rc;
  }
  // virDomainDestroy is synchronous for LXC: the processes are killed and
  // libvirt has removed the machine cgroup when it returns.
  if (dom && virDomainDestroy(dom.get()) < 0) {
    // Stopped already (by libvirtd itself, as the domain's controller has
    // usually just exited): inactive, or gone as a transient domain.
    virErrorPtr e = virGetLastError();
    if (e == nullptr || (e->code != VIR_ERR_OPERATION_INVALID && e->code != VIR_ERR_NO_DOMAIN))
      return fail_libvirt(err, BERTH_E_SYSTEM, "virDomainDestroy(" + name + ")");
  }
  monitor_forget(c);
  if (int32_t rc =
          remove_leftovers(value(st, "libvirt_state_dir", default_libvirt_state_dir()), name, err);
      rc != BERTH_OK)
    return sdk::wrap(err, std::string("destroy container ") + c->id);
  const std::string run = std::string(c->state_dir) + "/run";
  unlink((run + "/ctl.sock").c_str());
  rmdir(run.c_str());
  unlink(state_path(c).c_str());
  return BERTH_OK;
}

const berth_driver kDriver = {
    BERTH_DRIVER_ABI_VERSION,
    sizeof(berth_driver),
    "libvirt",
    "0.1.0",
    "libvirt-lxc domains through libvirt's C API (lxc:///system)",
    kFeatures,
    BERTH_NETWORK_NONE,
    0,
    probe,
    start,
    wait,
    kill,
    pids,
    state,
    destroy,
    // No exit_fd: wait() ends on the controller's exit or on an abort that a
    // forwarded SIGTERM/SIGINT raises through kill() (see monitor.cc), which
    // one descriptor cannot express; the core forwards from a thread.
    nullptr,
};

}  // namespace
}  // namespace berth::libvirt

extern "C" BERTH_DRIVER_EXPORT const berth_driver *berth_driver_entry(
    uint32_t core_abi_version, uint32_t *driver_abi_version) {
  if (driver_abi_version != nullptr) *driver_abi_version = BERTH_DRIVER_ABI_VERSION;
  if (core_abi_version < BERTH_DRIVER_ABI_VERSION) return nullptr;
  return &berth::libvirt::kDriver;
}
