// The container store: one directory per container under <root>/containers,
// holding state.json, the driver's state directory and the logs. Every
// command other than the monitor reads it; no daemon is involved.
#pragma once

#include <berth/sdk/fd.hpp>

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
  Record load(const std::string &id) const;
  // An id, a unique id prefix or a name.
  Record resolve(const std::string &id_or_name) const;
  std::vector<Record> list() const;
  // Deletes the container's files; its emptied directory may be kept for
  // reuse by a later create() (see store.cc). `lock` (the monitor's, on
  // the container directory) is released as soon as the record is out of
  // other berths' sight, before the directory is emptied.
  void remove(const std::string &id, sdk::UniqueFd *lock = nullptr) const;

  // Is the monitor of `id` still running? It holds monitor_lock for its life.
  bool monitor_alive(const std::string &id) const;
  // Blocks until the monitor of `id` has finished.
  void wait_for_monitor(const std::string &id) const;

  static std::string now_rfc3339();

 private:
  std::string containers_dir() const;
  std::string root_;
};

}  // namespace berth::state
