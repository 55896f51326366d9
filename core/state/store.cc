#include "state/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <csignal>
#include <ctime>

#include <fmt/format.h>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/file.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>

namespace berth::state {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string random_id() {
  unsigned char bytes[32];
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  ssize_t got = fd >= 0 ? read(fd, bytes, sizeof(bytes)) : -1;
  if (fd >= 0) close(fd);
  if (got != static_cast<ssize_t>(sizeof(bytes))) {
    std::random_device rd;
    for (auto &b : bytes) b = static_cast<unsigned char>(rd());
  }
  std::string id;
  for (unsigned char b : bytes) id += fmt::format("{:02x}", b);
  return id;
}

bool valid_name(const std::string &name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return std::isalnum(static_cast<unsigned char>(name[0]));
}

json to_json(const Record &r) {
  json j{{"id", r.id},
         {"name", r.name},
         {"driver", r.driver},
         {"status", r.status},
         {"pid", r.pid},
         {"monitor_pid", r.monitor_pid},
         {"created_at", r.created_at},
         {"started_at", r.started_at},
         {"finished_at", r.finished_at},
         {"oom_killed", r.oom_killed},
         {"detached", r.detached},
         {"remove_on_exit", r.remove_on_exit},
         {"rootfs", r.rootfs},
         {"args", r.args},
         {"spec", r.spec_yaml}};
  j["exit_code"] = r.exit_code ? json(*r.exit_code) : json(nullptr);
  j["signal"] = r.signal ? json(*r.signal) : json(nullptr);
  return j;
}

Record from_json(const json &j) {
  Record r;
  r.id = j.value("id", "");
  r.name = j.value("name", "");
  r.driver = j.value("driver", "");
  r.status = j.value("status", "created");
  r.pid = j.value("pid", int64_t{0});
  r.monitor_pid = j.value("monitor_pid", int64_t{0});
  r.created_at = j.value("created_at", "");
  r.started_at = j.value("started_at", "");
  r.finished_at = j.value("finished_at", "");
  if (j.contains("exit_code") && !j["exit_code"].is_null()) r.exit_code = j["exit_code"].get<int>();
  if (j.contains("signal") && !j["signal"].is_null()) r.signal = j["signal"].get<int>();
  r.oom_killed = j.value("oom_killed", false);
  r.detached = j.value("detached", false);
  r.remove_on_exit = j.value("remove_on_exit", false);
  r.rootfs = j.value("rootfs", "");
  r.args = j.value("args", std::vector<std::string>{});
  r.spec_yaml = j.value("spec", "");
  return r;
}

// Holds an exclusive flock on <containers>/.lock: a named creation checks
// the name and takes it without racing another berth.
class StoreLock {
 public:
  explicit StoreLock(const std::string &path) {
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw StoreError(fmt::format("open({}): {}", path, std::strerror(errno)));
    while (flock(fd_, LOCK_EX) < 0) {
      if (errno != EINTR)
        throw StoreError(fmt::format("flock({}): {}", path, std::strerror(errno)));
    }
  }
  ~StoreLock() { close(fd_); }
  StoreLock(const StoreLock &) = delete;
  StoreLock &operator=(const StoreLock &) = delete;

 private:
  int fd_ = -1;
};

// The root (private to root when we make it) and its containers directory.
// Plain mkdir first: the root exists on every run but the first, and
// std::filesystem's walk costs a stat per component.
void make_root_dirs(const std::string &root, const std::string &containers) {
  if (mkdir(containers.c_str(), 0700) == 0 || errno == EEXIST) return;
  if (errno != ENOENT)
    throw StoreError(fmt::format("mkdir({}): {}; choose another --root or run as root", containers,
                                 std::strerror(errno)));
  std::error_code ec;
  bool made = fs::create_directories(root, ec);
  if (ec)
    throw StoreError(
        fmt::format("mkdir({}): {}; choose another --root or run as root", root, ec.message()));
  if (made) fs::permissions(root, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (mkdir(containers.c_str(), 0700) != 0 && errno != EEXIST)
    throw StoreError(fmt::format("mkdir({}): {}", containers, std::strerror(errno)));
}

// rm -r of what `path` holds, with one unlinkat per entry
// (std::filesystem::remove_all stats and allocates per entry, a measurable
// part of every `run --rm`), but for the entries `keep` (given the
// directory's fd) says to leave. A missing directory is already empty.
using KeepEntry = std::function<bool(int dirfd, const dirent &entry)>;
void remove_contents(const std::string &path, const KeepEntry &keep = {}) {
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;
    throw StoreError(fmt::format("remove({}): open: {}", path, std::strerror(errno)));
  }
  DIR *dir = fdopendir(fd);
  if (dir == nullptr) {
    int e = errno;
    close(fd);
    throw StoreError(fmt::format("remove({}): fdopendir: {}", path, std::strerror(e)));
  }
  std::string failure;
  while (dirent *entry = readdir(dir)) {
    const char *name = entry->d_name;
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
    if (keep && keep(fd, *entry)) continue;
    if (entry->d_type != DT_DIR && unlinkat(fd, name, 0) == 0) continue;
    if (entry->d_type == DT_DIR || errno == EISDIR) {
      try {
        std::string sub = path + "/" + name;
        remove_contents(sub);
        if (rmdir(sub.c_str()) != 0 && errno != ENOENT)
          failure = fmt::format("remove({}): {}", sub, std::strerror(errno));
      } catch (const StoreError &e) {
        failure = e.what();
      }
    } else if (errno != ENOENT) {
      failure = fmt::format("remove({}/{}): {}", path, name, std::strerror(errno));
    }
  }
  closedir(dir);
  if (!failure.empty()) throw StoreError(failure);
}

void remove_tree(const std::string &path) {
  remove_contents(path);
  if (rmdir(path.c_str()) != 0 && errno != ENOENT)
    throw StoreError(fmt::format("remove({}): {}", path, std::strerror(errno)));
}

// Emptied container directories (each with its empty driver directory)
// kept for the next containers, in <root>/spare/0..N-1. Why: /run here is
// ext4 without a journal, where allocating an inode scans past every inode
// freed in the last 30 seconds (ext4's recently_deleted()), and a
// directory also costs a block to allocate and free: two mkdirs and two
// rmdirs per container measured 7-8% of a `run --rm` under a stream of
// runs. Renames are neither.
//
// A recycled directory is the next container's monitor lock (the monitor
// flocks its container's directory): the monitor lets go of it before its
// record is removed, and `berth wait` checks that the directory it waits
// on is still that container's (cli: wait_for_monitor).
constexpr int kSpareDirs = 4;

std::string spare_dir(const std::string &root, int k) {
  return root + "/spare/" + std::to_string(k);
}

// Empties the file `name` below `dirfd`; false when it cannot.
bool ftruncate_at(int dirfd, const char *name) {
  int f = openat(dirfd, name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
  if (f < 0) return false;
  close(f);
  return true;
}

// A spare skeleton renamed to `path`; false when none is left.
bool claim_spare(const std::string &root, const std::string &path) {
  for (int k = 0; k < kSpareDirs; ++k)
    if (renameat2(AT_FDCWD, spare_dir(root, k).c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) ==
        0)
      return true;
  return false;
}

// Empties the directory `path` (out of every other berth's sight by now)
// down to its empty `driver` directory and an emptied state.json; false
// when it lacks either (then it is not a skeleton to reuse).
bool empty_to_skeleton(const std::string &path) {
  remove_contents(path + "/driver");
  bool has_driver = false, has_record = false;
  remove_contents(path, [&](int dirfd, const dirent &entry) {
    if (entry.d_type == DT_DIR && std::strcmp(entry.d_name, "driver") == 0)
      return has_driver = true;
    if (entry.d_type == DT_REG && std::strcmp(entry.d_name, "state.json") == 0 &&
        ftruncate_at(dirfd, entry.d_name))
      return has_record = true;
    return false;
  });
  return has_driver && has_record;
}

// Takes `path` away from every other berth: renamed to a name of our own
// in the spare area, where no create() looks. False when it is gone
// already (another berth removed it first).
bool take_away(const std::string &root, const std::string &path, std::string *taken) {
  for (int attempt = 0;; ++attempt) {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    *taken = fmt::format("{}/spare/.removing-{}-{}-{}", root, getpid(), now.tv_nsec, attempt);
    if (renameat2(AT_FDCWD, path.c_str(), AT_FDCWD, taken->c_str(), RENAME_NOREPLACE) == 0)
      return true;
    if (errno == ENOENT && access(path.c_str(), F_OK) != 0) return false;
    if (errno == ENOENT && attempt == 0) {  // no spare area yet
      if (mkdir((root + "/spare").c_str(), 0700) != 0 && errno != EEXIST)
        throw StoreError(fmt::format("mkdir({}/spare): {}", root, std::strerror(errno)));
      continue;
    }
    if (attempt < 2 && errno == EEXIST) continue;
    throw StoreError(fmt::format("rename({}, {}): {}", path, *taken, std::strerror(errno)));
  }
}

// A taken-away container directory, emptied, into a free spare slot;
// deleted when there is none or it is not a skeleton.
void recycle(const std::string &root, const std::string &taken) {
  if (empty_to_skeleton(taken))
    for (int k = 0; k < kSpareDirs; ++k)
      if (renameat2(AT_FDCWD, taken.c_str(), AT_FDCWD, spare_dir(root, k).c_str(),
                    RENAME_NOREPLACE) == 0)
        return;
  remove_tree(taken);
}

}  // namespace

Store::Store(std::string root) : root_(std::move(root)) {}

std::string Store::containers_dir() const {
  return root_ + "/containers";
}
std::string Store::container_dir(const std::string &id) const {
  return containers_dir() + "/" + id;
}
std::string Store::driver_state_dir(const std::string &id) const {
  return container_dir(id) + "/driver";
}
std::string Store::stdout_log(const std::string &id) const {
  return container_dir(id) + "/stdout.log";
}
std::string Store::stderr_log(const std::string &id) const {
  return container_dir(id) + "/stderr.log";
}
std::string Store::monitor_lock(const std::string &id) const {
  // The container's directory itself: flock works on directories, and a
  // lock file would be one more inode to create and remove on every run.
  return container_dir(id);
}

std::string Store::now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, ms);
}

void Store::create(Record &record) {
  make_root_dirs(root_, containers_dir());
  // Names are checked and taken under the store's lock; an unnamed
  // container's id is taken by its mkdir alone (EEXIST: draw again).
  std::optional<StoreLock> lock;
  if (!record.name.empty()) {
    lock.emplace(containers_dir() + "/.lock");
    if (!valid_name(record.name))
      throw StoreError(fmt::format(
          "--name: '{}' is not a valid name; use letters, digits, '-', '_' or '.', starting "
          "with a letter or digit",
          record.name));
    for (const auto &other : list())
      if (other.name == record.name)
        throw StoreError(fmt::format(
            "--name: the name '{}' is already used by container {}; remove it (berth rm {}) or "
            "choose another name",
            record.name, other.id.substr(0, 12), record.name));
  }
  bool recycled = false;
  for (;;) {
    record.id = random_id();
    if ((recycled = claim_spare(root_, container_dir(record.id)))) break;
    if (mkdir(container_dir(record.id).c_str(), 0700) == 0) break;
    if (errno != EEXIST)
      throw StoreError(
          fmt::format("mkdir({}): {}", container_dir(record.id), std::strerror(errno)));
  }
  if (record.name.empty()) record.name = record.id.substr(0, 12);
  if (!recycled && mkdir(driver_state_dir(record.id).c_str(), 0700) != 0) {
    int e = errno;
    rmdir(container_dir(record.id).c_str());
    throw StoreError(fmt::format("mkdir({}): {}", driver_state_dir(record.id), std::strerror(e)));
  }
  record.created_at = now_rfc3339();
  if (recycled) {
    // The spare's emptied state.json, written in place: nobody has read
    // this record yet (a listing that catches it half-written skips it).
    std::string path = container_dir(record.id) + "/state.json";
    std::string text = to_json(record).dump(2) + "\n";
    int f = open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f >= 0) {
      bool ok = write(f, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      close(f);
      if (ok) return;
    }
  }
  save(record);
}

void Store::save(const Record &record) const {
  std::string path = container_dir(record.id) + "/state.json";
  berth_error err{};
  if (sdk::replace_file(path, to_json(record).dump(2) + "\n", 0600, &err) != BERTH_OK)
    throw StoreError(err.message);
}

Record Store::load(const std::string &id) const {
  std::string path = container_dir(id) + "/state.json";
  std::ifstream in(path);
  if (!in) throw StoreError(fmt::format("no such container: {}", id));
  try {
    return from_json(json::parse(in));
  } catch (const json::exception &e) {
    throw StoreError(fmt::format("{}: corrupt state file: {}", path, e.what()));
  }
}

std::vector<Record> Store::list() const {
  std::vector<Record> out;
  std::error_code ec;
  if (!fs::is_directory(containers_dir(), ec)) return out;
  for (const auto &entry : fs::directory_iterator(containers_dir(), ec)) {
    if (!entry.is_directory()) continue;
    std::string id = entry.path().filename().string();
    if (!fs::exists(entry.path() / "state.json")) continue;
    try {
      out.push_back(load(id));
    } catch (const StoreError &) {
      // A record being written by a racing berth: skip it in listings.
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Record &a, const Record &b) { return a.created_at < b.created_at; });
  return out;
}

Record Store::resolve(const std::string &key) const {
  if (key.empty()) throw StoreError("no container given");
  std::vector<Record> matches;
  for (auto &r : list()) {
    if (r.id == key || r.name == key) return r;
    if (r.id.compare(0, key.size(), key) == 0) matches.push_back(r);
  }
  if (matches.size() == 1) return matches.front();
  if (matches.empty())
    throw StoreError(fmt::format("no such container: {} (berth ps -a lists them)", key));
  throw StoreError(
      fmt::format("'{}' matches {} containers; give more of the id", key, matches.size()));
}

bool Store::monitor_alive(const std::string &id) const {
  int fd = open(monitor_lock(id).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool alive = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  return alive;
}

// The field sigevent(7) documents for SIGEV_THREAD_ID; this glibc names it
// only by its union member.
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

namespace {
void wake_only(int) {}
}  // namespace

// A finished container's directory may be recycled for the next container
// (recycle() above), whose monitor then holds the same lock: the wait wakes
// every 100 ms and ends as soon as `id`'s directory is no longer the one it
// waits on.
void Store::wait_for_monitor(const std::string &id) const {
  const std::string path = monitor_lock(id);
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat waited {};
  fstat(fd, &waited);
  // A timer that interrupts this thread's flock (SIGALRM to this thread
  // only, with a handler without SA_RESTART so flock returns EINTR).
  struct sigaction wake {};
  struct sigaction previous {};
  wake.sa_handler = wake_only;
  sigaction(SIGALRM, &wake, &previous);
  // Unblocked here whatever mask this thread inherited.
  sigset_t alarm, old_mask;
  sigemptyset(&alarm);
  sigaddset(&alarm, SIGALRM);
  pthread_sigmask(SIG_UNBLOCK, &alarm, &old_mask);
  sigevent to_me{};
  to_me.sigev_notify = SIGEV_THREAD_ID;
  to_me.sigev_signo = SIGALRM;
  to_me.sigev_notify_thread_id = gettid();
  timer_t timer{};
  bool timed = timer_create(CLOCK_MONOTONIC, &to_me, &timer) == 0;
  itimerspec every{{0, 100'000'000}, {0, 100'000'000}};
  if (timed) timer_settime(timer, 0, &every, nullptr);
  while (flock(fd, LOCK_SH) != 0 && errno == EINTR) {
    struct stat now {};
    if (stat(path.c_str(), &now) != 0 || now.st_ino != waited.st_ino || now.st_dev != waited.st_dev)
      break;  // removed, or another container's directory by now
  }
  if (timed) timer_delete(timer);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGALRM, &previous, nullptr);
  close(fd);
}

void Store::remove(const std::string &id, sdk::UniqueFd *lock) const {
  // Out of sight first: one remover wins, and nothing works on a path a
  // new container could claim. Then the lock may go (waiters find `id`
  // gone), then the emptying.
  std::string taken;
  bool mine = take_away(root_, container_dir(id), &taken);
  if (lock != nullptr) lock->reset();
  if (mine) recycle(root_, taken);
}

}  // namespace berth::state
