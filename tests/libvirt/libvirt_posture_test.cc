// The posture of a libvirt container's process (issue 11): libvirt-lxc
// alone leaves root in the container most of root on the host; the
// driver's init must close it as the native driver does. Checked from
// inside real containers; posture_probe (static, bind-mounted at /probe)
// makes the system calls busybox cannot.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "berth_runner.hpp"

namespace berth::test {
namespace {

class LibvirtPosture : public ::testing::Test {
 protected:
  void SetUp() override {
    probe_dir_ = berth_.root() + "/probe";
    ASSERT_EQ(mkdir(probe_dir_.c_str(), 0755), 0);
    std::filesystem::copy_file(POSTURE_PROBE, probe_dir_ + "/posture_probe");
    // A setuid-root copy: under -u 1000 it must not run as root.
    const std::string suid = probe_dir_ + "/suid_probe";
    std::filesystem::copy_file(POSTURE_PROBE, suid);
    ASSERT_EQ(chown(suid.c_str(), 0, 0), 0);
    ASSERT_EQ(chmod(suid.c_str(), 04755), 0);
  }

  void TearDown() override {
    EXPECT_EQ(leftovers(berth_.created_ids()), std::vector<std::string>{});
  }

  Result run(std::vector<std::string> args) {
    std::vector<std::string> full = {
        "run",        "--rm", "--exec-driver",          "libvirt", "--rootfs",
        BERTH_ROOTFS, "-v",   probe_dir_ + ":/probe:ro"};
    full.insert(full.end(), args.begin(), args.end());
    return berth_.run(full);
  }

  Result sh(const std::string &script, std::vector<std::string> flags = {}) {
    flags.insert(flags.end(), {"--", "/bin/sh", "-c", script});
    return run(flags);
  }

  BerthRunner berth_;
  std::string probe_dir_;
};

TEST_F(LibvirtPosture, ProcessHoldsDockersDefaultCapabilitiesInEverySet) {
  Result r = sh("grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n"
            "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n");
}

TEST_F(LibvirtPosture, CapAddAndDropAdjustEffectivePermittedAndBounding) {
  // + CAP_SYS_ADMIN (bit 21), - CAP_NET_RAW (bit 13).
  Result r = sh("grep -E '^Cap(Prm|Eff|Bnd)' /proc/self/status",
                {"--cap-add", "SYS_ADMIN", "--cap-drop", "NET_RAW"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "CapPrm:\t00000000a82405fb\nCapEff:\t00000000a82405fb\n"
            "CapBnd:\t00000000a82405fb\n");
}

TEST_F(LibvirtPosture, NoNewPrivsAndASeccompFilterAreOn) {
  Result r = sh("grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "NoNewPrivs:\t1\nSeccomp:\t2\n");
}

TEST_F(LibvirtPosture, DeniedSystemCallsFailWithEperm) {
  Result r = run({"-e", "BERTH_PROBE_IN_CONTAINER=1", "--", "/probe/posture_probe", "syscalls"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "mount EPERM\numount2 EPERM\nclone-newuser EPERM\nkeyctl EPERM\nadd_key EPERM\n"
            "ptrace EPERM\nopen_by_handle_at EPERM\nname_to_handle_at EPERM\nbpf EPERM\n"
            "perf_event_open EPERM\npersonality-bsd EPERM\npersonality-query OK\nsetns EPERM\n"
            "reboot EPERM\ninit_module EPERM\nunshare EPERM\n");
}

TEST_F(LibvirtPosture, SetuidRootBinaryGivesNoRootUnderAUser) {
  Result r = run({"-u", "1000", "--", "/probe/suid_probe", "euid"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1000\n");
}

TEST_F(LibvirtPosture, HostCgroupHierarchiesAreNotInTheContainer) {
  // libvirt-lxc mounts them read-write below /sys/fs/cgroup; init unmounts
  // them (a process could leave its limits or write release_agent).
  Result r = sh("ls -A /sys/fs/cgroup | wc -l; grep -c ' - cgroup' /proc/self/mountinfo");
  EXPECT_EQ(r.out, "0\n0\n") << r.err;
}

TEST_F(LibvirtPosture, ProcAndSysCannotBeChangedAndMaskedPathsReadEmpty) {
  Result r =
      sh("mount -t proc proc /mnt 2>/dev/null && echo proc-mounted; "
         "echo 1 2>/dev/null >/proc/sys/net/ipv4/ip_forward && echo proc-sys-written; "
         "echo 1 2>/dev/null >/proc/sysrq-trigger && echo sysrq-written; "
         "touch /sys/kernel/berth 2>/dev/null && echo sys-written; "
         "cat /proc/keys /proc/timer_list | wc -c; ls -A /sys/firmware | wc -l");
  EXPECT_EQ(r.out, "0\n0\n") << r.err;
}

TEST_F(LibvirtPosture, NoDescriptorButStdioReachesTheProcess) {
  Result r = run({"--", "/probe/posture_probe", "fds"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(LibvirtPosture, CwdThroughADescriptorIsRefused) {
  for (const char *cwd : {"/proc/self/fd/3", "/proc/1/cwd/.."}) {
    Result r = run({"-w", cwd, "--", "/bin/pwd"});
    EXPECT_EQ(r.exit_code, 125) << cwd << ": " << r.out;
    EXPECT_NE(r.err.find(cwd), std::string::npos) << r.err;
  }
}

TEST_F(LibvirtPosture, InitsMemoryIsNotReadableFromTheContainer) {
  Result r =
      sh("head -c1 /proc/1/mem 2>/dev/null && echo mem-read; "
         "cat /proc/1/environ 2>/dev/null && echo environ-read; echo done");
  EXPECT_EQ(r.out, "done\n") << r.err;
}

}  // namespace
}  // namespace berth::test
