#include "oom_watch.hpp"

#include <berth/sdk/error.hpp>

#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace berth::lxc {
namespace {

// Value after "KEY " at a line start in a counters file; -1 when absent.
long long counter(const char *text, const char *key) {
  size_t len = std::strlen(key);
  for (const char *p = text; p != nullptr && *p != '\0';) {
    if (std::strncmp(p, key, len) == 0 && p[len] == ' ')
      return std::strtoll(p + len + 1, nullptr, 10);
    p = std::strchr(p, '\n');
    if (p != nullptr) ++p;
  }
  return -1;
}

}  // namespace

int32_t OomWatch::arm(const std::string &memory_dir, bool unified, OomWatch *out,
                      berth_error *err) {
  OomWatch w;
  w.unified_ = unified;
  std::string counters = memory_dir + (unified ? "/memory.events" : "/memory.oom_control");
  w.counters_.reset(::open(counters.c_str(), O_RDONLY | O_CLOEXEC));
  if (!w.counters_) return sdk::fail_errno(err, errno, "open", counters);
  if (!unified) {
    w.event_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!w.event_) return sdk::fail_errno(err, errno, "eventfd", "oom notification");
    std::string control = memory_dir + "/cgroup.event_control";
    sdk::UniqueFd control_fd(::open(control.c_str(), O_WRONLY | O_CLOEXEC));
    if (!control_fd) return sdk::fail_errno(err, errno, "open", control);
    std::string line = std::to_string(w.event_.get()) + " " + std::to_string(w.counters_.get());
    if (::write(control_fd.get(), line.data(), line.size()) < 0)
      return sdk::fail_errno(err, errno, "write", control);
  }
  w.live_ = true;
  *out = std::move(w);
  return BERTH_OK;
}

void OomWatch::check() {
  if (!live_) return;
  if (!unified_) {
    uint64_t count = 0;
    while (::read(event_.get(), &count, sizeof count) == sizeof count) signals_ += count;
  }
  char buf[1024];
  ssize_t n = ::pread(counters_.get(), buf, sizeof buf - 1, 0);
  if (n < 0) {
    // The cgroup is gone. v1 signals its eventfd once for the removal: a
    // second signal can only have been an OOM.
    if (!unified_ && signals_ >= 2) seen_ = true;
    live_ = false;
    return;
  }
  buf[n] = '\0';
  if (counter(buf, "oom_kill") > 0 || (!unified_ && counter(buf, "under_oom") > 0)) seen_ = true;
}

}  // namespace berth::lxc
