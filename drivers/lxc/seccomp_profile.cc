#include "seccomp_profile.hpp"

#include <berth/sdk/seccomp_profile.hpp>

#include <linux/capability.h>

#include <cstdio>

namespace berth::lxc {
namespace {

// Docker allows personality(2) only for the SDK's personality_allowed():
// every combination of a few bits that are not adjacent (3 and 17:
// PER_LINUX32, UNAME26) and the query 0xffffffff. LXC's rules take one
// comparison each (libseccomp: one per argument and rule) and a call is
// refused when any rule matches, so the refusal is written as 32 masked
// comparisons on the low 32 bits (the kernel reads an unsigned int; the
// high bits do not matter here either):
//   - bit i set and bit i+1 (mod 32) clear, for every bit i but the
//     allowed ones: a value that is neither 0 nor all ones has a set bit
//     followed by a clear one, and unless that set bit is an allowed one
//     this rule matches;
//   - for each allowed bit b: bits b-1 and b set, bit b+1 clear: the run
//     of set bits ending at b began below it (otherwise the value has only
//     allowed bits: allowed).
// The allowed values have no bit outside the allowed ones set, and all
// ones has no clear bit: none of the rules matches them.
void personality_rules(std::string *out) {
  auto rule = [out](uint32_t mask, uint32_t value) {
    char line[96];
    std::snprintf(line, sizeof line, "personality errno 1 [0,0x%x,SCMP_CMP_MASKED_EQ,0x%x]\n",
                  value, mask);
    *out += line;
  };
  uint32_t bits = 0;  // the allowed bits
  for (uint32_t persona : sdk::seccomp::personality_allowed())
    if (persona != 0xffffffff) bits |= persona;
  for (unsigned bit = 0; bit < 32; ++bit) {
    if ((bits >> bit) & 1) continue;
    uint32_t set = 1u << bit, next = 1u << ((bit + 1) % 32);
    rule(set | next, set);
  }
  for (unsigned bit = 0; bit < 32; ++bit) {
    if (((bits >> bit) & 1) == 0) continue;
    uint32_t prev = 1u << ((bit + 31) % 32), set = 1u << bit, next = 1u << ((bit + 1) % 32);
    rule(prev | set | next, prev | set);
  }
}

}  // namespace

std::string seccomp_profile(uint64_t capabilities) {
  std::string out = "2\ndenylist\n[all]\n";
  for (const sdk::seccomp::DeniedGroup &g : sdk::seccomp::denied_groups()) {
    if (g.capability >= 0 && ((capabilities >> g.capability) & 1)) continue;
    for (const char *const *name = g.names; *name != nullptr; ++name)
      out += std::string(*name) + " errno 1\n";
  }
  if (((capabilities >> CAP_SYS_ADMIN) & 1) == 0) {
    for (unsigned long flag : sdk::seccomp::namespace_flags()) {
      char line[96];
      std::snprintf(line, sizeof line, "clone errno 1 [0,0x%lx,SCMP_CMP_MASKED_EQ,0x%lx]\n", flag,
                    flag);
      out += line;
    }
    out += "clone3 errno 38\n";  // ENOSYS
  }
  personality_rules(&out);
  return out;
}

}  // namespace berth::lxc
