/*
 * berth-libvirt-init: pid 1 of a berth container run by libvirt-lxc.
 *
 * libvirt-lxc runs <init> as the container's first process and never reports
 * its exit status, and its console (a pty chain through the libvirt_lxc
 * controller and libvirtd) loses whatever is still in flight when the
 * container stops. This static init closes both gaps:
 *   - it runs the spec's process as its child, reaps it (and any orphan),
 *     forwards signals to it and reports its exit status, 128+N semantics
 *     left to the core (the driver adds the OOM flag from the host side);
 *   - it is the only writer of the console: the child's output goes through
 *     a pipe (or, with a tty, an inner pty) that init copies to the console
 *     in raw mode, counting bytes, and init stays alive until the driver
 *     says it has received that many bytes.
 * and it gives the process the posture the native driver gives (posture.h):
 * libvirt-lxc alone leaves root in the container most of root on the host.
 *
 * It talks to the driver over a SOCK_SEQPACKET unix socket bind-mounted
 * from the container's state directory (one message per packet):
 *   init -> driver  "hello"
 *   driver -> init  "seccomp\0" + BPF         (with --seccomp: the filter)
 *   driver -> init  "go"                       (console is open, start)
 *   init -> driver  "started PID" | "failed STEP ERRNO [OBJECT]"
 *   driver -> init  "in\0" + BYTES             (input for the child's stdin)
 *   driver -> init  "stdin-eof"                (close the child's stdin)
 *   init -> driver  "exit CODE SIGNAL OOM BYTES"
 *   driver -> init  "drained"                  (all BYTES arrived; init exits)
 * If the driver goes away (socket EOF), init carries on without it.
 * Input takes this socket, not the console: libvirt's client deadlocks now
 * and then when one thread sends on a stream another one receives on.
 *
 * Usage: berth-libvirt-init --ctl PATH [--tty [--winsize ROWSxCOLS]] [--stdin] [--user UID:GID]
 *          [--groups G1,G2] --caps HEXMASK [--seccomp] [--no-new-privs] [--detach DIR]...
 *          [--hostname H] [--cwd DIR] [-e K=V]... -- ARGV...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "posture.h"

#define MAX_ENV 4096
#define MAX_GROUPS 256
#define MAX_DETACH 8
/* The largest packet on the control socket: "in\0" and a chunk of input. */
#define CTL_PACKET_MAX (3 + 32768 + 1)

struct options {
  const char *ctl;
  int tty;
  int stdin_open;
  int user_set;
  uid_t uid;
  gid_t gid;
  gid_t groups[MAX_GROUPS];
  size_t groups_count;
  const char *hostname;
  uint64_t caps; /* capabilities(7) numbers as bits: what the process keeps */
  int seccomp;   /* a filter comes before "go" */
  int no_new_privs;
  const char *detach[MAX_DETACH]; /* the driver's directories, unmounted before the process */
  size_t detach_count;
  unsigned short rows, cols;
  const char *cwd;
  char *env[MAX_ENV + 1];
  size_t env_count;
  char **argv;
};

static void die(const char *what) {
  /* The console is our stderr: the message reaches the user's output. */
  dprintf(2, "berth-libvirt-init: %s: %s\n", what, strerror(errno));
  _exit(125);
}

static void usage(const char *why) {
  dprintf(2, "berth-libvirt-init: %s\n", why);
  _exit(125);
}

static void parse(int argc, char **argv, struct options *o) {
  memset(o, 0, sizeof(*o));
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "--tty") == 0) {
      o->tty = 1;
    } else if (strcmp(a, "--stdin") == 0) {
      o->stdin_open = 1;
    } else if (strcmp(a, "--seccomp") == 0) {
      o->seccomp = 1;
    } else if (strcmp(a, "--no-new-privs") == 0) {
      o->no_new_privs = 1;
    } else if (i + 1 >= argc) {
      usage("option without value");
    } else if (strcmp(a, "--ctl") == 0) {
      o->ctl = argv[++i];
    } else if (strcmp(a, "--user") == 0) {
      unsigned long u = 0, g = 0;
      if (sscanf(argv[++i], "%lu:%lu", &u, &g) != 2) usage("--user wants UID:GID");
      o->user_set = 1;
      o->uid = (uid_t)u;
      o->gid = (gid_t)g;
    } else if (strcmp(a, "--groups") == 0) {
      char *list = argv[++i];
      for (char *tok = strtok(list, ","); tok != NULL; tok = strtok(NULL, ",")) {
        if (o->groups_count == MAX_GROUPS) usage("too many --groups");
        o->groups[o->groups_count++] = (gid_t)strtoul(tok, NULL, 10);
      }
    } else if (strcmp(a, "--winsize") == 0) {
      if (sscanf(argv[++i], "%hux%hu", &o->rows, &o->cols) != 2) usage("--winsize wants ROWSxCOLS");
    } else if (strcmp(a, "--caps") == 0) {
      o->caps = strtoull(argv[++i], NULL, 16);
    } else if (strcmp(a, "--detach") == 0) {
      if (o->detach_count == MAX_DETACH) usage("too many --detach");
      o->detach[o->detach_count++] = argv[++i];
    } else if (strcmp(a, "--hostname") == 0) {
      o->hostname = argv[++i];
    } else if (strcmp(a, "--cwd") == 0) {
      o->cwd = argv[++i];
    } else if (strcmp(a, "-e") == 0) {
      if (o->env_count == MAX_ENV) usage("too many -e");
      o->env[o->env_count++] = argv[++i];
    } else {
      usage("unknown option");
    }
  }
  if (o->ctl == NULL || i >= argc) usage("need --ctl PATH and -- ARGV");
  o->env[o->env_count] = NULL;
  o->argv = &argv[i];
}

static int ctl_send(int ctl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ctl_send(int ctl, const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (ctl < 0) return -1;
  return send(ctl, buf, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

/* Reads one packet; returns its length, 0 on EOF, -1 on error. */
static ssize_t ctl_recv(int ctl, char *buf, size_t size) {
  ssize_t n;
  do {
    n = recv(ctl, buf, size - 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) buf[n] = '\0';
  return n;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd pf = {.fd = fd, .events = POLLOUT};
        poll(&pf, 1, -1);
        continue;
      }
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Child side: failures go to the parent as "STEP ERRNO [OBJECT]" through
 * `report`. */
static void child_fail(int report, const char *step) {
  dprintf(report, "%s %d", step, errno);
  _exit(127);
}

static void child_posture_fail(int report, const struct posture_error *e) {
  dprintf(report, "%s %d %s", e->step, e->err, e->object);
  _exit(127);
}

/* execvpe with the spec's PATH (not ours), as a shell would. */
static void exec_process(struct options *o, int report) {
  const char *file = o->argv[0];
  if (strchr(file, '/') != NULL) {
    execve(file, o->argv, o->env);
    child_fail(report, "exec");
  }
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (size_t i = 0; i < o->env_count; i++)
    if (strncmp(o->env[i], "PATH=", 5) == 0) path = o->env[i] + 5;
  int saw_eacces = 0;
  char candidate[4096];
  const char *p = path;
  for (;;) {
    const char *end = strchrnul(p, ':');
    size_t len = (size_t)(end - p);
    snprintf(candidate, sizeof(candidate), "%.*s%s%s", (int)len, p, len ? "/" : "", file);
    execve(candidate, o->argv, o->env);
    if (errno == EACCES) saw_eacces = 1;
    if (*end == '\0') break;
    p = end + 1;
  }
  errno = saw_eacces ? EACCES : ENOENT;
  child_fail(report, "exec");
}

/* Puts the console in raw mode: init's copy must arrive byte for byte. */
static void console_raw(int fd) {
  struct termios t;
  if (tcgetattr(fd, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(fd, TCSANOW, &t);
  }
}

/* The filter the driver sent; static: it outlives the fork. */
static struct sock_filter seccomp_program[BPF_MAXINSNS];
static size_t seccomp_len;

/* Reads packets up to "go"; a "seccomp\0" packet carries the filter. */
static void await_go(int ctl, const struct options *o) {
  static char packet[8 + sizeof(seccomp_program)];
  const char tag[8] = "seccomp";
  for (;;) {
    ssize_t n;
    do {
      n = recv(ctl, packet, sizeof(packet), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) usage("driver did not say go");
    if (n >= 8 && memcmp(packet, tag, 8) == 0) {
      size_t len = (size_t)(n - 8) / sizeof(struct sock_filter);
      if (len == 0 || (size_t)(n - 8) % sizeof(struct sock_filter) != 0)
        usage("malformed seccomp program");
      memcpy(seccomp_program, packet + 8, (size_t)(n - 8));
      seccomp_len = len;
      continue;
    }
    if (n == 2 && memcmp(packet, "go", 2) == 0) break;
    usage("driver did not say go");
  }
  if (o->seccomp && seccomp_len == 0) usage("--seccomp but no program before go");
}

int main(int argc, char **argv) {
  /* Nothing libvirt_lxc left open (nor anything else) stays. */
  syscall(SYS_close_range, 3, ~0U, 0);
  struct options o;
  parse(argc, argv, &o);
  /* Raw before anything else: input the driver sends early must not be
   * echoed or line-edited by the console's line discipline. */
  console_raw(1);

  int ctl = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (ctl < 0) die("socket");
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", o.ctl);
  if (connect(ctl, (struct sockaddr *)&addr, sizeof(addr)) < 0) die(o.ctl);
  if (ctl_send(ctl, "hello") < 0) die("send hello");
  await_go(ctl, &o);

  if (o.hostname != NULL && sethostname(o.hostname, strlen(o.hostname)) < 0) {
    ctl_send(ctl, "failed sethostname %d", errno);
    return 125;
  }
  /* Nobody in the container reads or writes init's memory (/proc/1/mem
   * and friends need CAP_SYS_PTRACE then, which the process lacks). */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct posture_error pe = {0};
  if (posture_mounts(o.detach, o.detach_count, &pe) < 0 ||
      (o.cwd != NULL && posture_make_cwd(o.cwd, &pe) < 0)) {
    ctl_send(ctl, "failed %s %d %s", pe.step, pe.err, pe.object);
    return 125;
  }
  struct posture posture = {
      .capabilities = o.caps,
      .no_new_privs = o.no_new_privs,
      .seccomp = seccomp_len > 0 ? seccomp_program : NULL,
      .seccomp_len = seccomp_len,
      .user_set = o.user_set,
      .uid = o.uid,
      .gid = o.gid,
      .groups = o.groups,
      .groups_count = o.groups_count,
      .cwd = o.cwd,
  };

  /* Output channel (child -> init) and input channel (init -> child). */
  int out_r = -1, child_out = -1, in_w = -1, child_in = -1;
  char *slave_name = NULL;
  if (o.tty) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
      ctl_send(ctl, "failed openpt %d", errno);
      return 125;
    }
    slave_name = ptsname(master);
    struct winsize ws = {.ws_row = o.rows, .ws_col = o.cols};
    if (o.rows > 0) ioctl(master, TIOCSWINSZ, &ws);
    out_r = master;
    in_w = master;
  } else {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) die("pipe");
    out_r = p[0];
    child_out = p[1];
    if (o.stdin_open) {
      if (pipe2(p, O_CLOEXEC) < 0) die("pipe");
      child_in = p[0];
      in_w = p[1];
    }
  }

  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  int sfd = signalfd(-1, &all, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");

  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) die("pipe");
  pid_t child = fork();
  if (child < 0) die("fork");
  if (child == 0) {
    close(report[0]);
    sigprocmask(SIG_SETMASK, &old, NULL);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    if (setsid() < 0) child_fail(report[1], "setsid");
    if (o.tty) {
      int slave = open(slave_name, O_RDWR);
      if (slave < 0) child_fail(report[1], "open-pty");
      if (ioctl(slave, TIOCSCTTY, 0) < 0) child_fail(report[1], "TIOCSCTTY");
      dup2(slave, 0);
      dup2(slave, 1);
      dup2(slave, 2);
      if (slave > 2) close(slave);
    } else {
      int in = child_in >= 0 ? child_in : open("/dev/null", O_RDONLY);
      if (in < 0) child_fail(report[1], "open-devnull");
      dup2(in, 0);
      dup2(child_out, 1);
      dup2(child_out, 2);
    }
    struct posture_error ce = {0};
    if (posture_enter(&posture, &ce) < 0) child_posture_fail(report[1], &ce);
    exec_process(&o, report[1]);
  }
  close(report[1]);
  if (child_out >= 0) close(child_out);
  if (child_in >= 0) close(child_in);

  char rep[128];
  ssize_t rn;
  do {
    rn = read(report[0], rep, sizeof(rep) - 1);
  } while (rn < 0 && errno == EINTR);
  close(report[0]);
  if (rn > 0) {
    rep[rn] = '\0';
    ctl_send(ctl, "failed %s", rep);
    waitpid(child, NULL, 0);
    return 127;
  }
  ctl_send(ctl, "started %d", (int)child);

  fcntl(out_r, F_SETFL, O_NONBLOCK);
  static char packet[CTL_PACKET_MAX];
  long long out_bytes = 0;
  int child_done = 0, status = 0;
  char buf[65536];
  while (!child_done) {
    struct pollfd pf[3] = {
        {.fd = sfd, .events = POLLIN},
        {.fd = out_r, .events = POLLIN},
        {.fd = ctl, .events = POLLIN},
    };
    if (poll(pf, 3, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(out_r, buf, sizeof(buf));
      if (n > 0) {
        if (write_all(1, buf, (size_t)n) < 0) die("write console");
        out_bytes += n;
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        /* All writers gone (or pty EIO): stop polling the channel. */
        if (out_r != in_w) close(out_r);
        out_r = -1;
      }
    }
    if (pf[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ctl_recv(ctl, packet, sizeof(packet));
      if (n <= 0) {
        /* The driver is gone: nobody to wait for at the end. */
        close(ctl);
        ctl = -1;
      } else if (n >= 3 && memcmp(packet, "in", 3) == 0) {
        if (in_w >= 0) write_all(in_w, packet + 3, (size_t)n - 3);
      } else if (strcmp(packet, "stdin-eof") == 0 && !o.tty && in_w >= 0) {
        close(in_w);
        in_w = -1;
      }
    }
    if (pf[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo != SIGCHLD) kill(child, (int)si.ssi_signo);
      }
      int st;
      pid_t p;
      while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        if (p == child) {
          child_done = 1;
          status = st;
        }
      }
    }
  }

  /* The process is gone: copy what it left in the channel, then wait for
   * the console to hand it to the controller. Orphans holding the channel
   * open do not keep the container alive (the process defines its life). */
  while (out_r >= 0) {
    ssize_t n = read(out_r, buf, sizeof(buf));
    if (n <= 0) break;
    if (write_all(1, buf, (size_t)n) < 0) break;
    out_bytes += n;
  }
  tcdrain(1);

  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (ctl_send(ctl, "exit %d %d 0 %lld", code, sig, out_bytes) == 0) {
    /* Stay until the driver has everything (or goes away); input still on
     * its way is nobody's now. */
    ssize_t n;
    do {
      n = ctl_recv(ctl, packet, sizeof(packet));
    } while (n > 0 && strcmp(packet, "drained") != 0);
  }
  return WIFEXITED(status) ? code : 128 + sig;
}
