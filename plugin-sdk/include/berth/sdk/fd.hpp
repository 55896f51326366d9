// File descriptors for drivers: an owning UniqueFd, a sweep that closes or
// marks close-on-exec every descriptor a container must not inherit, and a
// SyncPipe through which parent and child synchronise and the child reports
// a setup or exec failure.
#pragma once

#include <berth/driver.h>

#include <cstdint>
#include <utility>

namespace berth::sdk {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd &&o) noexcept : fd_(o.release()) {}
  UniqueFd &operator=(UniqueFd &&o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd &) = delete;
  UniqueFd &operator=(const UniqueFd &) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Marks every descriptor >= `first` close-on-exec (close_range(2) with
// CLOSE_RANGE_CLOEXEC, falling back to walking /proc/self/fd). Safe to call
// in a forked child: no allocation, only system calls.
int32_t cloexec_from(int first, berth_error *err);

// Closes every descriptor >= `first` except `keep` (-1: none). For a child
// about to exec; no allocation.
void close_from(int first, int keep);

// Places stdin/stdout/stderr of a child: dup2()s the three descriptors onto
// 0, 1, 2 (clearing close-on-exec), coping with sources that already sit on
// 0..2. Safe after fork. Returns 0 or the errno.
int install_stdio(int in, int out, int errfd);

// A connected AF_UNIX SOCK_SEQPACKET pair, both ends close-on-exec. After a
// fork each side keeps its own end (in_parent / in_child). Because the
// child's end is close-on-exec, the parent reading EOF means the child
// exec'd (or died) without reporting an error.
class SyncPipe {
 public:
  static int32_t create(SyncPipe *out, berth_error *err);

  void in_parent();  // closes the child's end
  void in_child();   // closes the parent's end
  int fd() const;    // this side's end

  // A 32-bit value each way: the parent's "go" after it placed the child in
  // its cgroup, a child's "ready". Async-signal-safe. Returns 0 or errno;
  // EPIPE-like "peer closed" is reported as ECONNRESET.
  int send_value(int32_t value) const;
  int receive_value(int32_t *value) const;

  // The child's failure report: a whole berth_error in one datagram.
  int send_error(const berth_error &e) const;
  // Parent side: *got=false when the child's end closed without a report
  // (the exec succeeded, or the child died: check with waitpid).
  int32_t receive_error(berth_error *child_error, bool *got, berth_error *err) const;

  void close();

 private:
  UniqueFd parent_, child_;
  bool child_side_ = false;
};

}  // namespace berth::sdk
