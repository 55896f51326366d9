/*
 * berth execution-driver ABI.
 *
 * This header is the only contract between the berth core and an execution
 * driver. It is plain C: fixed-width integers, `const char *` strings and
 * arrays with explicit counts. No C++ type, no exception and no allocation
 * crosses it: whoever allocates frees, and every buffer a call fills is
 * provided by the caller.
 *
 * Versioning rules (see plugin-sdk/README.md for the full contract):
 *   - A driver exports one symbol, BERTH_DRIVER_ENTRY_SYMBOL, of type
 *     berth_driver_entry_fn. The core passes the newest ABI version it
 *     speaks; the driver answers with the table of the version it uses
 *     (<= the offered one) or NULL when it cannot serve that core.
 *   - Every struct that crosses the boundary begins with (or carries) a
 *     `struct_size`. Members are only ever appended, never reordered or
 *     removed. A reader treats members past `struct_size` as absent (zero).
 *   - Feature flags, not version numbers, say what a driver can honour.
 */
#ifndef BERTH_DRIVER_H
#define BERTH_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes, and the oldest one a core built
 * from it still loads. */
#define BERTH_DRIVER_ABI_VERSION 1u
#define BERTH_DRIVER_ABI_MIN_VERSION 1u

/* Name of the one exported entry point. */
#define BERTH_DRIVER_ENTRY_SYMBOL "berth_driver_entry"

#if defined(__GNUC__)
#define BERTH_DRIVER_EXPORT __attribute__((visibility("default")))
#else
#define BERTH_DRIVER_EXPORT
#endif

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* Return codes of every call. 0 is success. */
enum berth_status {
  BERTH_OK = 0,
  BERTH_E_INTERNAL = 1,        /* a bug or an unexpected state */
  BERTH_E_INVALID = 2,         /* the spec or an argument is wrong for this driver */
  BERTH_E_UNSUPPORTED = 3,     /* the driver cannot do what was asked */
  BERTH_E_NO_CONTAINER = 4,    /* no such container (state dir empty or gone) */
  BERTH_E_EXEC_NOT_FOUND = 5,  /* the process's executable does not exist (exit 127) */
  BERTH_E_EXEC_DENIED = 6,     /* the executable exists but cannot be executed (exit 126) */
  BERTH_E_UNAVAILABLE = 7,     /* the backend cannot run here (probe) */
  BERTH_E_RANGE = 8,           /* a caller buffer was too small; the needed count is returned */
  BERTH_E_SYSTEM = 9           /* a system call failed; sys_errno says which errno */
};

#define BERTH_ERROR_MESSAGE_MAX 1024

/* Filled by the driver on failure. The message names the step, the object
 * and the errno text, e.g. "pivot_root(/run/berth/x/rootfs): Invalid argument". */
typedef struct berth_error {
  int32_t code;      /* enum berth_status */
  int32_t sys_errno; /* errno of the failing system call, 0 when none */
  char message[BERTH_ERROR_MESSAGE_MAX];
} berth_error;

/* ------------------------------------------------------------------------ */
/* Features                                                                 */
/* ------------------------------------------------------------------------ */

/* What a driver can honour. The core refuses a spec field the user set whose
 * feature the chosen driver does not declare (unless --best-effort). */
#define BERTH_FEATURE_NS_PID (1ull << 0)
#define BERTH_FEATURE_NS_MOUNT (1ull << 1)
#define BERTH_FEATURE_NS_UTS (1ull << 2)
#define BERTH_FEATURE_NS_IPC (1ull << 3)
#define BERTH_FEATURE_NS_NET (1ull << 4)
#define BERTH_FEATURE_NS_USER (1ull << 5)
#define BERTH_FEATURE_NS_CGROUP (1ull << 6)
#define BERTH_FEATURE_LIMIT_MEMORY (1ull << 7)   /* resources.memory */
#define BERTH_FEATURE_LIMIT_CPU (1ull << 8)      /* resources.cpu_shares */
#define BERTH_FEATURE_LIMIT_PIDS (1ull << 9)     /* resources.pids */
#define BERTH_FEATURE_TTY (1ull << 10)           /* process.tty */
#define BERTH_FEATURE_STDIN (1ull << 11)         /* process.stdin (-i) */
#define BERTH_FEATURE_SEPARATE_STDERR (1ull << 12) /* stderr reaches stdio.stderr_fd, not stdout */
#define BERTH_FEATURE_BIND_MOUNTS (1ull << 13)   /* mounts */
#define BERTH_FEATURE_READONLY_MOUNTS (1ull << 14) /* mounts[].readonly */
#define BERTH_FEATURE_READONLY_ROOTFS (1ull << 15) /* readonly_rootfs */
#define BERTH_FEATURE_NETWORK_NONE (1ull << 16)  /* network: none */
#define BERTH_FEATURE_NETWORK_HOST (1ull << 17)  /* network: host */
#define BERTH_FEATURE_USER_SWITCH (1ull << 18)   /* process.user */
#define BERTH_FEATURE_PIDS_LISTING (1ull << 19)  /* the pids call */
#define BERTH_FEATURE_HOSTNAME (1ull << 20)      /* hostname */
/* capabilities.add / drop; by default Docker's 14 capabilities are the
 * effective, permitted and bounding set. */
#define BERTH_FEATURE_CAPABILITIES (1ull << 21)
/* The project's default seccomp deny-list: each of its calls fails with
 * EPERM (argument cases such as personality included). */
#define BERTH_FEATURE_SECCOMP (1ull << 22)
#define BERTH_FEATURE_OOM_REPORT (1ull << 23)    /* exit status carries the OOM flag */
#define BERTH_FEATURE_CWD (1ull << 24)           /* process.cwd */
#define BERTH_FEATURE_ENV (1ull << 25)           /* process.env */
/* no_new_privs is set on the container's processes by default, and left
 * off when the spec carries BERTH_SECURITY_ALLOW_NEW_PRIVS. */
#define BERTH_FEATURE_NO_NEW_PRIVS (1ull << 26)
/* Docker's masked paths (/proc/kcore, /proc/keys, /sys/firmware, ...) and
 * read-only paths; /proc/sys and /sys read-only; cgroupfs absent or
 * read-only; a fresh procfs cannot be mounted. */
#define BERTH_FEATURE_MASKED_PATHS (1ull << 27)
/* Docker's device allow-list: no host block device can be made or opened. */
#define BERTH_FEATURE_DEVICE_ALLOWLIST (1ull << 28)

/* Network modes (berth_spec.network and berth_driver.default_network). */
enum berth_network {
  BERTH_NETWORK_UNSET = 0, /* spec: take the driver's default */
  BERTH_NETWORK_NONE = 1,  /* a private network namespace with only lo, up */
  BERTH_NETWORK_HOST = 2   /* the host's network */
};

/* ------------------------------------------------------------------------ */
/* The spec, as a read-only view                                            */
/* ------------------------------------------------------------------------ */

typedef struct berth_key_value {
  const char *key;
  const char *value;
} berth_key_value;

#define BERTH_MOUNT_READONLY (1u << 0)

typedef struct berth_mount {
  const char *source;      /* absolute host path */
  const char *destination; /* absolute path inside the container */
  uint32_t flags;          /* BERTH_MOUNT_* */
} berth_mount;

/* Everything the core hands a driver about one container. All pointers stay
 * valid for the duration of the call they are passed to; a driver that needs
 * anything later copies it (into its state directory if another process
 * needs it). Strings are UTF-8, NUL-terminated. Unset optional strings are
 * NULL, unset limits are 0. */
typedef struct berth_spec {
  uint32_t struct_size; /* sizeof(berth_spec) as the core was built */
  uint32_t reserved0;

  const char *rootfs; /* absolute path of the root filesystem directory */

  const char *const *args; /* argv, args_count >= 1 */
  uint32_t args_count;
  uint32_t env_count;
  const char *const *env; /* "KEY=VALUE" strings, the complete environment */
  const char *cwd;        /* absolute, never NULL ("/" by default) */

  uint32_t uid; /* numeric, resolved by the core from process.user */
  uint32_t gid;
  const uint32_t *additional_gids; /* supplementary groups; may be empty */
  uint32_t additional_gids_count;
  uint8_t user_set; /* 1 when process.user was given */
  uint8_t tty;      /* 1: stdio is a terminal, make it the controlling tty */
  uint8_t stdin_open; /* 1: stdin_fd carries input (-i); else it is /dev/null */
  uint8_t readonly_rootfs;

  const char *hostname; /* NULL: the driver's default */

  const berth_mount *mounts;
  uint32_t mounts_count;
  uint32_t network; /* enum berth_network */

  int64_t memory_bytes; /* 0: unlimited */
  int64_t cpu_shares;   /* 0: default (1024-relative, as docker --cpu-shares) */
  int64_t pids_limit;   /* 0: unlimited */

  /* Capability names as in capabilities(7), upper case with CAP_ prefix. */
  const char *const *cap_add;
  uint32_t cap_add_count;
  uint32_t cap_drop_count;
  const char *const *cap_drop;

  /* Raw options for this driver only (driver_options.<name> and CLI flags
   * such as --lxc-conf), in order, applied last. Never interpreted by the
   * core. */
  const berth_key_value *driver_options;
  uint32_t driver_options_count;
  uint32_t reserved1;

  /* --- appended within version 1: absent (0) when struct_size ends
   * before a member; read through BERTH_SPEC_HAS(spec, member). */
  uint32_t security_flags; /* BERTH_SECURITY_* */
  uint32_t reserved2;
} berth_spec;

/* The user turned no_new_privs off (--security-opt
 * no-new-privileges=false): setuid binaries may gain privileges again. */
#define BERTH_SECURITY_ALLOW_NEW_PRIVS (1u << 0)

/* True when a struct of `struct_size` bytes carries `member` (a reader
 * treats members past the size its writer knew as absent). */
#define BERTH_HAS_MEMBER(ptr, type, member) \
  ((ptr)->struct_size >= offsetof(type, member) + sizeof(((type *)0)->member))
#define BERTH_SPEC_HAS(spec, member) BERTH_HAS_MEMBER(spec, berth_spec, member)

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                */
/* ------------------------------------------------------------------------ */

/* Identifies one container. `state_dir` is an existing directory that the
 * core created for this driver and this container; the driver keeps there
 * whatever another process needs to find the container again (pid, cgroup
 * path, backend name). The core deletes it after destroy. */
typedef struct berth_container {
  uint32_t struct_size;
  uint32_t reserved0;
  const char *id;        /* [a-z0-9]{1,64}, unique on this host */
  const char *state_dir; /* absolute path */
} berth_container;

/* Stdio handed over by the core. Valid open descriptors; the driver dup()s
 * what it needs and never closes these. With spec->tty the three are the
 * slave side of a pty the core allocated. */
typedef struct berth_stdio {
  uint32_t struct_size;
  int32_t stdin_fd;
  int32_t stdout_fd;
  int32_t stderr_fd;
} berth_stdio;

typedef struct berth_start_result {
  uint32_t struct_size;
  uint32_t reserved0;
  int64_t pid; /* host pid of the container's first process, 0 when none */
} berth_start_result;

#define BERTH_EXIT_OOM_KILLED (1u << 0)

typedef struct berth_exit_status {
  uint32_t struct_size;
  int32_t exit_code; /* valid when signal == 0 */
  int32_t signal;    /* the signal that killed the process, 0 when it exited */
  uint32_t flags;    /* BERTH_EXIT_* */
} berth_exit_status;

enum berth_run_state {
  BERTH_STATE_UNKNOWN = 0,
  BERTH_STATE_CREATED = 1, /* resources exist, process not yet running */
  BERTH_STATE_RUNNING = 2,
  BERTH_STATE_STOPPED = 3  /* the process is gone; destroy still owed */
};

typedef struct berth_container_state {
  uint32_t struct_size;
  uint32_t state; /* enum berth_run_state */
  int64_t pid;    /* host pid when running, else 0 */
} berth_container_state;

/* ------------------------------------------------------------------------ */
/* The driver table                                                         */
/* ------------------------------------------------------------------------ */

typedef struct berth_driver berth_driver;

struct berth_driver {
  /* --- ABI version 1 ---------------------------------------------------- */
  uint32_t abi_version; /* the version of this table */
  uint32_t struct_size; /* sizeof(berth_driver) as the driver was built */

  const char *name;        /* [a-z0-9_-]+, what --exec-driver takes */
  const char *version;     /* the driver's own version */
  const char *description; /* one line */

  uint64_t features;        /* BERTH_FEATURE_* */
  uint32_t default_network; /* enum berth_network used when the spec leaves it unset */
  uint32_t reserved0;

  /* Can this backend run on this host now? BERTH_OK, or an error whose
   * message says why not ("libvirtd is not running: ..."). `info` receives a
   * one-line description of what was found (backend version, cgroup layout),
   * NUL-terminated, at most info_size bytes. Required. */
  int32_t (*probe)(char *info, size_t info_size, berth_error *err);

  /* Create and start the container; returns once its process runs (or has
   * failed to exec, reported as BERTH_E_EXEC_NOT_FOUND / _DENIED). On failure
   * nothing is left behind. Required. */
  int32_t (*start)(const berth_container *c, const berth_spec *spec, const berth_stdio *stdio,
                   berth_start_result *out, berth_error *err);

  /* Block until the container's process has exited. Only guaranteed in the
   * process that called start (the monitor). Required. */
  int32_t (*wait)(const berth_container *c, berth_exit_status *out, berth_error *err);

  /* Send a signal to the container's process. Works from any process.
   * Required. */
  int32_t (*kill)(const berth_container *c, int32_t signal, berth_error *err);

  /* Host pids of every process of the container. Fills up to `capacity`,
   * stores the total in *count; BERTH_E_RANGE when capacity was too small.
   * Works from any process. Required when BERTH_FEATURE_PIDS_LISTING. */
  int32_t (*pids)(const berth_container *c, int64_t *pids, uint32_t capacity, uint32_t *count,
                  berth_error *err);

  /* What the backend says of the container now. Works from any process.
   * Required. */
  int32_t (*state)(const berth_container *c, berth_container_state *out, berth_error *err);

  /* Release everything of the container: processes (killed), mounts,
   * cgroups, namespaces, backend objects. Idempotent: destroying what is
   * already gone succeeds. Works from any process. Required. */
  int32_t (*destroy)(const berth_container *c, berth_error *err);

  /* --- optional calls, appended within version 1 --------------------- */
  /* Absent when struct_size ends before the member, or when NULL: the core
   * then does without (see each call). */

  /* A new descriptor (close-on-exec; the caller closes it) that becomes
   * readable (POLLIN) once the container's process has exited, after which
   * wait() returns without blocking. Only in the monitor process, after
   * start. With it the monitor waits for the exit and for its own signals
   * in one poll; without it, it forwards signals from a thread while wait()
   * blocks. */
  int32_t (*exit_fd)(const berth_container *c, int32_t *fd, berth_error *err);

  /* --- appended members of later versions go below, never above -------- */
};

/* Size of the version-1 table: a table shorter than this is refused. */
#define BERTH_DRIVER_V1_SIZE (offsetof(berth_driver, destroy) + sizeof(void *))

/* The entry point. `core_abi_version` is the newest version the core
 * speaks. The driver returns its table, whose abi_version is <= the offered
 * version, or NULL when it cannot serve that core; in both cases it stores
 * in *driver_abi_version the version it would use (so the core can say
 * "driver needs ABI 3, core speaks 1"). The table is static and const: it
 * lives as long as the library is loaded. */
typedef const berth_driver *(*berth_driver_entry_fn)(uint32_t core_abi_version,
                                                     uint32_t *driver_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* BERTH_DRIVER_H */
