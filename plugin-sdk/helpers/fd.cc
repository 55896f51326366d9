#include <dirent.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>

#include <cstdlib>

namespace berth::sdk {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int32_t cloexec_from(int first, berth_error *err) {
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0u, CLOSE_RANGE_CLOEXEC) == 0)
    return BERTH_OK;
  // Older kernels: walk /proc/self/fd. Uses getdents64 directly so it stays
  // usable after fork (no opendir allocation).
  int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return fail_errno(err, errno, "open", "/proc/self/fd");
  char buf[4096];
  for (;;) {
    long n = ::syscall(SYS_getdents64, dir, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto *d = reinterpret_cast<struct dirent64 *>(buf + off);
      off += d->d_reclen;
      int fd = std::atoi(d->d_name);
      if (d->d_name[0] < '0' || d->d_name[0] > '9' || fd < first || fd == dir) continue;
      int flags = ::fcntl(fd, F_GETFD);
      if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
  }
  ::close(dir);
  return BERTH_OK;
}

void close_from(int first, int keep) {
  if (keep < first) {
    if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0u, 0) == 0) return;
  } else {
    bool ok = true;
    if (keep > first) ok = ::syscall(SYS_close_range, first, keep - 1, 0) == 0;
    if (ok && ::syscall(SYS_close_range, keep + 1, ~0u, 0) == 0) return;
  }
  long max = ::sysconf(_SC_OPEN_MAX);
  for (int fd = first; fd < max; ++fd)
    if (fd != keep) ::close(fd);
}

int install_stdio(int in, int out, int errfd) {
  // Move sources out of 0..2 first so one dup2 does not clobber another.
  int src[3] = {in, out, errfd};
  for (int &fd : src) {
    if (fd >= 0 && fd <= 2) {
      int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
      if (moved < 0) return errno;
      fd = moved;
    }
  }
  for (int target = 0; target < 3; ++target) {
    if (src[target] < 0) continue;
    if (::dup2(src[target], target) < 0) return errno;
  }
  return 0;
}

int32_t SyncPipe::create(SyncPipe *out, berth_error *err) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    return fail_errno(err, errno, "socketpair", "sync pipe");
  out->parent_.reset(sv[0]);
  out->child_.reset(sv[1]);
  out->child_side_ = false;
  return BERTH_OK;
}

void SyncPipe::in_parent() {
  child_.reset();
  child_side_ = false;
}

void SyncPipe::in_child() {
  parent_.reset();
  child_side_ = true;
}

int SyncPipe::fd() const {
  return child_side_ ? child_.get() : parent_.get();
}

int SyncPipe::send_value(int32_t value) const {
  ssize_t n;
  do {
    n = ::send(fd(), &value, sizeof value, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  return 0;
}

int SyncPipe::receive_value(int32_t *value) const {
  ssize_t n;
  do {
    n = ::recv(fd(), value, sizeof *value, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno;
  if (n != sizeof *value) return ECONNRESET;
  return 0;
}

int SyncPipe::send_error(const berth_error &e) const {
  ssize_t n;
  do {
    n = ::send(fd(), &e, sizeof e, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? errno : 0;
}

int32_t SyncPipe::receive_error(berth_error *child_error, bool *got, berth_error *err) const {
  *got = false;
  ssize_t n;
  // A child that exits with our "go" unread leaves ECONNRESET pending on
  // this end, which recv reports (once) before the report it queued.
  bool reset_seen = false;
  for (;;) {
    n = ::recv(fd(), child_error, sizeof *child_error, 0);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    if (errno != ECONNRESET || reset_seen) break;
    reset_seen = true;
  }
  if (n < 0) return fail_errno(err, errno, "recv", "child status pipe");
  if (n == 0) return BERTH_OK;
  if (n != sizeof *child_error)
    return fail(err, BERTH_E_INTERNAL, "child status pipe: truncated report (%zd bytes)", n);
  child_error->message[sizeof child_error->message - 1] = '\0';
  *got = true;
  return BERTH_OK;
}

void SyncPipe::close() {
  parent_.reset();
  child_.reset();
}

}  // namespace berth::sdk
