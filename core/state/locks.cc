#include "state/locks.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace berth::state {

pid_t exclusive_flock_holder(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return 0;
  // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters show "->".
  const std::string wanted =
      fmt::format("{:02x}:{:02x}:{}", major(st.st_dev), minor(st.st_dev), st.st_ino);
  std::ifstream in("/proc/locks");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string index, kind, advisory, mode, file;
    long pid = 0;
    fields >> index >> kind;
    if (kind == "->" || kind != "FLOCK") continue;
    fields >> advisory >> mode >> pid >> file;
    if (mode == "WRITE" && file == wanted && pid > 0) return static_cast<pid_t>(pid);
  }
  return 0;
}

bool process_has_open(pid_t pid, int fd) {
  struct stat want {};
  if (pid <= 0 || fstat(fd, &want) != 0) return false;
  std::string dir = fmt::format("/proc/{}/fd", pid);
  DIR *d = opendir(dir.c_str());
  if (d == nullptr) return errno == EACCES;  // exists, not ours to look into
  bool found = false;
  while (dirent *e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    struct stat st {};
    if (fstatat(dirfd(d), e->d_name, &st, 0) == 0 && st.st_dev == want.st_dev &&
        st.st_ino == want.st_ino) {
      found = true;
      break;
    }
  }
  closedir(d);
  return found;
}

bool flock_within(int fd, int op, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (flock(fd, op | LOCK_NB) == 0) return true;
    if (errno != EWOULDBLOCK && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() >= deadline) {
      errno = EWOULDBLOCK;
      return false;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

std::string describe_holder(int fd) {
  pid_t pid = exclusive_flock_holder(fd);
  if (pid <= 0) return "held by a process /proc/locks does not name";
  std::ifstream comm(fmt::format("/proc/{}/comm", pid));
  std::string name;
  if (!std::getline(comm, name)) return fmt::format("held by pid {}, which is gone", pid);
  return fmt::format("held by pid {} ({})", pid, name);
}

}  // namespace berth::state
