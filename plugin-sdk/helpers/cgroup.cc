// The layout-independent half of Cgroup: ownership, (de)serialization,
// joining, listing and removal. Layout specifics live in cgroup_v1.cc and
// cgroup_v2.cc behind CgroupOps.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/file.hpp>

#include <algorithm>
#include <berth/sdk/text.hpp>
#include <chrono>
#include <thread>

#include "cgroup_internal.hpp"

namespace berth::sdk {

namespace {

constexpr auto kPoll = std::chrono::milliseconds(10);
constexpr int kEmptyWaitPolls = 1000;  // ~10 s for killed processes to leave

bool valid_relative_name(const std::string &name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
          c == '/'))
      return false;
  for (const std::string &part : split(name, '/'))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

const char *layout_name(CgroupLayout l) {
  switch (l) {
    case CgroupLayout::v1:
      return "v1";
    case CgroupLayout::v2:
      return "v2";
    case CgroupLayout::hybrid:
      return "hybrid";
    case CgroupLayout::none:
      break;
  }
  return "none";
}

}  // namespace

bool has_controller(const std::string &controllers, const std::string &controller) {
  for (const std::string &c : split(controllers, ','))
    if (c == controller) return true;
  return false;
}

const CgroupDir *dir_with(const Cgroup &cg, const std::string &controller) {
  for (const auto &d : cg.dirs())
    if (has_controller(d.controllers, controller)) return &d;
  return nullptr;
}

int64_t read_keyed_value(const std::string &file, const std::string &key) {
  std::string text;
  berth_error ignored{};
  if (read_file(file, &text, &ignored) != BERTH_OK) return -1;
  // "KEY VALUE" lines (memory.events, memory.oom_control, pids.events).
  std::vector<std::string> w = words(text);
  for (size_t i = 0; i + 1 < w.size(); i += 2) {
    int64_t v;
    if (!parse_int64(w[i + 1], &v)) return -1;
    if (w[i] == key) return v;
  }
  return -1;
}

int32_t read_procs(const std::string &dir, std::vector<int64_t> *out, berth_error *err) {
  out->clear();
  std::string text;
  std::string file = dir + "/cgroup.procs";
  if (read_file(file, &text, err) != BERTH_OK) {
    if (err != nullptr && err->sys_errno == ENOENT) return BERTH_OK;  // already removed
    return err != nullptr ? err->code : BERTH_E_SYSTEM;
  }
  for (const std::string &w : words(text)) {
    int64_t pid;
    if (!parse_int64(w, &pid)) break;
    out->push_back(pid);
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return BERTH_OK;
}

int32_t signal_procs(const std::string &dir, int sig, berth_error *err) {
  std::vector<int64_t> pids;
  if (int32_t rc = read_procs(dir, &pids, err)) return rc;
  for (int64_t pid : pids)
    if (::kill(static_cast<pid_t>(pid), sig) != 0 && errno != ESRCH)
      return fail_errno(err, errno, "kill", std::to_string(pid) + " in " + dir);
  return BERTH_OK;
}

int32_t make_cgroup_dir(const std::string &path, bool leaf, berth_error *err) {
  if (::mkdir(path.c_str(), 0755) == 0) return BERTH_OK;
  if (errno == EEXIST && !leaf) return BERTH_OK;
  if (errno == EEXIST)
    return fail(err, BERTH_E_SYSTEM,
                "mkdir(%s): cgroup already exists (another container or a leftover; remove it "
                "with rmdir)",
                path.c_str());
  return fail_errno(err, errno, "mkdir", path);
}

bool wait_for_keyed_value(const std::string &file, const std::string &key, int64_t value) {
  for (int i = 0; i < kEmptyWaitPolls; ++i) {
    if (read_keyed_value(file, key) == value) return true;
    std::this_thread::sleep_for(kPoll);
  }
  return false;
}

Cgroup::~Cgroup() {
  berth_error ignored{};
  destroy(&ignored);
}

Cgroup::Cgroup(Cgroup &&o) noexcept
    : ops_(o.ops_),
      layout_(o.layout_),
      dirs_(std::move(o.dirs_)),
      devices_enforced_(o.devices_enforced_) {
  o.release();
}

Cgroup &Cgroup::operator=(Cgroup &&o) noexcept {
  if (this != &o) {
    berth_error ignored{};
    destroy(&ignored);
    ops_ = o.ops_;
    layout_ = o.layout_;
    dirs_ = std::move(o.dirs_);
    devices_enforced_ = o.devices_enforced_;
    o.release();
  }
  return *this;
}

int32_t Cgroup::create(const std::string &relative_name, const CgroupLimits &limits, Cgroup *out,
                       berth_error *err) {
  CgroupMounts mounts;
  if (int32_t rc = detect_cgroup_mounts(&mounts, err)) return rc;
  return create(mounts, relative_name, limits, out, err);
}

int32_t Cgroup::create(const CgroupMounts &mounts, const std::string &relative_name,
                       const CgroupLimits &limits, Cgroup *out, berth_error *err) {
  if (!valid_relative_name(relative_name))
    return fail(err, BERTH_E_INVALID,
                "cgroup name '%s' is invalid: use relative components of [A-Za-z0-9_.-] "
                "separated by '/', e.g. berth/<id>",
                relative_name.c_str());
  if (limits.memory_bytes < 0 || limits.cpu_shares < 0 || limits.pids < 0)
    return fail(err, BERTH_E_INVALID,
                "cgroup limits must not be negative (memory %lld, cpu_shares %lld, pids %lld)",
                static_cast<long long>(limits.memory_bytes),
                static_cast<long long>(limits.cpu_shares), static_cast<long long>(limits.pids));
  if (limits.cpu_shares != 0 && (limits.cpu_shares < 2 || limits.cpu_shares > 262144))
    return fail(err, BERTH_E_INVALID, "cpu_shares %lld is out of range: use 2..262144",
                static_cast<long long>(limits.cpu_shares));
  const CgroupOps *ops = nullptr;
  switch (mounts.layout) {
    case CgroupLayout::v1:
    case CgroupLayout::hybrid:
      ops = &kCgroupV1Ops;
      break;
    case CgroupLayout::v2:
      ops = &kCgroupV2Ops;
      break;
    case CgroupLayout::none:
      return fail(err, BERTH_E_UNAVAILABLE,
                  "no cgroup filesystem is mounted (none in /proc/self/mountinfo): mount cgroup2 "
                  "at /sys/fs/cgroup");
  }
  for (const auto &h : mounts.hierarchies)
    if (h.mountpoint.find(';') != std::string::npos)
      return fail(err, BERTH_E_UNAVAILABLE, "cgroup mountpoint '%s' contains ';'",
                  h.mountpoint.c_str());
  Cgroup cg;  // destroyed on any failure below
  CgroupAccess::set(cg, ops, mounts.layout, false);
  if (int32_t rc = ops->create(mounts, relative_name, limits, &cg, err)) return rc;
  *out = std::move(cg);
  return BERTH_OK;
}

// Format: "layout=v1;devices=1;dir=memory:/sys/fs/cgroup/memory/berth/x;dir=:/sys/..."
std::string Cgroup::serialize() const {
  std::string s =
      std::string("layout=") + layout_name(layout_) + ";devices=" + (devices_enforced_ ? "1" : "0");
  for (const auto &d : dirs_) s += ";dir=" + d.controllers + ":" + d.path;
  return s;
}

int32_t Cgroup::load(const std::string &serialized, Cgroup *out, berth_error *err) {
  Cgroup cg;
  CgroupLayout layout = CgroupLayout::none;
  bool devices = false;
  std::vector<CgroupDir> dirs;
  for (const std::string &item : split(serialized, ';')) {
    if (item == "layout=v1") {
      layout = CgroupLayout::v1;
    } else if (item == "layout=v2") {
      layout = CgroupLayout::v2;
    } else if (item == "layout=hybrid") {
      layout = CgroupLayout::hybrid;
    } else if (item.rfind("devices=", 0) == 0) {
      devices = item == "devices=1";
    } else if (item.rfind("dir=", 0) == 0 && item.find(':') != std::string::npos) {
      size_t colon = item.find(':');
      CgroupDir d{item.substr(4, colon - 4), item.substr(colon + 1)};
      if (d.path.empty() || d.path.front() != '/')
        return fail(err, BERTH_E_INTERNAL, "serialized cgroup: bad directory '%s'", item.c_str());
      dirs.push_back(d);
    } else {
      return fail(err, BERTH_E_INTERNAL, "serialized cgroup: unknown item '%s' in '%s'",
                  item.c_str(), serialized.c_str());
    }
  }
  if (layout == CgroupLayout::none || dirs.empty())
    return fail(err, BERTH_E_INTERNAL, "serialized cgroup '%s' names no layout or directory",
                serialized.c_str());
  CgroupAccess::set(cg, layout == CgroupLayout::v2 ? &kCgroupV2Ops : &kCgroupV1Ops, layout,
                    devices);
  CgroupAccess::dirs(cg) = std::move(dirs);
  *out = std::move(cg);
  return BERTH_OK;
}

int32_t Cgroup::add_process(pid_t pid, berth_error *err) {
  if (!valid()) return fail(err, BERTH_E_INTERNAL, "add_process: no cgroup");
  for (const auto &d : dirs_)
    if (int32_t rc = write_file(d.path + "/cgroup.procs", std::to_string(pid), err)) return rc;
  return BERTH_OK;
}

int32_t Cgroup::pids(std::vector<int64_t> *out, berth_error *err) const {
  out->clear();
  if (!valid() || dirs_.empty()) return BERTH_OK;
  // v1: every hierarchy holds every process; the first one is as good as any.
  return read_procs(dirs_.front().path, out, err);
}

bool Cgroup::oom_killed() const {
  return valid() && ops_->oom_killed(*this);
}

int32_t Cgroup::kill_all(int sig, berth_error *err) {
  if (!valid()) return BERTH_OK;
  int32_t rc = ops_->kill_all(*this, sig, err);
  // A concurrent destroy (another berth process) removed the cgroup under
  // us: nothing is left to signal.
  if (rc == BERTH_E_SYSTEM && err != nullptr && err->sys_errno == ENOENT) {
    *err = berth_error{};
    return BERTH_OK;
  }
  return rc;
}

int32_t Cgroup::destroy(berth_error *err) {
  if (!valid()) return BERTH_OK;
  int32_t rc = BERTH_OK;
  std::vector<int64_t> left;
  for (int i = 0; i < kEmptyWaitPolls; ++i) {
    if ((rc = pids(&left, err)) != BERTH_OK) return rc;
    if (left.empty()) break;
    if (i % 50 == 0 && (rc = kill_all(SIGKILL, err)) != BERTH_OK) return rc;
    std::this_thread::sleep_for(kPoll);
  }
  if (!left.empty())
    return fail(err, BERTH_E_SYSTEM, "cgroup %s: %zu processes (first %lld) survive SIGKILL",
                dirs_.front().path.c_str(), left.size(), static_cast<long long>(left.front()));
  // Remove in reverse creation order; a process that is still exiting keeps
  // the directory busy for a moment.
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    for (int i = 0;; ++i) {
      if (::rmdir(it->path.c_str()) == 0 || errno == ENOENT) break;
      if (errno == EBUSY && i < kEmptyWaitPolls) {
        std::this_thread::sleep_for(kPoll);
        continue;
      }
      return fail_errno(err, errno, "rmdir", it->path);
    }
  }
  release();
  return BERTH_OK;
}

void Cgroup::release() {
  ops_ = nullptr;
  layout_ = CgroupLayout::none;
  dirs_.clear();
  devices_enforced_ = false;
}

}  // namespace berth::sdk
