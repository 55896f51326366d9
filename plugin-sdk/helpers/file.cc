#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/file.hpp>

namespace berth::sdk {

int32_t read_file(const std::string &path, std::string *out, berth_error *err) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno(err, errno, "open", path);
  out->clear();
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno(err, errno, "read", path);
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  return BERTH_OK;
}

int32_t write_file(const std::string &path, const std::string &data, berth_error *err) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return fail_errno(err, errno, "open", path);
  ssize_t n;
  do {
    n = ::write(fd.get(), data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return fail_errno(err, errno, "write", path);
  if (static_cast<size_t>(n) != data.size())
    return fail(err, BERTH_E_SYSTEM, "write(%s): short write (%zd of %zu bytes)", path.c_str(), n,
                data.size());
  return BERTH_OK;
}

int32_t create_file(const std::string &path, const std::string &data, mode_t mode,
                    berth_error *err) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) return fail_errno(err, errno, "open", path);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno(err, errno, "write", path);
    }
    done += static_cast<size_t>(n);
  }
  return BERTH_OK;
}

int32_t replace_file(const std::string &path, const std::string &data, mode_t mode,
                     berth_error *err) {
  // A new, unique file (O_EXCL): never a leftover or a symlink planted at
  // a fixed name, and two writers never share one.
  std::string tmp = path + ".XXXXXX";
  UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
  if (!fd) return fail_errno(err, errno, "mkostemp", tmp);
  auto give_up = [&](const char *step) {
    int e = errno;
    ::unlink(tmp.c_str());
    return fail_errno(err, e, step, tmp);
  };
  if (::fchmod(fd.get(), mode) != 0) return give_up("fchmod");
  for (size_t done = 0; done < data.size();) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return give_up("write");
    done += static_cast<size_t>(n);
  }
  fd.reset();
  // An existing file: swap the two names and unlink the old content. A
  // rename over it would look the same to readers, but ext4 then starts
  // writing the new file out at once (auto_da_alloc) and the file's removal
  // a few milliseconds later waits for that write (~0.5 ms on this kind of
  // disk, on every container start).
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    ::unlink(tmp.c_str());
    return BERTH_OK;
  }
  // Nothing to swap with yet (ENOENT), or no RENAME_EXCHANGE here.
  if (::rename(tmp.c_str(), path.c_str()) != 0) return give_up("rename");
  return BERTH_OK;
}

int32_t make_directories(const std::string &path, mode_t mode, berth_error *err) {
  if (path.empty()) return fail(err, BERTH_E_INVALID, "make_directories: empty path");
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST)
      return fail_errno(err, errno, "mkdir", prefix);
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return fail_errno(err, errno, "stat", path);
  if (!S_ISDIR(st.st_mode))
    return fail(err, BERTH_E_SYSTEM, "mkdir(%s): exists and is not a directory", path.c_str());
  return BERTH_OK;
}

bool path_exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace berth::sdk
