// The project's seccomp deny-list as plain tables: the one definition that
// the BPF profile (seccomp_profile.cc, with libseccomp) and LXC's text
// profile (drivers/lxc) are both generated from. No libseccomp here, so a
// driver that only needs the tables does not link it.
#include <linux/capability.h>
#include <sched.h>
#include <berth/sdk/seccomp_profile.hpp>

namespace berth::sdk::seccomp {

namespace {

// Docker's default profile allows these only with the capability named
// (moby profiles/seccomp/default.json), or never.
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

constexpr DeniedGroup kGuarded[] = {
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
// UNAME26 (0x20000), PER_LINUX32|UNAME26 and the query 0xffffffff.
constexpr uint32_t kPersonalityAllowed[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

}  // namespace

std::span<const DeniedGroup> denied_groups() {
  return kGuarded;
}

std::span<const unsigned long> namespace_flags() {
  return kNamespaceFlags;
}

std::span<const uint32_t> personality_allowed() {
  return kPersonalityAllowed;
}

}  // namespace berth::sdk::seccomp
