#include "runtime/process_setup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <berth/sdk/in_root.hpp>

#include <fmt/format.h>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <sstream>
#include <vector>

namespace berth::runtime {
namespace {

constexpr const char *kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::optional<uint32_t> parse_id(const std::string &text) {
  uint32_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// One line of passwd or group, split on ':'.
std::vector<std::string> split_fields(const std::string &line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ':')) fields.push_back(field);
  if (!line.empty() && line.back() == ':') fields.emplace_back();
  return fields;
}

struct PasswdEntry {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string home;
};

std::vector<PasswdEntry> read_passwd(const std::string &rootfs) {
  std::vector<PasswdEntry> out;
  std::string text;
  if (!read_file_in_root(rootfs, "/etc/passwd", &text)) return out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto f = split_fields(line);
    if (f.size() < 6) continue;
    auto uid = parse_id(f[2]);
    auto gid = parse_id(f[3]);
    if (!uid || !gid) continue;
    out.push_back(PasswdEntry{f[0], *uid, *gid, f[5]});
  }
  return out;
}

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
  std::vector<std::string> members;
};

std::vector<GroupEntry> read_group(const std::string &rootfs) {
  std::vector<GroupEntry> out;
  std::string text;
  if (!read_file_in_root(rootfs, "/etc/group", &text)) return out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto f = split_fields(line);
    if (f.size() < 3) continue;
    auto gid = parse_id(f[2]);
    if (!gid) continue;
    GroupEntry g{f[0], *gid, {}};
    if (f.size() > 3) {
      std::istringstream members(f[3]);
      std::string m;
      while (std::getline(members, m, ','))
        if (!m.empty()) g.members.push_back(m);
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

bool read_file_in_root(const std::string &rootfs, const std::string &path, std::string *out) {
  int root_fd = open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return false;
  Fd root(root_fd);
  // Opened inside the root (no symlink or magic link out), then only read
  // if it is a regular file: a FIFO or device in a hostile rootfs must not
  // hang or feed the lookup.
  Fd at(sdk::open_in_root(root.get(), path.c_str(), sdk::InRootCreate::none));
  struct stat st;
  if (at.get() < 0 || fstat(at.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  Fd file(open(sdk::FdPath(at.get()).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (file.get() < 0) return false;
  out->clear();
  char buf[4096];
  for (;;) {
    ssize_t n = read(file.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  return true;
}

ResolvedProcess resolve_process(const spec::Spec &spec) {
  ResolvedProcess p;
  p.cwd = spec.process.cwd.value_or("/");
  std::string home = "/root";

  if (spec.process.user) {
    p.user_set = true;
    const std::string &value = *spec.process.user;
    size_t colon = value.find(':');
    std::string user_part = value.substr(0, colon);
    std::optional<std::string> group_part;
    if (colon != std::string::npos) group_part = value.substr(colon + 1);

    auto passwd = read_passwd(spec.rootfs);
    const PasswdEntry *entry = nullptr;
    if (auto uid = parse_id(user_part)) {
      p.uid = *uid;
      p.gid = 0;  // docker: a uid not in /etc/passwd runs with gid 0
      for (const auto &e : passwd)
        if (e.uid == *uid) {
          entry = &e;
          break;
        }
    } else {
      for (const auto &e : passwd)
        if (e.name == user_part) {
          entry = &e;
          break;
        }
      if (entry == nullptr)
        throw ResolveError(fmt::format(
            "process.user: no user '{}' in {}/etc/passwd; give a numeric UID[:GID] or a user "
            "that exists in the rootfs",
            user_part, spec.rootfs));
      p.uid = entry->uid;
    }
    if (entry != nullptr) {
      p.gid = entry->gid;
      home = entry->home;
    } else {
      home.assign(1, '/');  // not `= "/"`: GCC 12's false -Wrestrict (bug 105329)
    }
    auto groups = read_group(spec.rootfs);
    if (group_part) {
      if (auto gid = parse_id(*group_part)) {
        p.gid = *gid;
      } else {
        bool found = false;
        for (const auto &g : groups)
          if (g.name == *group_part) {
            p.gid = g.gid;
            found = true;
          }
        if (!found)
          throw ResolveError(fmt::format(
              "process.user: no group '{}' in {}/etc/group; give a numeric GID or a group that "
              "exists in the rootfs",
              *group_part, spec.rootfs));
      }
    }
    // Supplementary groups: the ones /etc/group lists the user in (as
    // docker does); never the host's.
    if (entry != nullptr) {
      for (const auto &g : groups)
        for (const auto &m : g.members)
          if (m == entry->name && g.gid != p.gid) p.additional_gids.push_back(g.gid);
    }
  }

  // The environment: the spec's, plus the defaults docker adds when absent.
  p.env = spec.process.env;
  auto has = [&](const std::string &key) {
    for (const auto &kv : p.env)
      if (kv.compare(0, key.size() + 1, key + "=") == 0) return true;
    return false;
  };
  if (!has("PATH")) p.env.push_back(std::string("PATH=") + kDefaultPath);
  if (!has("HOSTNAME") && spec.hostname) p.env.push_back("HOSTNAME=" + *spec.hostname);
  if (!has("HOME")) p.env.push_back("HOME=" + home);
  if (!has("TERM") && spec.process.tty.value_or(false)) p.env.push_back("TERM=xterm");
  return p;
}

}  // namespace berth::runtime
