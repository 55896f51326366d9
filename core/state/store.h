// The container store: one directory per container under <root>/containers,
// holding state.json, the driver's state directory and the logs. Every
// command other than the monitor reads it; no daemon is involved.
#pragma once

#include <sys/types.h>
#include <berth/sdk/fd.hpp>

#include <chrono>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace berth::state {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Record {
  std::string id;
  std::string name;
  std::string driver;
  std::string status = "created";  // created | running | exited
  int64_t pid = 0;                 // host pid of the container process
  int64_t monitor_pid = 0;
  std::string created_at;  // RFC 3339, UTC
  std::string started_at;
  std::string finished_at;
  std::optional<int> exit_code;
  std::optional<int> signal;
  bool oom_killed = false;
  bool detached = false;
  bool remove_on_exit = false;
  std::string rootfs;
  std::vector<std::string> args;
  std::string spec_yaml;  // the normalized spec the container was started from

  // A damaged state.json (truncated, garbled, wrongly typed): why, in a
  // line, and the fields that could not be read (left at their defaults).
  // The container is then shown as `unknown`; rm -f still removes it.
  std::string damage;
  std::vector<std::string> unreadable;
  bool damaged() const { return !damage.empty(); }
};

// How a wait for a container's monitor ended.
enum class MonitorWait {
  finished,   // it let go of its lock (or the container was removed)
  gone,       // its process died; the lock may live on in a child's inherited descriptor
  timed_out,  // it still runs
};

class Store {
 public:
  explicit Store(std::string root);

  const std::string &root() const { return root_; }
  std::string container_dir(const std::string &id) const;
  std::string driver_state_dir(const std::string &id) const;
  std::string stdout_log(const std::string &id) const;
  std::string stderr_log(const std::string &id) const;
  // What the monitor holds flock()ed for its whole life (open it O_RDONLY);
  // it lets go before remove(): the directory may serve the next container.
  std::string monitor_lock(const std::string &id) const;

  // Creates the container's directories and first record; fills id (and a
  // name when empty). Refuses a name already taken.
  void create(Record &record);
  void save(const Record &record) const;  // atomic (sdk::replace_file)
  // The record of `id`, damaged or not (see Record::damage); StoreError
  // when there is no such container.
  Record load(const std::string &id) const;
  // An id, a unique id prefix or a name.
  Record resolve(const std::string &id_or_name) const;
  std::vector<Record> list() const;
  // Deletes the container's files; its emptied directory may be kept for
  // reuse by a later create() (see store.cc). `lock` (the monitor's, on
  // the container directory) is released as soon as the record is out of
  // other berths' sight, before the directory is emptied.
  void remove(const std::string &id, sdk::UniqueFd *lock = nullptr) const;

  // The pid of the monitor of `id` while it runs (it holds monitor_lock
  // for its life), -1 when the lock is held by a process /proc/locks does
  // not name, 0 when there is no monitor. A monitor that died (SIGKILL)
  // while a child of its kept the lock counts as none.
  pid_t monitor_pid(const std::string &id) const;
  bool monitor_alive(const std::string &id) const { return monitor_pid(id) != 0; }
  // Blocks until the monitor of `id` has finished or died, or `timeout`
  // (none: no limit) has passed.
  MonitorWait wait_for_monitor(
      const std::string &id, std::optional<std::chrono::milliseconds> timeout = std::nullopt) const;

  static std::string now_rfc3339();

 private:
  std::string containers_dir() const;
  std::string root_;
};

}  // namespace berth::state
