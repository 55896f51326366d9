#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/seccomp_cache.hpp>
#include <berth/sdk/seccomp_profile.hpp>

#include <cstdio>
#include <cstring>

namespace berth::sdk::seccomp {

namespace {

// personality(2) (personality_allowed()): libseccomp takes one comparison
// per argument and rule, so this check is a hand-written prefix that falls
// through to libseccomp's program for every other system call.
std::vector<sock_filter> personality_prefix() {
  const uint32_t kArgLow = offsetof(seccomp_data, args);  // args[0], low half (little endian)
  std::vector<sock_filter> p;
  const std::span<const uint32_t> allowed = personality_allowed();
  const auto n = static_cast<uint8_t>(allowed.size());
  // Layout: [0] ld arch [1] jne x86_64 -> end [2] ld nr [3] jne personality
  // -> end [4] ld arg0 [5..5+n) jeq allowed -> allow [5+n] deny [6+n] allow
  const auto end = static_cast<uint8_t>(7 + n);
  p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  p.push_back(
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, static_cast<uint8_t>(end - 2)));
  p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  p.push_back(
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_personality, 0, static_cast<uint8_t>(end - 4)));
  p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArgLow));
  for (uint8_t i = 0; i < n; ++i)
    p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, allowed[i], static_cast<uint8_t>(n - i), 0));
  p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)));
  p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  return p;
}

struct Context {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  ~Context() {
    if (ctx != nullptr) seccomp_release(ctx);
  }
};

int32_t deny(scmp_filter_ctx ctx, const char *name, berth_error *err) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return BERTH_OK;  // unknown to this libseccomp: nothing to deny
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
  if (rc != 0) return fail_errno(err, -rc, "seccomp_rule_add", name);
  return BERTH_OK;
}

// The capabilities that change the program: those guarding system calls,
// and CAP_SYS_ADMIN (clone's namespace flags). The cache keys on exactly
// these, verbatim.
uint64_t relevant_capabilities(uint64_t capabilities) {
  uint64_t mask = uint64_t{1} << CAP_SYS_ADMIN;
  for (const DeniedGroup &g : denied_groups())
    if (g.capability >= 0) mask |= uint64_t{1} << g.capability;
  return capabilities & mask;
}

// Adds this driver's GNU build-id (the linker's hash of the whole object:
// the code in build() and personality_prefix() and the libseccomp linked
// in). False when there is none: then nothing proves a cached program
// came from this build, and the cache is not used.
bool add_build_id(seccomp_cache::Digest *d) {
  Dl_info self{};
  if (::dladdr(reinterpret_cast<void *>(&add_build_id), &self) == 0 || self.dli_fname == nullptr)
    return false;
  struct Search {
    const char *file;
    seccomp_cache::Digest *d;
    bool found;
  } search{self.dli_fname, d, false};
  ::dl_iterate_phdr(
      [](dl_phdr_info *info, size_t, void *arg) -> int {
        auto *s = static_cast<Search *>(arg);
        if (info->dlpi_name == nullptr || std::strcmp(info->dlpi_name, s->file) != 0) return 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr) &ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const char *p = reinterpret_cast<const char *>(info->dlpi_addr + ph.p_vaddr);
          const char *end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            const auto *n = reinterpret_cast<const ElfW(Nhdr) *>(p);
            const char *name = p + sizeof *n;
            const char *desc = name + ((n->n_namesz + 3) & ~3u);
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
                std::memcmp(name, "GNU", 4) == 0) {
              s->d->add(desc, n->n_descsz);
              s->found = true;
              return 1;
            }
            p = desc + ((n->n_descsz + 3) & ~3u);
          }
        }
        return 1;
      },
      &search);
  return search.found;
}

// Everything else the compiled program depends on: this build of the
// driver, the profile's tables and the libseccomp that compiles them.
bool profile_digest(uint64_t *out) {
  seccomp_cache::Digest d;
  if (!add_build_id(&d)) return false;
  d.add("berth native seccomp profile 1");
  const scmp_version *v = seccomp_version();
  d.add((uint64_t{v->major} << 32) | (uint64_t{v->minor} << 16) | v->micro);
  for (const DeniedGroup &g : denied_groups()) {
    d.add(static_cast<uint64_t>(g.capability));
    for (const char *const *name = g.names; *name != nullptr; ++name) d.add(*name);
  }
  for (unsigned long flag : namespace_flags()) d.add(flag);
  for (uint32_t persona : personality_allowed()) d.add(persona);
  *out = d.value();
  return true;
}

// libseccomp's part: the deny-list for `capabilities` as BPF.
int32_t build(uint64_t capabilities, std::vector<sock_filter> *out, berth_error *err) {
  Context c;
  if (c.ctx == nullptr) return fail(err, BERTH_E_INTERNAL, "seccomp_init failed");
#if defined(__x86_64__)
  // 32-bit binaries get the same profile; x32 stays killed (libseccomp's
  // bad-arch action), as it is unused.
  if (int rc = seccomp_arch_add(c.ctx, SCMP_ARCH_X86); rc != 0 && rc != -EEXIST)
    return fail_errno(err, -rc, "seccomp_arch_add", "x86");
#endif
  for (const DeniedGroup &g : denied_groups()) {
    if (g.capability >= 0 && ((capabilities >> g.capability) & 1)) continue;
    for (const char *const *name = g.names; *name != nullptr; ++name)
      if (int32_t rc = deny(c.ctx, *name, err)) return rc;
  }
  if (((capabilities >> CAP_SYS_ADMIN) & 1) == 0) {
    // New namespaces: clone with any CLONE_NEW* flag (one rule per flag:
    // libseccomp compares one argument once per rule); clone3 hides its
    // flags in memory, so it answers ENOSYS and libc falls back to clone.
    for (unsigned long flag : namespace_flags()) {
      int rc = seccomp_rule_add(c.ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
      if (rc != 0) return fail_errno(err, -rc, "seccomp_rule_add", "clone");
    }
    int rc = seccomp_rule_add(c.ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (rc != 0) return fail_errno(err, -rc, "seccomp_rule_add", "clone3");
  }

  // Export the BPF (libseccomp 2.5 writes to an fd) and keep it in the plan.
  UniqueFd mem(::memfd_create("berth-seccomp", MFD_CLOEXEC));
  if (!mem) return fail_errno(err, errno, "memfd_create", "seccomp program");
  if (int rc = seccomp_export_bpf(c.ctx, mem.get()); rc != 0)
    return fail_errno(err, -rc, "seccomp_export_bpf", "memfd");
  struct stat st;
  if (::fstat(mem.get(), &st) != 0) return fail_errno(err, errno, "fstat", "seccomp memfd");
  size_t count = static_cast<size_t>(st.st_size) / sizeof(sock_filter);
  std::vector<sock_filter> program = personality_prefix();
  size_t prefix = program.size();
  program.resize(prefix + count);
  ssize_t n = ::pread(mem.get(), program.data() + prefix, count * sizeof(sock_filter), 0);
  if (n != static_cast<ssize_t>(count * sizeof(sock_filter)))
    return fail_errno(err, n < 0 ? errno : EIO, "read", "seccomp program");
  if (program.size() > kMaxInstructions)
    return fail(err, BERTH_E_INTERNAL, "seccomp program too long (%zu instructions)",
                program.size());
  *out = std::move(program);
  return BERTH_OK;
}

}  // namespace

int32_t default_program(uint64_t capabilities, const char *cache_dir, std::vector<sock_filter> *out,
                        berth_error *err) {
  seccomp_cache::Key key{relevant_capabilities(capabilities), 0};
  if (cache_dir == nullptr || !profile_digest(&key.digest)) return build(capabilities, out, err);
  if (seccomp_cache::load(cache_dir, key, out)) return BERTH_OK;
  if (int32_t rc = build(capabilities, out, err)) return rc;
  seccomp_cache::store(cache_dir, key, *out);
  return BERTH_OK;
}

const char *library_version(char *buf, size_t size) {
  const scmp_version *v = seccomp_version();
  std::snprintf(buf, size, "%u.%u.%u", v->major, v->minor, v->micro);
  return buf;
}

}  // namespace berth::sdk::seccomp
