#include "seccomp_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <berth/sdk/fd.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace berth::native::seccomp_cache {

namespace {

constexpr char kMagic[8] = {'b', 'e', 'r', 't', 'h', 's', 'c', '2'};

struct Header {
  char magic[8];
  uint64_t capabilities;
  uint64_t digest;
  uint64_t checksum;  // Digest of the instructions
  uint32_t count;     // instructions after the header
  uint32_t reserved;
};

uint64_t checksum(const sock_filter *program, size_t count) {
  Digest d;
  d.add(program, count * sizeof(sock_filter));
  return d.value();
}

// Root's own, not writable by group or others: nobody else can plant a
// filter here.
bool trusted(const struct stat &st, mode_t type) {
  return (st.st_mode & S_IFMT) == type && st.st_uid == ::geteuid() &&
         (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

sdk::UniqueFd open_dir(const char *dir) {
  sdk::UniqueFd fd(::open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!fd || ::fstat(fd.get(), &st) != 0 || !trusted(st, S_IFDIR)) return sdk::UniqueFd();
  return fd;
}

void entry_name(const Key &key, char (&name)[48]) {
  std::snprintf(name, sizeof name, "%016llx-%016llx.bpf",
                static_cast<unsigned long long>(key.capabilities),
                static_cast<unsigned long long>(key.digest));
}

bool write_all(int fd, const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// mkdir -p of a root-only directory.
bool make_private_dirs(const char *dir) {
  char path[4096];
  size_t len = std::strlen(dir);
  if (len >= sizeof path) return false;
  std::memcpy(path, dir, len + 1);
  for (size_t i = 1; i <= len; ++i) {
    if (path[i] != '/' && path[i] != '\0') continue;
    char saved = path[i];
    path[i] = '\0';
    if (::mkdir(path, 0700) != 0 && errno != EEXIST) return false;
    path[i] = saved;
  }
  return true;
}

}  // namespace

void Digest::add(const void *data, size_t size) {
  const auto *p = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < size; ++i) {
    hash_ ^= p[i];
    hash_ *= 0x100000001b3ULL;
  }
}

void Digest::add(const char *text) {
  add(text, std::strlen(text) + 1);
}

const char *directory() {
  const char *dir = std::getenv("BERTH_NATIVE_SECCOMP_CACHE");
  if (dir == nullptr || *dir == '\0') return kCacheDir;
  return std::strcmp(dir, "off") == 0 ? nullptr : dir;
}

bool load(const char *dir, const Key &key, std::vector<sock_filter> *program) {
  sdk::UniqueFd dfd = open_dir(dir);
  if (!dfd) return false;
  char name[48];
  entry_name(key, name);
  sdk::UniqueFd fd(::openat(dfd.get(), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!fd || ::fstat(fd.get(), &st) != 0 || !trusted(st, S_IFREG)) return false;
  Header h;
  if (st.st_size < static_cast<off_t>(sizeof h) ||
      ::pread(fd.get(), &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h))
    return false;
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 || h.capabilities != key.capabilities ||
      h.digest != key.digest || h.count == 0 || h.count > BPF_MAXINSNS ||
      st.st_size != static_cast<off_t>(sizeof h + h.count * sizeof(sock_filter)))
    return false;
  std::vector<sock_filter> p(h.count);
  ssize_t want = static_cast<ssize_t>(h.count * sizeof(sock_filter));
  if (::pread(fd.get(), p.data(), static_cast<size_t>(want), sizeof h) != want) return false;
  if (checksum(p.data(), p.size()) != h.checksum) return false;
  *program = std::move(p);
  return true;
}

void store(const char *dir, const Key &key, const std::vector<sock_filter> &program) {
  if (program.empty() || program.size() > BPF_MAXINSNS || !make_private_dirs(dir)) return;
  sdk::UniqueFd dfd = open_dir(dir);
  if (!dfd) return;
  char name[48], tmp[80];
  entry_name(key, name);
  std::snprintf(tmp, sizeof tmp, "%s.%d.tmp", name, static_cast<int>(::getpid()));
  sdk::UniqueFd fd(
      ::openat(dfd.get(), tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return;
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.capabilities = key.capabilities;
  h.digest = key.digest;
  h.checksum = checksum(program.data(), program.size());
  h.count = static_cast<uint32_t>(program.size());
  bool ok = write_all(fd.get(), &h, sizeof h) &&
            write_all(fd.get(), program.data(), program.size() * sizeof(sock_filter));
  fd.reset();
  // Concurrent starts may race to store the same entry: whichever rename
  // comes last wins, and both files are identical.
  if (!ok || ::renameat(dfd.get(), tmp, dfd.get(), name) != 0) ::unlinkat(dfd.get(), tmp, 0);
}

}  // namespace berth::native::seccomp_cache
