/*
 * berth-lxc-init: the berth-owned last step inside an lxc container, between
 * LXC's init (pid 1, which forks and execs it) and the spec's process.
 *
 * LXC has set up everything else by then (namespaces, mounts, user,
 * capabilities, no_new_privs, seccomp). This step does what LXC does not
 * do safely or fast:
 *   1. closes every descriptor but 0-2: liblxc's own and this program's
 *      memfd must not reach the process;
 *   2. resolves the working directory inside the root (openat2
 *      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS from "/"), as a directory,
 *      and fchdir's to it. LXC's chdir(lxc.init.cwd) runs while liblxc's
 *      descriptors are open, so "/proc/self/fd/6" was the host's /sys/fs;
 *   3. execs the process with the spec's environment, which arrives here as
 *      arguments (LXC's lxc.environment is one putenv() per entry, twice,
 *      quadratic in the number of entries), plus what LXC's init passed in
 *      (container=lxc, raw lxc.environment items) for names the spec lacks.
 *
 * The driver hands it down as a sealed memfd (nothing is written into the
 * rootfs) and LXC's init execs it as /proc/self/fd/N.
 *
 * Usage: berth-lxc-init CWD ENV_COUNT ENV... -- ARGV...
 * Failures print "berth-lxc-init: WHAT: REASON" on stderr and exit 125
 * (set-up), 126 (found, not executable) or 127 (not found), as a shell and
 * Docker do.
 *
 * Built without libc on x86_64 and aarch64 (a few kilobytes, so the memfd
 * copy and the exec cost next to nothing); elsewhere with libc.
 */
#include <asm/unistd.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/openat2.h>

#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(BERTH_LXC_INIT_LIBC)
#define BERTH_FREESTANDING 1
#else
#include <errno.h>
#include <unistd.h>
#endif

#define MAX_PATH 4096

static const char kDefaultPath[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#ifdef BERTH_FREESTANDING
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
#else
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
#endif
}
/* -errno on failure, as the kernel returns it. */
#define SYS(n, a, b, c, d) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#else
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  long r = syscall(n, a, b, c, d, e, f);
  return r < 0 ? -errno : r;
}
#define SYS(n, a, b, c, d) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#endif

static unsigned long length(const char *s) {
  unsigned long n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

/* What strerror would say, for the errors these steps meet. */
static const char *reason(long e) {
  switch (e) {
    case ENOENT: return "No such file or directory";
    case ENOTDIR: return "Not a directory";
    case EACCES: return "Permission denied";
    case EPERM: return "Operation not permitted";
    case ELOOP: return "Too many levels of symbolic links (or a /proc magic link, refused)";
    case EXDEV: return "it leads out of the container's root";
    case ENAMETOOLONG: return "File name too long";
    case E2BIG: return "Argument list too long";
    case ENOEXEC: return "Exec format error";
    case ENOMEM: return "Cannot allocate memory";
    case ENOSYS: return "Function not implemented (openat2 needs Linux 5.6)";
    case ETXTBSY: return "Text file busy";
    case EISDIR: return "Is a directory";
    default: return "error";
  }
}

/* One write: "berth-lxc-init: WHAT \"PATH\": REASON\n". */
static void report(const char *what, const char *path, long e) {
  char line[MAX_PATH + 256];
  unsigned long n = 0;
  const char *parts[] = {"berth-lxc-init: ", what, path ? " \"" : "", path ? path : "",
                         path ? "\"" : "", ": ", reason(e)};
  for (unsigned i = 0; i < sizeof parts / sizeof parts[0]; ++i)
    for (const char *p = parts[i]; *p != '\0' && n < sizeof line - 32; ++p) line[n++] = *p;
  if (reason(e)[0] == 'e' && reason(e)[1] == 'r') { /* "error": give the number */
    char digits[24];
    int d = 0;
    unsigned long v = (unsigned long)e;
    do digits[d++] = (char)('0' + v % 10); while ((v /= 10) != 0 && d < 20);
    line[n++] = ' ';
    while (d > 0) line[n++] = digits[--d];
  }
  line[n++] = '\n';
  SYS(__NR_write, 2, line, n, 0);
}

static void leave(int code) {
  for (;;) SYS(__NR_exit_group, code, 0, 0, 0);
}

/* execvpe with the spec's PATH, as a shell searches it. */
static void exec_process(char **argv, char **envp) {
  const char *file = argv[0];
  for (const char *p = file; *p != '\0'; ++p)
    if (*p == '/') {
      long e = -SYS(__NR_execve, file, argv, envp, 0);
      report("exec", file, e);
      leave(e == ENOENT || e == ENOTDIR ? 127 : 126);
    }
  const char *path = kDefaultPath;
  for (char **e = envp; *e != 0; ++e) {
    const char *kv = *e;
    if (kv[0] == 'P' && kv[1] == 'A' && kv[2] == 'T' && kv[3] == 'H' && kv[4] == '=') path = kv + 5;
  }
  unsigned long file_len = length(file);
  long first = 0; /* the error worth reporting: EACCES over ENOENT */
  char candidate[MAX_PATH];
  for (const char *dir = path;;) {
    const char *end = dir;
    while (*end != '\0' && *end != ':') ++end;
    unsigned long dir_len = (unsigned long)(end - dir);
    if (dir_len + 1 + file_len < sizeof candidate) {
      unsigned long n = 0;
      for (const char *p = dir; p < end; ++p) candidate[n++] = *p;
      if (dir_len > 0) candidate[n++] = '/';
      for (unsigned long i = 0; i <= file_len; ++i) candidate[n++] = file[i];
      long e = -SYS(__NR_execve, candidate, argv, envp, 0);
      if (e != ENOENT && e != ENOTDIR && first != EACCES) first = e;
    }
    if (*end == '\0') break;
    dir = end + 1;
  }
  if (first == 0) first = ENOENT;
  report("exec", file, first);
  leave(first == ENOENT ? 127 : 126);
}

/* Whether `env[0..count)` names the variable of `kv` ("NAME=..."). */
static int has_name(char **env, long count, const char *kv) {
  unsigned long n = 0;
  while (kv[n] != '\0' && kv[n] != '=') ++n;
  for (long i = 0; i < count; ++i) {
    const char *e = env[i];
    unsigned long j = 0;
    while (j < n && e[j] == kv[j]) ++j;
    if (j == n && e[n] == '=') return 1;
  }
  return 0;
}

/* The spec's `count` entries (NULL-terminated already) followed by the
 * inherited ones whose names they lack. */
static char **merged_env(char **spec, long count, char **inherited) {
  long extra = 0;
  for (char **e = inherited; e != 0 && *e != 0; ++e) ++extra;
  if (extra == 0) return spec;
  unsigned long bytes = (unsigned long)(count + extra + 1) * sizeof(char *);
  long mem = sys6(__NR_mmap, 0, (long)bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
  if (mem < 0 && mem > -4096) return spec; /* the spec's own, at least */
  char **out = (char **)mem;
  long n = 0;
  for (long i = 0; i < count; ++i) out[n++] = spec[i];
  for (char **e = inherited; *e != 0; ++e)
    if (!has_name(spec, count, *e)) out[n++] = *e;
  out[n] = 0;
  return out;
}

static int run(int argc, char **argv, char **inherited) {
  /* 1. Only the stdio LXC's init gave us goes on. */
  if (SYS(__NR_close_range, 3, ~0U, 0, 0) != 0)
    for (int fd = 3; fd < 65536; ++fd) SYS(__NR_close, fd, 0, 0, 0);

  if (argc < 4) {
    report("usage: berth-lxc-init CWD ENV_COUNT ENV... -- ARGV...", 0, EINVAL);
    return 125;
  }
  const char *cwd = argv[1];
  long count = 0;
  for (const char *p = argv[2]; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9' || count > 100000000) {
      report("bad ENV_COUNT", argv[2], EINVAL);
      return 125;
    }
    count = count * 10 + (*p - '0');
  }
  long sep = 3 + count;
  if (sep >= argc || argv[sep][0] != '-' || argv[sep][1] != '-' || argv[sep][2] != '\0' ||
      sep + 1 >= argc) {
    report("ENV_COUNT does not match the arguments", argv[2], EINVAL);
    return 125;
  }

  /* 2. The working directory, resolved inside the root. */
  long root = SYS(__NR_openat, AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (root < 0) {
    report("open", "/", -root);
    return 125;
  }
  struct open_how how;
  char *raw = (char *)&how;
  for (unsigned i = 0; i < sizeof how; ++i) raw[i] = 0;
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long dir = sys6(__NR_openat2, root, (long)cwd, (long)&how, sizeof how, 0, 0);
  if (dir < 0) {
    report("process.cwd", cwd, -dir);
    return 125;
  }
  long rc = SYS(__NR_fchdir, dir, 0, 0, 0);
  if (rc != 0) {
    report("process.cwd", cwd, -rc);
    return 125;
  }
  SYS(__NR_close, dir, 0, 0, 0);
  SYS(__NR_close, root, 0, 0, 0);

  /* 3. The environment is argv[3 .. sep-1]; its NULL replaces "--". */
  argv[sep] = 0;
  exec_process(&argv[sep + 1], merged_env(&argv[3], count, inherited));
  return 127;
}

#ifdef BERTH_FREESTANDING
/* The compiler may emit calls to these for the structs above. */
void *memset(void *d, int c, unsigned long n) {
  unsigned char *p = d;
  while (n-- > 0) *p++ = (unsigned char)c;
  return d;
}
void *memcpy(void *d, const void *s, unsigned long n) {
  unsigned char *p = d;
  const unsigned char *q = s;
  while (n-- > 0) *p++ = *q++;
  return d;
}

__attribute__((used)) void start_c(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  leave(run(argc, argv, argv + argc + 1));
}

#if defined(__x86_64__)
__asm__(".text\n.global _start\n_start:\n xor %rbp, %rbp\n mov %rsp, %rdi\n"
        " and $-16, %rsp\n call start_c\n hlt\n");
#else
__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x30, #0\n mov x0, sp\n"
        " bl start_c\n brk #0\n");
#endif
#else
int main(int argc, char **argv, char **envp) {
  return run(argc, argv, envp);
}
#endif
