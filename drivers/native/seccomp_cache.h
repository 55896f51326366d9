// A cache of compiled seccomp programs. The default profile compiles to the
// same BPF for every container with the same capability set: libseccomp
// takes about a millisecond of every start to build it (half of the
// parent's work between clone and "go"), reading it back a few
// microseconds.
//
// Entries live in kCacheDir, a directory only root may write, one file per
// key. The key is a digest of everything the program depends on (the
// profile's tables, the capability set, libseccomp's version); the file
// repeats it and carries a checksum of the program, so a stale, truncated or
// foreign file is a miss, never a wrong filter. Any problem with the cache
// (missing, unsafe owner or mode, full disk) only costs the compile.
#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace berth::native::seccomp_cache {

inline constexpr const char *kCacheDir = "/run/berth-native/seccomp";

// The cache directory: $BERTH_NATIVE_SECCOMP_CACHE when set (a private
// directory for tests; "off" compiles every time), else kCacheDir. nullptr
// when off.
const char *directory();

// FNV-1a, 64 bit: the key digest and the program checksum.
class Digest {
 public:
  void add(const void *data, size_t size);
  void add(const char *text);  // with its terminating NUL, so "ab","c" != "a","bc"
  void add(uint64_t value) { add(&value, sizeof value); }
  uint64_t value() const { return hash_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// True (and *program filled) when `dir` holds a sound entry for `key`.
bool load(const char *dir, uint64_t key, std::vector<sock_filter> *program);

// Stores `program` under `key`, atomically (a new file renamed into place).
// Best effort: a failure leaves no file behind and is not an error.
void store(const char *dir, uint64_t key, const std::vector<sock_filter> &program);

}  // namespace berth::native::seccomp_cache
