#include "namespaces.h"

#include <sched.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>

#include "child_error.h"

namespace berth::native::namespaces {

namespace {
bool kernel_has(const char *name) {
  std::string path = std::string("/proc/self/ns/") + name;
  return ::access(path.c_str(), F_OK) == 0;
}
}  // namespace

int32_t check_kernel(std::string *found, berth_error *err) {
  struct Required {
    const char *ns, *config;
  };
  static const Required kRequired[] = {{"pid", "CONFIG_PID_NS"},
                                       {"mnt", "CONFIG_NAMESPACES"},
                                       {"uts", "CONFIG_UTS_NS"},
                                       {"ipc", "CONFIG_IPC_NS"},
                                       {"net", "CONFIG_NET_NS"}};
  for (const Required &r : kRequired) {
    if (!kernel_has(r.ns))
      return sdk::fail(err, BERTH_E_UNAVAILABLE,
                       "the kernel has no %s namespace (/proc/self/ns/%s is missing; it needs %s)",
                       r.ns, r.ns, r.config);
    *found += found->empty() ? r.ns : std::string(" ") + r.ns;
  }
  if (kernel_has("cgroup")) *found += " cgroup";
  return BERTH_OK;
}

void plan(bool host_network, Plan *plan) {
  plan->clone_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  plan->private_network = !host_network;
  if (plan->private_network) plan->clone_flags |= CLONE_NEWNET;
  plan->cgroup_namespace = kernel_has("cgroup");
}

int32_t enter_cgroup_namespace(const Plan &plan, berth_error *err) {
  if (plan.cgroup_namespace && ::unshare(CLONE_NEWCGROUP) != 0)
    return child_fail(err, errno, "unshare", "CLONE_NEWCGROUP");
  return BERTH_OK;
}

}  // namespace berth::native::namespaces
