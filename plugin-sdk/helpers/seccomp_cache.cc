#include <berth/sdk/seccomp_cache.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/file.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace berth::sdk::seccomp_cache {

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

UniqueFd open_dir(const char *dir) {
  UniqueFd fd(::open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!fd || ::fstat(fd.get(), &st) != 0 || !trusted(st, S_IFDIR)) return UniqueFd();
  return fd;
}

void entry_name(const Key &key, char (&name)[48]) {
  std::snprintf(name, sizeof name, "%016llx-%016llx.bpf",
                static_cast<unsigned long long>(key.capabilities),
                static_cast<unsigned long long>(key.digest));
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

bool load(const char *dir, const Key &key, std::vector<sock_filter> *program) {
  UniqueFd dfd = open_dir(dir);
  if (!dfd) return false;
  char name[48];
  entry_name(key, name);
  UniqueFd fd(::openat(dfd.get(), name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
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
  berth_error ignored{};
  if (program.empty() || program.size() > BPF_MAXINSNS ||
      make_directories(dir, 0700, &ignored) != BERTH_OK || !open_dir(dir))
    return;
  char name[48];
  entry_name(key, name);
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.capabilities = key.capabilities;
  h.digest = key.digest;
  h.checksum = checksum(program.data(), program.size());
  h.count = static_cast<uint32_t>(program.size());
  std::string bytes(reinterpret_cast<const char *>(&h), sizeof h);
  bytes.append(reinterpret_cast<const char *>(program.data()),
               program.size() * sizeof(sock_filter));
  // Concurrent starts may race to store the same entry: both files are
  // identical, whichever lands last.
  replace_file(std::string(dir) + "/" + name, bytes, 0600, &ignored);
}

}  // namespace berth::sdk::seccomp_cache
