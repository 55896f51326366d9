// The project's default seccomp profile, one definition for every driver
// that installs a BPF filter itself (native, libvirt): the system calls of
// Docker's default profile's refusals (bench/lib/denied-syscalls.txt) fail
// with EPERM unless the process keeps the capability that guards them;
// without CAP_SYS_ADMIN, clone with a CLONE_NEW* flag fails with EPERM and
// clone3 with ENOSYS (libc then falls back to clone); personality(2) only
// takes Docker's allowed personas. x86_64 and 32-bit x86 get the same
// rules. Built with libseccomp: link berth::driver_seccomp.
#pragma once

#include <berth/driver.h>
#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace berth::sdk::seccomp {

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
