/* See posture.h. Docker's lists are the SDK's berth/sdk/docker_paths.h,
 * as every driver's. */
#define _GNU_SOURCE
#include "posture.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <berth/sdk/docker_paths.h>

/* Read-only with every mount below them (libvirt binds /proc/sys/net/ipv4
 * and ipv6 read-write into its read-only /proc/sys). */
static const char *const kReadonlyTrees[] = {"/proc/sys", "/sys"};

static int fail(struct posture_error *e, const char *step, const char *object) {
  e->step = step;
  e->object = object;
  e->err = errno;
  return -1;
}

/* The container's cgroupfs: libvirt-lxc mounts the host's hierarchies
 * read-write and whole below a tmpfs here (no cgroup namespace), so a
 * process could move itself out of its limits or write release_agent. */
static int unmount_cgroupfs(struct posture_error *e) {
  if (umount2("/sys/fs/cgroup", MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
    return fail(e, "umount", "/sys/fs/cgroup");
  return 0;
}

static int unmount_berth_dir(const char *dir, struct posture_error *e) {
  if (umount2(dir, MNT_DETACH) < 0) return fail(e, "umount", dir);
  rmdir(dir); /* on libvirt's /dev tmpfs; an empty directory left is harmless */
  return 0;
}

static int mask(const char *path, struct posture_error *e) {
  int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : fail(e, "open-masked-path", path);
  struct stat st;
  char target[32];
  snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
  int rc = fstat(fd, &st);
  if (rc == 0) {
    if (S_ISDIR(st.st_mode))
      rc = mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    else
      rc = mount("/dev/null", target, NULL, MS_BIND, NULL);
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return rc < 0 ? fail(e, "mask", path) : 0;
}

/* A bind of `path` onto itself (unless it is a mount point already, as
 * /proc/sys and /sys are), then read-only; nosuid/nodev/noexec stay. */
static int make_readonly(const char *path, int recursive, struct posture_error *e) {
  int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : fail(e, "open-readonly-path", path);
  char self[32];
  snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
  int rc = 0;
  if (!recursive) rc = mount(self, self, NULL, MS_BIND, NULL);
  close(fd);
  if (rc < 0) return fail(e, "bind-mount-onto-itself", path);
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
  if (mount_setattr(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | (recursive ? AT_RECURSIVE : 0), &attr,
                    sizeof(attr)) < 0)
    return fail(e, "mount_setattr-read-only", path);
  return 0;
}

int posture_mounts(const char *const *berth_dirs, size_t berth_dirs_count,
                   struct posture_error *e) {
  if (unmount_cgroupfs(e) < 0) return -1;
  for (size_t i = 0; i < berth_dirs_count; i++)
    if (unmount_berth_dir(berth_dirs[i], e) < 0) return -1;
  for (size_t i = 0; i < sizeof(berth_masked_paths) / sizeof(berth_masked_paths[0]); i++)
    if (mask(berth_masked_paths[i], e) < 0) return -1;
  for (size_t i = 0; i < sizeof(berth_readonly_paths) / sizeof(berth_readonly_paths[0]); i++)
    if (strcmp(berth_readonly_paths[i], "/proc/sys") != 0 && /* a tree: below */
        make_readonly(berth_readonly_paths[i], 0, e) < 0)
      return -1;
  for (size_t i = 0; i < sizeof(kReadonlyTrees) / sizeof(kReadonlyTrees[0]); i++)
    if (make_readonly(kReadonlyTrees[i], 1, e) < 0) return -1;
  return 0;
}

static int capset_sets(uint64_t mask) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  for (int w = 0; w < 2; w++) {
    data[w].effective = (uint32_t)(mask >> (32 * w));
    data[w].permitted = data[w].effective;
    data[w].inheritable = 0;
  }
  return (int)syscall(SYS_capset, &hdr, data);
}

/* The cwd opened inside the root (RESOLVE_IN_ROOT: no .., symlink or
 * /proc magic link leads out of it), then entered. */
static int open_in_root(int root, const char *path);

static int enter_cwd(const char *cwd, struct posture_error *e) {
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return fail(e, "chdir", cwd);
  int fd = open_in_root(root, cwd);
  int saved = errno;
  close(root);
  if (fd < 0) {
    errno = saved;
    return fail(e, "chdir", cwd);
  }
  int rc = fchdir(fd);
  saved = errno;
  close(fd);
  errno = saved;
  return rc < 0 ? fail(e, "chdir", cwd) : 0;
}

static int open_in_root(int root, const char *path) {
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

int posture_make_cwd(const char *cwd, struct posture_error *e) {
  char path[4096];
  if (strlen(cwd) >= sizeof(path)) {
    errno = ENAMETOOLONG;
    return fail(e, "chdir", cwd);
  }
  int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return fail(e, "chdir", cwd);
  int fd = open_in_root(root, cwd);
  /* Component by component: each parent is resolved inside the root, and
   * only its missing child is made, so nothing is created outside it. */
  for (char *slash = NULL; fd < 0 && errno == ENOENT;) {
    strcpy(path, cwd);
    slash = path;
    int parent = -1;
    for (;;) {
      slash = strchr(slash + 1, '/');
      if (slash != NULL) *slash = '\0';
      int next = open_in_root(root, path);
      if (next < 0 && errno == ENOENT) {
        char *name = strrchr(path, '/');
        *name = '\0';
        parent = open_in_root(root, path[0] != '\0' ? path : "/");
        *name = '/';
        if (parent < 0 || (mkdirat(parent, name + 1, 0755) < 0 && errno != EEXIST)) break;
        close(parent);
        parent = -1;
        next = open_in_root(root, path);
      }
      if (next < 0) break;
      close(next);
      if (slash == NULL) break;
      *slash = '/';
    }
    int saved = errno;
    if (parent >= 0) close(parent);
    errno = saved;
    fd = open_in_root(root, cwd);
    if (fd < 0) break;
  }
  int saved = errno;
  close(root);
  if (fd < 0) {
    errno = saved;
    return fail(e, "chdir", cwd);
  }
  close(fd);
  return 0;
}

int posture_enter(const struct posture *p, struct posture_error *e) {
  /* Bounding set first: needs CAP_SETPCAP, which may not be kept. */
  for (int cap = 0; cap < 64; cap++) {
    if ((p->capabilities >> cap) & 1) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) break; /* past the kernel's last capability */
      return fail(e, "PR_CAPBSET_DROP", "bounding set");
    }
  }
  if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return fail(e, "prctl", "PR_SET_NO_NEW_PRIVS");
  /* While CAP_SYS_ADMIN is still effective: without no_new_privs the kernel
   * takes a filter only from a process holding it. The profile allows what
   * follows (setuid, capset, openat2). */
  if (p->seccomp != NULL) {
    struct sock_fprog prog = {.len = (unsigned short)p->seccomp_len,
                              .filter = (struct sock_filter *)p->seccomp};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
      return fail(e, "seccomp", "SECCOMP_SET_MODE_FILTER");
  }
  if (p->user_set) {
    if (p->uid != 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
      return fail(e, "prctl", "PR_SET_KEEPCAPS");
    if (setgroups(p->groups_count, p->groups) < 0) return fail(e, "setgroups", "process.user");
    if (setgid(p->gid) < 0) return fail(e, "setgid", "process.user");
    if (setuid(p->uid) < 0) return fail(e, "setuid", "process.user");
  }
  /* The last privilege step: Docker's set (with the spec's add/drop) as
   * permitted and effective; inheritable and ambient empty. A non-root
   * user loses them at exec, as in Docker. */
  if (capset_sets(p->capabilities) < 0) return fail(e, "capset", "permitted/effective");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    return fail(e, "prctl", "PR_CAP_AMBIENT_CLEAR_ALL");
  if (p->cwd != NULL && enter_cwd(p->cwd, e) < 0) return -1;
  /* No descriptor but stdio reaches the process, whoever opened it. */
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    return fail(e, "close_range", "descriptors above 2");
  return 0;
}
