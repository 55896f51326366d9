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
#include <optional>
#include <random>
#include <sstream>

#include "state/locks.h"
#include "state/record_json.h"

namespace berth::state {
namespace fs = std::filesystem;

namespace {

constexpr std::chrono::milliseconds kStoreLockWait{10'000};

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

// Holds an exclusive flock on <containers>/.lock: a named creation checks
// the name and takes it without racing another berth.
// Bounded: a holder that is stuck gets named instead of waited on for ever.
class StoreLock {
 public:
  explicit StoreLock(const std::string &path) {
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw StoreError(fmt::format("open({}): {}", path, std::strerror(errno)));
    if (!flock_within(fd_, LOCK_EX, kStoreLockWait)) {
      int e = errno;
      std::string holder = e == EWOULDBLOCK ? describe_holder(fd_) : "";
      close(fd_);
      if (e != EWOULDBLOCK) throw StoreError(fmt::format("flock({}): {}", path, std::strerror(e)));
      throw StoreError(fmt::format(
          "the store's lock {} is {} for over {} s (it is held while a named container is "
          "created); try again, or end that process if it is stuck",
          path, holder, kStoreLockWait.count() / 1000));
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

// A spare skeleton claimed under a private name in the spare area (where
// no listing looks), so that its record is written in full before any
// other berth can read it; "" when none is left.
std::string claim_spare(const std::string &root) {
  for (int k = 0; k < kSpareDirs; ++k) {
    std::string mine = fmt::format("{}/spare/.new-{}-{}", root, getpid(), k);
    if (renameat2(AT_FDCWD, spare_dir(root, k).c_str(), AT_FDCWD, mine.c_str(), RENAME_NOREPLACE) ==
        0)
      return mine;
  }
  return "";
}

// Writes `text` over the file `path` (the claimed spare's emptied record).
bool write_in_place(const std::string &path, const std::string &text, bool truncate) {
  int f = open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (truncate ? O_TRUNC : 0),
               0600);
  if (f < 0) return false;
  bool ok = write(f, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(f);
  return ok;
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
// A directory whose lock someone still holds (a child of a monitor that
// died, with the descriptor it inherited) would lock out the next
// container's monitor: it is deleted instead.
bool lock_is_free(const std::string &path) {
  sdk::UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd && flock(fd.get(), LOCK_EX | LOCK_NB) == 0;
}

// Claimed spares (.new-PID-k) and taken-away directories (.removing-PID-...)
// of a berth that died before it finished with them: nothing else would
// ever remove them. A live pid (even a recycled one) keeps its entries.
void sweep_orphans(const std::string &root) {
  const std::string spare = root + "/spare";
  DIR *dir = opendir(spare.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> orphans;
  for (dirent *e; (e = readdir(dir)) != nullptr;) {
    const char *rest = nullptr;
    if (std::strncmp(e->d_name, ".new-", 5) == 0) rest = e->d_name + 5;
    if (std::strncmp(e->d_name, ".removing-", 10) == 0) rest = e->d_name + 10;
    if (rest == nullptr) continue;
    pid_t pid = static_cast<pid_t>(std::strtol(rest, nullptr, 10));
    if (pid > 0 && pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH)
      orphans.push_back(spare + "/" + e->d_name);
  }
  closedir(dir);
  for (const auto &o : orphans) remove_tree(o);
}

void recycle(const std::string &root, const std::string &taken) {
  sweep_orphans(root);
  if (empty_to_skeleton(taken) && lock_is_free(taken))
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
  // A recycled spare gets its record before it takes the container's name
  // (a listing never sees it half-written); a new directory gets it by an
  // atomic replace after its mkdir (a listing skips a directory without
  // one).
  const bool unnamed = record.name.empty();
  record.created_at = now_rfc3339();
  std::string spare = claim_spare(root_);
  for (bool rewrite = false;; rewrite = true) {
    record.id = random_id();
    if (unnamed) record.name = record.id.substr(0, 12);
    if (!spare.empty()) {
      if (write_in_place(spare + "/state.json", record_to_text(record), rewrite) &&
          renameat2(AT_FDCWD, spare.c_str(), AT_FDCWD, container_dir(record.id).c_str(),
                    RENAME_NOREPLACE) == 0)
        return;
      if (errno == EEXIST) continue;
      remove_tree(spare);  // not usable: fall back to a new directory
      spare.clear();
    }
    if (mkdir(container_dir(record.id).c_str(), 0700) == 0) break;
    if (errno != EEXIST)
      throw StoreError(
          fmt::format("mkdir({}): {}", container_dir(record.id), std::strerror(errno)));
  }
  if (mkdir(driver_state_dir(record.id).c_str(), 0700) != 0) {
    int e = errno;
    rmdir(container_dir(record.id).c_str());
    throw StoreError(fmt::format("mkdir({}): {}", driver_state_dir(record.id), std::strerror(e)));
  }
  save(record);
}

void Store::save(const Record &record) const {
  std::string path = container_dir(record.id) + "/state.json";
  berth_error err{};
  if (sdk::replace_file(path, record_to_text(record), 0600, &err) != BERTH_OK)
    throw StoreError(err.message);
}

Record Store::load(const std::string &id) const {
  std::string path = container_dir(id) + "/state.json";
  std::string text;
  berth_error err{};
  if (sdk::read_file(path, &text, &err) != BERTH_OK) {
    if (err.sys_errno == ENOENT || err.sys_errno == ENOTDIR)
      throw StoreError(fmt::format("no such container: {}", id));
    throw StoreError(err.message);
  }
  return record_from_text(text, id);
}

// Every container directory with a record, damaged ones included (a
// directory without one is still being created: skipped).
std::vector<Record> Store::list() const {
  std::vector<Record> out;
  std::error_code ec;
  for (const auto &entry : fs::directory_iterator(containers_dir(), ec)) {
    std::string id = entry.path().filename().string();
    if (id.empty() || id[0] == '.' || !entry.is_directory(ec)) continue;
    try {
      out.push_back(load(id));
    } catch (const StoreError &) {
      // No record (yet), or removed meanwhile.
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

pid_t Store::monitor_pid(const std::string &id) const {
  sdk::UniqueFd fd(open(monitor_lock(id).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return 0;
  if (flock(fd.get(), LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK) return 0;
  pid_t holder = exclusive_flock_holder(fd.get());
  if (holder == 0) return -1;
  return process_has_open(holder, fd.get()) ? holder : 0;
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
// waits on, or the monitor that held the lock has died (a child of it may
// hold the lock on through an inherited descriptor), or the time is up.
MonitorWait Store::wait_for_monitor(const std::string &id,
                                    std::optional<std::chrono::milliseconds> timeout) const {
  const std::string path = monitor_lock(id);
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return MonitorWait::finished;
  const auto deadline = std::chrono::steady_clock::now() + timeout.value_or(std::chrono::hours(0));
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
  MonitorWait result = MonitorWait::finished;
  while (flock(fd, LOCK_SH) != 0 && errno == EINTR) {
    struct stat now {};
    if (stat(path.c_str(), &now) != 0 || now.st_ino != waited.st_ino || now.st_dev != waited.st_dev)
      break;  // removed, or another container's directory by now
    pid_t holder = exclusive_flock_holder(fd);
    if (holder > 0 && !process_has_open(holder, fd)) {
      result = MonitorWait::gone;
      break;
    }
    if (timeout && std::chrono::steady_clock::now() >= deadline) {
      result = MonitorWait::timed_out;
      break;
    }
  }
  if (timed) timer_delete(timer);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGALRM, &previous, nullptr);
  close(fd);
  return result;
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
