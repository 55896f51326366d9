// Capabilities by name and Docker's default set with a spec's add/drop:
// one definition for every driver that runs a container's process with
// "the default capabilities" (native, libvirt, lxc).
#pragma once

#include <berth/driver.h>

#include <cstdint>

namespace berth::sdk {

// Docker's 14 default capabilities (moby oci/caps/defaults.go) as a mask
// of capabilities(7) numbers: 0x00000000a80425fb.
uint64_t docker_default_capabilities();

// "CAP_NET_RAW", "cap_net_raw", "net_raw" (any case) or a decimal number
// to its value; -1 when unknown.
int capability_value(const char *name);

// capabilities(7)'s name of `value` without the prefix, lower case
// ("net_raw"); nullptr for a number past this build's table.
const char *capability_name(int value);

// Capabilities the running kernel knows (CAP_LAST_CAP + 1), probed with
// PR_CAPBSET_READ, which fails with EINVAL past the last one.
int kernel_capability_count();

// The capabilities a spec's process keeps: Docker's default set, minus
// capabilities.drop (ALL empties it), plus capabilities.add (ALL: every one
// the kernel knows), so add wins as in Docker. *last is the highest number
// the kernel knows. BERTH_E_INVALID names the field and the unknown name.
int32_t plan_capabilities(const berth_spec *spec, uint64_t *mask, int *last, berth_error *err);

}  // namespace berth::sdk
