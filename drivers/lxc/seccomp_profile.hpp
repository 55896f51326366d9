// The project's seccomp deny-list as LXC's text profile (lxc.seccomp.profile,
// format version 2, "denylist"): the same refusals as the native driver's
// BPF (drivers/native/seccomp.cc, bench/lib/denied-syscalls.txt), each
// failing with EPERM, for native, i386 and x32 callers alike ([all]).
//
// As on native, a group of calls guarded by a capability (mount and its
// kin by CAP_SYS_ADMIN, ptrace by CAP_SYS_PTRACE, ...) is allowed when the
// container keeps that capability; without CAP_SYS_ADMIN, clone with any
// CLONE_NEW* flag is refused and clone3 answers ENOSYS (its flags are in
// memory a filter cannot read; libc falls back to clone). personality(2)
// accepts only the personas Docker allows.
#pragma once

#include <cstdint>
#include <string>

namespace berth::lxc {

// The profile's text for a container whose final capability set is
// `capabilities` (bit N = capability N). Pure.
std::string seccomp_profile(uint64_t capabilities);

}  // namespace berth::lxc
