#include "devices.h"

#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>

#include <cstring>
#include <vector>

namespace berth::native::devices {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

struct CharDevice {
  int32_t major, minor;  // minor -1: any
};
// Docker's default allow-list (rwm).
constexpr CharDevice kAllowed[] = {{1, 3}, {1, 5}, {1, 7}, {1, 8},    {1, 9},
                                   {5, 0}, {5, 1}, {5, 2}, {136, -1}, {10, 200}};

// r1 = struct bpf_cgroup_dev_ctx *: access_type (type | access << 16),
// major, minor. Each rule is a block that falls through to the next on a
// mismatch and ends in "return 1"; after the last, "return 0".
std::vector<bpf_insn> program() {
  enum { R0, R1, R2, R3, R4, R5, R6, R7 };
  std::vector<bpf_insn> p;
  auto ret = [&](int32_t v) {
    p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, v));
    p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  };
  p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, R2, R1, 0, 0));  // access_type
  p.push_back(insn(BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0));
  p.push_back(insn(BPF_ALU | BPF_AND | BPF_K, R3, 0, 0, 0xffff));  // type
  p.push_back(insn(BPF_ALU | BPF_MOV | BPF_X, R4, R2, 0, 0));
  p.push_back(insn(BPF_ALU | BPF_RSH | BPF_K, R4, 0, 0, 16));  // access
  p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, R5, R1, 4, 0));  // major
  p.push_back(insn(BPF_LDX | BPF_W | BPF_MEM, R6, R1, 8, 0));  // minor
  // mknod of any device: the access holds nothing but MKNOD.
  p.push_back(insn(BPF_ALU | BPF_MOV | BPF_X, R7, R4, 0, 0));
  p.push_back(insn(BPF_ALU | BPF_AND | BPF_K, R7, 0, 0, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE));
  p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, R7, 0, 2, 0));
  ret(1);
  for (const CharDevice &d : kAllowed) {
    int16_t skip = d.minor < 0 ? 3 : 4;  // to the next block
    p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, R3, 0, skip--, BPF_DEVCG_DEV_CHAR));
    p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, R5, 0, skip--, d.major));
    if (d.minor >= 0) p.push_back(insn(BPF_JMP | BPF_JNE | BPF_K, R6, 0, skip--, d.minor));
    ret(1);
  }
  ret(0);
  return p;
}

}  // namespace

int32_t restrict_v2(const std::string &dir, berth_error *err) {
  std::vector<bpf_insn> insns = program();
  static const char kLicense[] = "GPL";
  union bpf_attr load;
  std::memset(&load, 0, sizeof load);
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(insns.data());
  load.insn_cnt = static_cast<uint32_t>(insns.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  sdk::UniqueFd prog(static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load)));
  if (!prog) return sdk::fail_errno(err, errno, "bpf BPF_PROG_LOAD", "device allow-list");
  sdk::UniqueFd cgroup(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup) return sdk::fail_errno(err, errno, "open", dir);
  union bpf_attr attach;
  std::memset(&attach, 0, sizeof attach);
  attach.target_fd = static_cast<uint32_t>(cgroup.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (::syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) != 0)
    return sdk::fail_errno(err, errno, "bpf BPF_PROG_ATTACH device allow-list", dir);
  return BERTH_OK;
}

}  // namespace berth::native::devices
