/* A static probe run inside libvirt containers by libvirt_posture_test:
 *   posture_probe euid            prints the effective uid (setuid copies)
 *   posture_probe fds             prints the open descriptors but stdio
 *   posture_probe syscalls        prints "NAME ERRNO-NAME" for each call the
 *                                 profile denies (harmless arguments)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *errname(int e) {
  switch (e) {
    case 0:
      return "OK";
    case EPERM:
      return "EPERM";
    case ENOSYS:
      return "ENOSYS";
    case EACCES:
      return "EACCES";
    case EINVAL:
      return "EINVAL";
    case EFAULT:
      return "EFAULT";
    case EBADF:
      return "EBADF";
    case ENOENT:
      return "ENOENT";
    default:
      return "OTHER";
  }
}

static void report(const char *name, long rc) {
  printf("%s %s\n", name, errname(rc < 0 ? errno : 0));
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "euid") == 0) {
    printf("%d\n", (int)geteuid());
    return 0;
  }
  if (strcmp(argv[1], "fds") == 0) {
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) return 1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      int fd = atoi(e->d_name);
      if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d)) continue;
      char link[256] = {0}, path[64];
      snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
      readlink(path, link, sizeof(link) - 1);
      printf("%d %s\n", fd, link);
    }
    closedir(d);
    return 0;
  }
  if (strcmp(argv[1], "syscalls") == 0) {
    /* Arguments that change nothing even where a call is allowed: paths
     * that do not exist, invalid descriptors; a clone's child exits. */
    if (getenv("BERTH_PROBE_IN_CONTAINER") == NULL) {
      fprintf(stderr, "posture_probe: runs in a container only (BERTH_PROBE_IN_CONTAINER)\n");
      return 2;
    }
    report("mount", syscall(SYS_mount, "none", "/nonexistent-berth-probe", "tmpfs", 0, NULL));
    report("umount2", syscall(SYS_umount2, "/nonexistent-berth-probe", 0));
    long child = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (child == 0) _exit(0);
    if (child > 0) waitpid((pid_t)child, NULL, 0);
    report("clone-newuser", child);
    report("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
    report("add_key", syscall(SYS_add_key, "user", "x", "y", 1, 0));
    report("ptrace", syscall(SYS_ptrace, PTRACE_ATTACH, 1, 0, 0));
    report("open_by_handle_at", syscall(SYS_open_by_handle_at, -1, NULL, 0));
    report("name_to_handle_at", syscall(SYS_name_to_handle_at, -1, "/", NULL, NULL, 0));
    report("bpf", syscall(SYS_bpf, 0, NULL, 0));
    report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
    report("personality-bsd", syscall(SYS_personality, 0x0006));
    report("personality-query", syscall(SYS_personality, 0xffffffff));
    report("setns", syscall(SYS_setns, -1, 0));
    report("reboot", syscall(SYS_reboot, 0, 0, 0, NULL)); /* bad magic: EINVAL if allowed */
    report("init_module", syscall(SYS_init_module, NULL, 0, ""));
    report("unshare", syscall(SYS_unshare, CLONE_NEWUSER)); /* last: it may succeed */
    return 0;
  }
  return 2;
}
