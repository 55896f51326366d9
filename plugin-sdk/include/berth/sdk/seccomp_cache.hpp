// A cache of compiled seccomp programs. The default profile compiles to the
// same BPF for every container with the same capability set: libseccomp
// takes about a millisecond of every start to build it, reading it back a
// few microseconds.
//
// Entries live in a directory the driver names (only root may write it),
// one file per key: the capability set that selects from the profile, verbatim, and a
// digest of the rest (this driver's build-id, the profile's tables,
// libseccomp's version). The file repeats the key and carries a checksum of
// the program, so a stale or truncated file is a miss. The checksum is no
// signature: whoever can write the directory (root, or a container given
// it by a bind mount) chooses the filters of later containers, so it must
// never be exposed to one. Any problem with the cache (missing, unsafe owner
// or mode, full disk) only costs the compile.
#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace berth::sdk::seccomp_cache {

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

// An entry's identity: the capabilities that select from the profile
// (verbatim, never hashed) and a digest of everything else the program
// depends on (the driver's build, the profile, libseccomp's version).
struct Key {
  uint64_t capabilities;
  uint64_t digest;
};

// True (and *program filled) when `dir` holds a sound entry for `key`.
bool load(const char *dir, const Key &key, std::vector<sock_filter> *program);

// Stores `program` under `key`, atomically (a new file renamed into place).
// Best effort: a failure leaves no file behind and is not an error.
void store(const char *dir, const Key &key, const std::vector<sock_filter> &program);

}  // namespace berth::sdk::seccomp_cache
