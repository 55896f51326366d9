#include "leaks.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace berth::test {
namespace fs = std::filesystem;

ContainerIds::ContainerIds(const std::string &state_root) : dir_(state_root + "/containers") {
  // berth takes an existing containers directory as it is (mkdir, EEXIST).
  if (mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error("mkdir " + dir_ + ": " + std::strerror(errno));
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(std::string("inotify_init1: ") + std::strerror(errno));
  if (inotify_add_watch(fd_, dir_.c_str(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0)
    throw std::runtime_error("inotify_add_watch " + dir_ + ": " + std::strerror(errno));
}

ContainerIds::~ContainerIds() {
  if (fd_ >= 0) close(fd_);
}

std::vector<std::string> ContainerIds::all() {
  alignas(inotify_event) char buf[16384];
  for (;;) {
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: drained
    for (char *p = buf; p < buf + n;) {
      auto *e = reinterpret_cast<inotify_event *>(p);
      if (e->mask & IN_Q_OVERFLOW)
        throw std::runtime_error("inotify queue overflow on " + dir_ + ": container ids lost");
      if (e->len > 0 && e->name[0] != '.') ids_.insert(e->name);
      p += sizeof(inotify_event) + e->len;
    }
  }
  return {ids_.begin(), ids_.end()};
}

namespace {

// Every directory below /sys/fs/cgroup (depth <= 4: hierarchy,
// machine.slice or berth, the container's, one nested level) whose name
// holds one of `keys`.
void find_cgroups(const fs::path &dir, int depth, const std::vector<std::string> &keys,
                  std::vector<std::string> *found) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
    const std::string name = it->path().filename().string();
    bool hit = false;
    for (const auto &k : keys)
      if (name.find(k) != std::string::npos) hit = true;
    if (hit)
      found->push_back("cgroup " + it->path().string());
    else if (depth < 4)
      find_cgroups(it->path(), depth + 1, keys, found);
  }
}

}  // namespace

std::vector<std::string> host_leftovers(const std::vector<std::string> &ids,
                                        const std::vector<std::string> &mount_prefixes) {
  // libvirt names a domain by the id's first 58 characters; every other
  // name holds the whole id.
  std::vector<std::string> keys;
  for (const auto &id : ids) keys.push_back(id.substr(0, 58));
  std::vector<std::string> found;
  if (!keys.empty()) find_cgroups("/sys/fs/cgroup", 1, keys, &found);
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mount_point;
    fields >> id >> parent >> devno >> root >> mount_point;
    bool ours = false;
    for (const auto &k : keys)
      if (mount_point.find(k) != std::string::npos) ours = true;
    for (const auto &prefix : mount_prefixes)
      if (!prefix.empty() && mount_point.rfind(prefix, 0) == 0) ours = true;
    if (ours) found.push_back("mount " + line);
  }
  return found;
}

}  // namespace berth::test
