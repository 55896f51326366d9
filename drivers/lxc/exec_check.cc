#include "exec_check.hpp"

#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

namespace berth::lxc {
namespace {

enum class Found { missing, denied, ok };

// Opens `inside` (absolute in the container) below `root` with every
// symlink resolved as if `root` were "/".
Found probe_in_root(const std::string &root, const std::string &inside) {
  sdk::UniqueFd root_fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root_fd.get() < 0) return Found::missing;
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  sdk::UniqueFd fd(
      static_cast<int>(::syscall(SYS_openat2, root_fd.get(), inside.c_str(), &how, sizeof how)));
  if (fd.get() < 0) return errno == EACCES ? Found::denied : Found::missing;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return Found::denied;
  if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) return Found::denied;
  return Found::ok;
}

// The container sees bind mounts on top of the rootfs; the last one whose
// destination contains the path wins, as mount order does.
Found probe(const berth_spec &spec, const std::string &path) {
  for (uint32_t i = spec.mounts_count; i-- > 0;) {
    std::string dst = spec.mounts[i].destination;
    while (dst.size() > 1 && dst.back() == '/') dst.pop_back();
    if (path == dst) return probe_in_root(spec.mounts[i].source, "/");
    if (path.compare(0, dst.size() + 1, dst + "/") == 0)
      return probe_in_root(spec.mounts[i].source, path.substr(dst.size()));
  }
  return probe_in_root(spec.rootfs, path);
}

std::string env_path(const berth_spec &spec) {
  for (uint32_t i = 0; i < spec.env_count; ++i) {
    std::string kv = spec.env[i];
    if (kv.rfind("PATH=", 0) == 0) return kv.substr(5);
  }
  // LXC sets this PATH when the environment has none.
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

}  // namespace

int32_t check_executable(const berth_spec &spec, berth_error *err) {
  std::string program = spec.args[0];
  if (program.empty())
    return sdk::fail(err, BERTH_E_EXEC_NOT_FOUND, "process.args[0] is empty: name a program");
  std::vector<std::string> candidates;
  if (program.find('/') != std::string::npos) {
    std::string cwd = spec.cwd != nullptr ? spec.cwd : "/";
    candidates.push_back(program[0] == '/' ? program : cwd + "/" + program);
  } else {
    std::string path = env_path(spec);
    size_t pos = 0;
    while (true) {
      size_t colon = path.find(':', pos);
      std::string dir = path.substr(pos, colon == std::string::npos ? path.npos : colon - pos);
      if (!dir.empty() && dir[0] == '/') candidates.push_back(dir + "/" + program);
      if (colon == std::string::npos) break;
      pos = colon + 1;
    }
  }
  bool denied = false;
  for (const std::string &candidate : candidates) {
    Found found = probe(spec, candidate);
    if (found == Found::ok) return BERTH_OK;
    if (found == Found::denied) denied = true;
  }
  if (denied)
    return sdk::fail(err, BERTH_E_EXEC_DENIED,
                     "exec %s: permission denied (not a regular executable file in the container)",
                     program.c_str());
  return sdk::fail(err, BERTH_E_EXEC_NOT_FOUND,
                   "exec %s: no such file or directory in the container%s", program.c_str(),
                   program.find('/') == std::string::npos ? " (searched PATH)" : "");
}

int32_t check_exec_size(const berth_spec &spec, size_t overhead, size_t overhead_count,
                        berth_error *err) {
  const size_t max_string = 32 * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t total = overhead + (overhead_count + 1) * sizeof(char *);
  auto one = [&](const char *field, uint32_t i, const char *s) -> int32_t {
    size_t len = std::strlen(s) + 1;
    if (len > max_string)
      return sdk::fail(err, BERTH_E_INVALID,
                       "%s[%u]: %zu bytes; the kernel passes at most %zu bytes per argument or "
                       "variable (MAX_ARG_STRLEN): pass large data in a file or on stdin",
                       field, i, len - 1, max_string - 1);
    total += len + sizeof(char *);
    return BERTH_OK;
  };
  for (uint32_t i = 0; i < spec.args_count; ++i)
    if (int32_t rc = one("process.args", i, spec.args[i])) return rc;
  for (uint32_t i = 0; i < spec.env_count; ++i)
    if (int32_t rc = one("process.env", i, spec.env[i])) return rc;
  long limit = ::sysconf(_SC_ARG_MAX);
  if (limit > 0 && total > static_cast<size_t>(limit))
    return sdk::fail(err, BERTH_E_INVALID,
                     "process.args and process.env: %zu bytes with their pointers; the kernel "
                     "takes at most %ld here (a quarter of the stack limit, ulimit -s): shorten "
                     "them or pass the data in a file",
                     total, limit);
  return BERTH_OK;
}

}  // namespace berth::lxc
