// resources: {memory, cpu_shares, pids}.
#include "spec/sections.h"
#include "spec/units.h"

namespace berth::spec {

namespace {

std::optional<int64_t> memory(Walker &w, const Field &f) {
  auto text = w.string(f, "a size such as 64Mi");
  if (!text) return std::nullopt;
  const char *how = "use a number with an optional unit: 64Mi, 512M, 1G";
  if (!text->empty() && (*text)[0] == '-') {
    w.error(f, "'" + *text + "' is negative; " + how);
    return std::nullopt;
  }
  const SizeResult r = parse_size_detailed(*text);
  if (r.status == SizeResult::Status::Overflow) {
    w.error(f, "'" + *text + "' is too large (more than 2^63-1 bytes); " + how);
    return std::nullopt;
  }
  if (r.status != SizeResult::Status::Ok) {
    w.error(f, "'" + *text + "' is not a size; " + how);
    return std::nullopt;
  }
  if (r.bytes == 0) {
    w.error(f, "'" + *text + "' is zero; give a limit above 0, or leave memory out for none");
    return std::nullopt;
  }
  return r.bytes;
}

std::optional<int64_t> bounded(Walker &w, const Field &f, int64_t low, int64_t high,
                               const std::string &what) {
  auto n = w.integer(f);
  if (!n) return std::nullopt;
  if (*n < low || *n > high) {
    w.error(f, std::to_string(*n) + " is out of range; " + what);
    return std::nullopt;
  }
  return n;
}

}  // namespace

void walk_resources(Walker &w, const Field &f, Resources &out) {
  if (f.value.IsNull()) return;
  if (!w.is_map(f)) return;
  for (const Field &entry : w.entries(f, {"memory", "cpu_shares", "pids"})) {
    const std::string key = entry.anchor.Scalar();
    if (key == "memory") {
      out.memory_bytes = memory(w, entry);
    } else if (key == "cpu_shares") {
      // The kernel's cpu.shares bounds (1024 is the default weight).
      out.cpu_shares = bounded(w, entry, 2, 262144, "use 2 to 262144 (1024 is the default)");
    } else if (key == "pids") {
      out.pids = bounded(w, entry, 1, INT64_MAX, "use a positive number of processes");
    }
  }
}

}  // namespace berth::spec
