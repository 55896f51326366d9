/*
 * The container's security posture, set by berth-libvirt-init: what
 * libvirt-lxc leaves open (CAP_SYS_ADMIN and more, the host's cgroup
 * hierarchies read-write, /proc's sensitive files, no seccomp, no
 * no_new_privs) closed the way the native driver closes it.
 *
 * Failures are reported as the step, the object and errno (struct
 * posture_error), which init forwards to the driver as
 * "failed STEP ERRNO OBJECT".
 */
#ifndef BERTH_LIBVIRT_INIT_POSTURE_H
#define BERTH_LIBVIRT_INIT_POSTURE_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct posture_error {
  const char *step;
  const char *object;
  int err;
};

/* What the spec's process gets. */
struct posture {
  uint64_t capabilities; /* kept in bounding, permitted, effective */
  int no_new_privs;
  const struct sock_filter *seccomp; /* NULL: none */
  size_t seccomp_len;
  int user_set;
  uid_t uid;
  gid_t gid;
  const gid_t *groups;
  size_t groups_count;
  const char *cwd; /* absolute inside the container */
};

/* pid 1, before the process exists: unmounts /sys/fs/cgroup and the
 * driver's own directories (init's binary, the control socket's directory;
 * both lazily, init still uses them), masks Docker's masked paths, makes
 * Docker's read-only paths, /proc/sys and /sys read-only (recursively). */
int posture_mounts(const char *const *berth_dirs, size_t berth_dirs_count, struct posture_error *e);

/* pid 1, as root: a missing cwd is made (as Docker does), each component
 * inside the root. */
int posture_make_cwd(const char *cwd, struct posture_error *e);

/* The spec's process, last steps before exec: bounding set, seccomp (with
 * no_new_privs unless allowed), user, capabilities, the cwd resolved inside
 * the root, every descriptor but stdio marked close-on-exec. */
int posture_enter(const struct posture *p, struct posture_error *e);

#endif
