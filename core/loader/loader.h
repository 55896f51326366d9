// Driver discovery and loading (Boost.DLL). The core's only view of a driver
// is the C table of plugin-sdk/include/berth/driver.h; nothing C++ crosses.
#pragma once

#include <berth/driver.h>

#include <boost/dll/shared_library.hpp>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace berth::loader {

// A driver call failed: the driver's code and message.
class DriverError : public std::runtime_error {
 public:
  DriverError(int32_t code, int32_t sys_errno, const std::string &message)
      : std::runtime_error(message), code_(code), sys_errno_(sys_errno) {}
  int32_t code() const { return code_; }
  int32_t sys_errno() const { return sys_errno_; }

 private:
  int32_t code_;
  int32_t sys_errno_;
};

// One loaded driver. The library is the first member so that it is destroyed
// last: the table and every pointer in it come from the library.
class Driver {
 public:
  Driver(boost::dll::shared_library library, const berth_driver *table, std::string file,
         uint32_t table_size);
  Driver(const Driver &) = delete;
  Driver &operator=(const Driver &) = delete;

  const std::string &name() const { return name_; }
  const std::string &file() const { return file_; }
  std::string version() const { return table_.version ? table_.version : ""; }
  std::string description() const { return table_.description ? table_.description : ""; }
  uint32_t abi_version() const { return table_.abi_version; }
  uint64_t features() const { return table_.features; }
  bool has(uint64_t feature) const { return (table_.features & feature) == feature; }
  uint32_t default_network() const { return table_.default_network; }

  struct Probe {
    bool usable = false;
    std::string info;    // what the driver found (backend version, cgroup layout)
    std::string reason;  // why not, when not usable
  };
  Probe probe() const;

  // Lifecycle calls; each throws DriverError with the driver's message.
  int64_t start(const berth_container &c, const berth_spec &spec, const berth_stdio &stdio) const;
  berth_exit_status wait(const berth_container &c) const;
  void kill(const berth_container &c, int signal) const;
  std::vector<int64_t> pids(const berth_container &c) const;
  berth_container_state state(const berth_container &c) const;
  void destroy(const berth_container &c) const;
  // The optional exit_fd call: a descriptor (ours to close) readable once
  // the container's process exited, or -1 when the driver has no such call.
  int exit_fd(const berth_container &c) const;

 private:
  boost::dll::shared_library library_;  // first: outlives everything below
  berth_driver table_{};                // zero-filled copy: members past struct_size read as absent
  std::string file_;
  std::string name_;
};

// One line per driver file that could not be used.
struct LoadError {
  std::string file;
  std::string problem;
  std::string str() const { return file + ": " + problem; }
};

// The drivers found on the search path, in search order.
class Registry {
 public:
  // Directories searched, in order: --driver-path DIRs, $BERTH_DRIVER_PATH
  // (colon separated), then <dir of the berth binary>/../lib/berth/drivers.
  static std::vector<std::string> search_path(const std::vector<std::string> &extra_dirs);

  explicit Registry(std::vector<std::string> dirs) : dirs_(std::move(dirs)) {}

  // Loads every *.so in every directory. Problems become errors(); the other
  // drivers still load. Safe to call once.
  void load_all();

  // Loads only what is needed to find `name`: NAME.so in each directory
  // first (the cheap path for `berth run`), then everything.
  const Driver *find(const std::string &name);

  // Loads one file; returns the problem when it is not a usable driver.
  std::optional<LoadError> load_file(const std::string &path);

  const std::vector<std::unique_ptr<Driver>> &drivers() const { return drivers_; }
  const std::vector<LoadError> &errors() const { return errors_; }
  const std::vector<std::string> &dirs() const { return dirs_; }

 private:
  const Driver *lookup(const std::string &name) const;
  bool seen(const std::string &canonical_path) const;

  std::vector<std::string> dirs_;
  std::vector<std::unique_ptr<Driver>> drivers_;
  std::vector<LoadError> errors_;
  std::vector<std::string> loaded_files_;  // canonical paths already tried
  bool all_loaded_ = false;
};

// "pid,mount,uts,..." names of feature bits, for `berth drivers`.
std::vector<std::string> feature_names(uint64_t features);
// The feature's name (e.g. "limit.memory"), or "" for an unknown bit.
const char *feature_name(uint64_t feature);

}  // namespace berth::loader
