// The project's default seccomp profile, one definition for every driver
// that installs a BPF filter itself (native, libvirt): the system calls of
// Docker's default profile's refusals (bench/lib/denied-syscalls.txt) fail
// with EPERM unless the process keeps the capability that guards them;
// without CAP_SYS_ADMIN, clone with a CLONE_NEW* flag fails with EPERM and
// clone3 with ENOSYS (libc then falls back to clone); personality(2) only
// takes Docker's allowed personas. x86_64 and 32-bit x86 get the same
// rules. default_program() is built with libseccomp: link
// berth::driver_seccomp. The tables alone (denied_groups() and the rest,
// for a driver writing the profile in another form, e.g. LXC's text) are
// in berth::driver_helpers, without libseccomp.
#pragma once

#include <berth/driver.h>
#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace berth::sdk::seccomp {

// System calls denied (EPERM) unless the process keeps `capability`
// (capabilities(7) number; -1: denied whatever the capabilities).
struct DeniedGroup {
  int capability;
  const char *const *names;  // NULL-terminated
};

// The deny-list, group by group.
std::span<const DeniedGroup> denied_groups();

// clone(2) flags refused (each alone, EPERM) without CAP_SYS_ADMIN.
std::span<const unsigned long> namespace_flags();

// personality(2)'s only accepted arguments (low 32 bits); any other: EPERM.
std::span<const uint32_t> personality_allowed();

// Longest program the kernel loads.
inline constexpr size_t kMaxInstructions = BPF_MAXINSNS;

// The profile for a process keeping `capabilities` (capabilities(7) bits).
// With `cache_dir` (nullptr: none; see seccomp_cache.hpp) a program this
// same build compiled before for the same capabilities is read back instead
// of compiled, and a compiled one is stored.
int32_t default_program(uint64_t capabilities, const char *cache_dir,
                        std::vector<sock_filter> *program, berth_error *err);

// The libseccomp version for a probe's info line, e.g. "2.5.4".
const char *library_version(char *buf, size_t size);

}  // namespace berth::sdk::seccomp
