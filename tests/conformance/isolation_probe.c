/* The isolation suite's probe: a static program copied into a test's rootfs
 * (busybox cannot make raw system calls, and drops setuid privileges).
 *
 *   isolation_probe euid               prints the effective uid
 *   isolation_probe syscall NAME...    makes each named call with harmless
 *                                      arguments, prints "NAME=RESULT" per
 *                                      line: "ok" or the errno's name
 *
 * Each call's arguments are chosen so that, without a seccomp filter, it
 * succeeds or fails with an errno other than EPERM even for a process
 * without capabilities (argument checks that come before the kernel's
 * capability check): EPERM then means the filter refused it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static long call(const char *name) {
  if (strcmp(name, "keyctl") == 0) /* the user keyring's id, not created */
    return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
  if (strcmp(name, "unshare") == 0) /* no flag: nothing to do */
    return syscall(SYS_unshare, 0);
  if (strcmp(name, "setns") == 0) /* EBADF */
    return syscall(SYS_setns, -1, 0);
  if (strcmp(name, "mount") == 0) /* ENOENT: the target is looked up first */
    return syscall(SYS_mount, "none", "/berth-probe-no-such-dir", "tmpfs", 0UL, NULL);
  if (strcmp(name, "umount2") == 0) /* EINVAL: the flags are checked first */
    return syscall(SYS_umount2, "/", 0x7fff0000);
  if (strcmp(name, "clock_adjtime") == 0) { /* modes 0: a read */
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    return syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx);
  }
  if (strcmp(name, "ptrace") == 0) /* the probe traces nothing afterwards */
    return syscall(SYS_ptrace, PTRACE_TRACEME, 0, NULL, NULL);
  if (strcmp(name, "process_vm_readv") == 0) { /* its own memory */
    char from[8] = "berth", to[8];
    struct iovec local = {to, sizeof to}, remote = {from, sizeof from};
    return syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0);
  }
  if (strcmp(name, "kcmp") == 0) /* its own stdin with itself */
    return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, 0, 0);
  if (strcmp(name, "perf_event_open") == 0) /* EFAULT: the attribute is read first */
    return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
  if (strcmp(name, "create_module") == 0) /* ENOSYS since Linux 2.6 */
    return syscall(SYS_create_module, NULL, 0);
  if (strcmp(name, "get_mempolicy") == 0) return syscall(SYS_get_mempolicy, NULL, NULL, 0, NULL, 0);
  if (strcmp(name, "name_to_handle_at") == 0) { /* EOVERFLOW: no room for a handle */
    struct {
      unsigned int bytes;
      int type;
    } handle = {0, 0};
    int mount_id;
    return syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &handle, &mount_id, 0);
  }
  if (strcmp(name, "sysfs") == 0) /* the number of filesystem types */
    return syscall(SYS_sysfs, 3);
  if (strcmp(name, "userfaultfd") == 0) /* allowed to anyone in user mode */
    return syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
  if (strcmp(name, "personality") == 0) /* not one of Docker's allowed personas */
    return syscall(SYS_personality, READ_IMPLIES_EXEC);
  if (strcmp(name, "iopl") == 0) /* level 0 asks for nothing */
    return syscall(SYS_iopl, 0);
  errno = 0;
  return -2;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "euid") == 0) {
    printf("%u\n", (unsigned)geteuid());
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "syscall") == 0) {
    for (int i = 2; i < argc; ++i) {
      errno = 0;
      long rc = call(argv[i]);
      if (rc == -2 && errno == 0) {
        fprintf(stderr, "isolation_probe: unknown call '%s'\n", argv[i]);
        return 2;
      }
      if (rc < 0)
        printf("%s=%s\n", argv[i], strerrorname_np(errno) ? strerrorname_np(errno) : "?");
      else
        printf("%s=ok\n", argv[i]);
      fflush(stdout);
    }
    return 0;
  }
  fprintf(stderr, "usage: isolation_probe euid | syscall NAME...\n");
  return 2;
}
