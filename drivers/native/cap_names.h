// Capability names (capabilities(7)) to numbers, and the number of
// capabilities the running kernel knows: what libcap's cap_from_name and
// cap_max_bits did, without loading libcap (one shared object less to map
// and relocate on every `berth run`).
#pragma once

namespace berth::native::caps {

// "cap_net_admin" (lower case, with the cap_ prefix) or a decimal number
// "12" to its value; -1 when unknown.
int value_from_name(const char *lower_name);

// Capabilities the kernel knows (CAP_LAST_CAP + 1 of the running kernel),
// probed with PR_CAPBSET_READ, which fails with EINVAL past the last one.
int kernel_cap_count();

}  // namespace berth::native::caps
