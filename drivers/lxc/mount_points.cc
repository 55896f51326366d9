#include "mount_points.hpp"

#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/in_root.hpp>

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace berth::lxc {
namespace {

// `path` without trailing slashes ("/" stays).
std::string trimmed(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// Where `path` (absolute in the container) lives on the host side before
// the container runs: the last of the first `count` mounts whose
// destination contains it (its source, and the rest of the path), else the
// rootfs.
struct Home {
  std::string root;    // a host directory standing for `prefix`
  std::string prefix;  // "" for the rootfs, else the covering destination
  std::string rest;    // absolute below root
  int index = -1;      // the covering mount's index, -1 for the rootfs
};

Home home_of(const berth_spec &spec, uint32_t count, const std::string &path) {
  for (uint32_t i = count; i-- > 0;) {
    std::string dst = trimmed(spec.mounts[i].destination ? spec.mounts[i].destination : "");
    if (dst.empty() || dst == "/") continue;
    if (path == dst) return {spec.mounts[i].source, dst, "/", static_cast<int>(i)};
    if (path.compare(0, dst.size() + 1, dst + "/") == 0)
      return {spec.mounts[i].source, dst, path.substr(dst.size()), static_cast<int>(i)};
  }
  return {spec.rootfs, "", path};
}

// The host path an O_PATH fd stands for.
int32_t fd_target(int fd, std::string *out, berth_error *err) {
  sdk::FdPath self(fd);
  char buf[PATH_MAX];
  ssize_t n = ::readlink(self.c_str(), buf, sizeof buf - 1);
  if (n < 0) return sdk::fail_errno(err, errno, "readlink", self.c_str());
  buf[n] = '\0';
  *out = buf;
  return BERTH_OK;
}

}  // namespace

int32_t prepare_mount_points(const berth_spec &spec, std::vector<std::string> *destinations,
                             berth_error *err) {
  destinations->clear();
  const size_t first = destinations->size();
  for (uint32_t i = 0; i < spec.mounts_count; ++i) {
    const berth_mount &m = spec.mounts[i];
    std::string field = "mounts[" + std::to_string(i) + "]";
    std::string src = m.source == nullptr ? "" : m.source;
    std::string dst = trimmed(m.destination == nullptr ? "" : m.destination);
    if (src.empty() || src[0] != '/' || dst.empty() || dst[0] != '/')
      return sdk::fail(err, BERTH_E_INVALID,
                       "%s: source \"%s\" and destination \"%s\" must be absolute paths",
                       field.c_str(), src.c_str(), dst.c_str());
    if (dst == "/")
      return sdk::fail(err, BERTH_E_INVALID,
                       "%s.destination \"/\": cannot bind over the root; use rootfs instead",
                       field.c_str());
    struct stat st {};
    if (::stat(src.c_str(), &st) != 0) {
      sdk::fail_errno(err, errno, "stat", src);
      return sdk::wrap(err, field + ".source");
    }
    Home home = home_of(spec, i, dst);
    sdk::UniqueFd fd;
    if (sdk::open_in_root(
            home.root, home.rest,
            S_ISDIR(st.st_mode) ? sdk::InRootCreate::directory : sdk::InRootCreate::file, &fd,
            err) != BERTH_OK)
      return sdk::wrap(err, field + ".destination " + dst);
    // The resolved mount point, as a path below the rootfs for LXC.
    std::string target, root_real;
    if (fd_target(fd.get(), &target, err) != BERTH_OK) return sdk::wrap(err, field);
    char real[PATH_MAX];
    if (::realpath(home.root.c_str(), real) == nullptr) {
      sdk::fail_errno(err, errno, "realpath", home.root);
      return sdk::wrap(err, field);
    }
    root_real = real;
    std::string below;
    if (target == root_real)
      below = "";
    else if (root_real == "/" || target.compare(0, root_real.size() + 1, root_real + "/") == 0)
      below = target.substr(root_real == "/" ? 1 : root_real.size() + 1);
    else
      return sdk::fail(err, BERTH_E_INVALID, "%s.destination %s resolved to %s, outside %s",
                       field.c_str(), dst.c_str(), target.c_str(), root_real.c_str());
    // Below a covering mount, its destination as resolved (not as written:
    // the written one may pass through a symlink in the rootfs).
    std::string prefix = home.index < 0 ? "" : (*destinations)[first + home.index];
    std::string resolved = prefix.empty() ? below : below.empty() ? prefix : prefix + "/" + below;
    if (resolved.empty())
      return sdk::fail(err, BERTH_E_INVALID,
                       "%s.destination %s resolves to the root; use rootfs instead", field.c_str(),
                       dst.c_str());
    destinations->push_back(resolved);
  }
  return BERTH_OK;
}

int32_t prepare_cwd(const berth_spec &spec, berth_error *err) {
  std::string cwd = spec.cwd == nullptr || spec.cwd[0] == '\0' ? "/" : spec.cwd;
  if (cwd[0] != '/')
    return sdk::fail(err, BERTH_E_INVALID, "process.cwd \"%s\": give an absolute path",
                     cwd.c_str());
  if (cwd == "/") return BERTH_OK;
  for (const char *mounted : {"/proc", "/sys", "/dev"}) {
    std::string m = mounted;
    if (cwd == m || cwd.compare(0, m.size() + 1, m + "/") == 0) return BERTH_OK;
  }
  Home home = home_of(spec, spec.mounts_count, trimmed(cwd));
  sdk::UniqueFd fd;
  if (sdk::open_in_root(home.root, home.rest, sdk::InRootCreate::directory, &fd, err) != BERTH_OK)
    return sdk::wrap(err, "process.cwd " + cwd);
  return BERTH_OK;
}

}  // namespace berth::lxc
