#include "seccomp_profile.hpp"

#include <linux/capability.h>
#include <sched.h>

#include <cstdio>

namespace berth::lxc {
namespace {

struct Guarded {
  int capability;  // -1: denied whatever the capabilities
  const char *const *names;
};

// Kept in step with drivers/native/seccomp.cc (Docker's default profile
// allows these only with the capability named, or never).
constexpr const char *kNever[] = {
    "add_key",        "keyctl",         "request_key",       "userfaultfd",
    "nfsservctl",     "vm86",           "vm86old",           "uselib",
    "ustat",          "sysfs",          "_sysctl",           "get_mempolicy",
    "set_mempolicy",  "mbind",          "move_pages",        "lookup_dcookie",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "afs_syscall",
    "tuxcall",        "security",       "vserver",           "getpmsg",
    "putpmsg",        nullptr};
constexpr const char *kSysAdmin[] = {"mount",           "umount",        "umount2",
                                     "pivot_root",      "unshare",       "setns",
                                     "fsopen",          "fsconfig",      "fsmount",
                                     "fspick",          "move_mount",    "open_tree",
                                     "mount_setattr",   "quotactl",      "quotactl_fd",
                                     "swapon",          "swapoff",       "bpf",
                                     "perf_event_open", "fanotify_init", "name_to_handle_at",
                                     "syslog",          nullptr};
constexpr const char *kSysBoot[] = {"reboot", "kexec_load", "kexec_file_load", nullptr};
constexpr const char *kSysModule[] = {"init_module",   "finit_module",    "delete_module",
                                      "create_module", "get_kernel_syms", "query_module",
                                      nullptr};
constexpr const char *kSysPtrace[] = {"ptrace", "process_vm_readv", "process_vm_writev",
                                      "kcmp",   "pidfd_getfd",      nullptr};
constexpr const char *kSysTime[] = {"settimeofday",  "clock_settime", "adjtimex",
                                    "clock_adjtime", "stime",         nullptr};
constexpr const char *kSysRawio[] = {"iopl", "ioperm", nullptr};
constexpr const char *kSysPacct[] = {"acct", nullptr};
constexpr const char *kDacReadSearch[] = {"open_by_handle_at", nullptr};
constexpr const char *kSysTtyConfig[] = {"vhangup", nullptr};

constexpr Guarded kGuarded[] = {
    {-1, kNever},
    {CAP_SYS_ADMIN, kSysAdmin},
    {CAP_SYS_BOOT, kSysBoot},
    {CAP_SYS_MODULE, kSysModule},
    {CAP_SYS_PTRACE, kSysPtrace},
    {CAP_SYS_TIME, kSysTime},
    {CAP_SYS_RAWIO, kSysRawio},
    {CAP_SYS_PACCT, kSysPacct},
    {CAP_DAC_READ_SEARCH, kDacReadSearch},
    {CAP_SYS_TTY_CONFIG, kSysTtyConfig},
};

constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWNS,    CLONE_NEWUTS, CLONE_NEWIPC,
                                             CLONE_NEWUSER,  CLONE_NEWPID, CLONE_NEWNET,
                                             CLONE_NEWCGROUP};

// Docker allows personality(2) only for PER_LINUX (0), PER_LINUX32 (8),
// UNAME26 (0x20000), PER_LINUX32|UNAME26 and the query 0xffffffff. LXC's
// rules take one comparison each (libseccomp: one per argument and rule)
// and a call is refused when any rule matches, so the refusal is written
// as 32 masked comparisons on the low 32 bits (the kernel reads an
// unsigned int; the high bits do not matter here either):
//   - bit i set and bit i+1 (mod 32) clear, for every bit i but 3 and 17:
//     a value that is neither 0 nor all ones has a set bit followed by a
//     clear one, and unless that set bit is 3 or 17 this rule matches;
//   - bits 2 and 3 set, bit 4 clear, and bits 16 and 17 set, bit 18 clear:
//     the run of set bits ending at 3 or 17 began at a bit other than 3
//     or 17 (otherwise the value has only bits 3 and 17: allowed).
// 0, 8, 0x20000 and 0x20008 have no bit outside {3, 17} set, and all ones
// has no clear bit: none of the rules matches them.
void personality_rules(std::string *out) {
  auto rule = [out](uint32_t mask, uint32_t value) {
    char line[96];
    std::snprintf(line, sizeof line, "personality errno 1 [0,0x%x,SCMP_CMP_MASKED_EQ,0x%x]\n",
                  value, mask);
    *out += line;
  };
  for (unsigned bit = 0; bit < 32; ++bit) {
    if (bit == 3 || bit == 17) continue;
    uint32_t set = 1u << bit, next = 1u << ((bit + 1) % 32);
    rule(set | next, set);
  }
  rule(0x1c, 0x0c);        // bits 2, 3 set; 4 clear
  rule(0x70000, 0x30000);  // bits 16, 17 set; 18 clear
}

}  // namespace

std::string seccomp_profile(uint64_t capabilities) {
  std::string out = "2\ndenylist\n[all]\n";
  for (const Guarded &g : kGuarded) {
    if (g.capability >= 0 && ((capabilities >> g.capability) & 1)) continue;
    for (const char *const *name = g.names; *name != nullptr; ++name)
      out += std::string(*name) + " errno 1\n";
  }
  if (((capabilities >> CAP_SYS_ADMIN) & 1) == 0) {
    for (unsigned long flag : kNamespaceFlags) {
      char line[96];
      std::snprintf(line, sizeof line, "clone errno 1 [0,0x%lx,SCMP_CMP_MASKED_EQ,0x%lx]\n", flag,
                    flag);
      out += line;
    }
    out += "clone3 errno 38\n";  // ENOSYS
  }
  personality_rules(&out);
  return out;
}

}  // namespace berth::lxc
