#include "loader/loader.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace berth::loader {
namespace fs = std::filesystem;

namespace {

struct FeatureName {
  uint64_t bit;
  const char *name;
};

constexpr FeatureName kFeatureNames[] = {
    {BERTH_FEATURE_NS_PID, "ns.pid"},
    {BERTH_FEATURE_NS_MOUNT, "ns.mount"},
    {BERTH_FEATURE_NS_UTS, "ns.uts"},
    {BERTH_FEATURE_NS_IPC, "ns.ipc"},
    {BERTH_FEATURE_NS_NET, "ns.net"},
    {BERTH_FEATURE_NS_USER, "ns.user"},
    {BERTH_FEATURE_NS_CGROUP, "ns.cgroup"},
    {BERTH_FEATURE_LIMIT_MEMORY, "limit.memory"},
    {BERTH_FEATURE_LIMIT_CPU, "limit.cpu"},
    {BERTH_FEATURE_LIMIT_PIDS, "limit.pids"},
    {BERTH_FEATURE_TTY, "tty"},
    {BERTH_FEATURE_STDIN, "stdin"},
    {BERTH_FEATURE_SEPARATE_STDERR, "separate-stderr"},
    {BERTH_FEATURE_BIND_MOUNTS, "bind-mounts"},
    {BERTH_FEATURE_READONLY_MOUNTS, "readonly-mounts"},
    {BERTH_FEATURE_READONLY_ROOTFS, "readonly-rootfs"},
    {BERTH_FEATURE_NETWORK_NONE, "network.none"},
    {BERTH_FEATURE_NETWORK_HOST, "network.host"},
    {BERTH_FEATURE_USER_SWITCH, "user"},
    {BERTH_FEATURE_PIDS_LISTING, "pids"},
    {BERTH_FEATURE_HOSTNAME, "hostname"},
    {BERTH_FEATURE_CAPABILITIES, "capabilities"},
    {BERTH_FEATURE_SECCOMP, "seccomp"},
    {BERTH_FEATURE_OOM_REPORT, "oom-report"},
    {BERTH_FEATURE_CWD, "cwd"},
    {BERTH_FEATURE_ENV, "env"},
    {BERTH_FEATURE_NO_NEW_PRIVS, "no-new-privs"},
    {BERTH_FEATURE_MASKED_PATHS, "masked-paths"},
    {BERTH_FEATURE_DEVICE_ALLOWLIST, "device-allowlist"},
};

bool valid_driver_name(const char *name) {
  if (name == nullptr || *name == '\0' || std::strlen(name) > 64) return false;
  for (const char *p = name; *p; ++p) {
    if (!(std::islower(static_cast<unsigned char>(*p)) ||
          std::isdigit(static_cast<unsigned char>(*p)) || *p == '-' || *p == '_'))
      return false;
  }
  return true;
}

[[noreturn]] void throw_driver_error(const berth_error &err, int32_t rc) {
  std::string message(err.message, strnlen(err.message, sizeof(err.message)));
  if (message.empty()) message = fmt::format("driver returned error code {} without a message", rc);
  throw DriverError(err.code != 0 ? err.code : rc, err.sys_errno, message);
}

}  // namespace

const char *feature_name(uint64_t feature) {
  for (const auto &f : kFeatureNames)
    if (f.bit == feature) return f.name;
  return "";
}

std::vector<std::string> feature_names(uint64_t features) {
  std::vector<std::string> out;
  for (const auto &f : kFeatureNames)
    if (features & f.bit) out.emplace_back(f.name);
  return out;
}

Driver::Driver(boost::dll::shared_library library, const berth_driver *table, std::string file,
               uint32_t table_size)
    : library_(std::move(library)), file_(std::move(file)) {
  // OBS-style copy: zero-filled, then the bytes the driver declared. Members
  // appended after the driver was built stay zero ("absent").
  std::memcpy(&table_, table, std::min<size_t>(table_size, sizeof(table_)));
  name_ = table_.name;
}

Driver::Probe Driver::probe() const {
  Probe p;
  char info[1024] = {0};
  berth_error err{};
  int32_t rc = table_.probe(info, sizeof(info), &err);
  info[sizeof(info) - 1] = '\0';
  p.info = info;
  p.usable = rc == BERTH_OK;
  if (!p.usable) {
    p.reason = std::string(err.message, strnlen(err.message, sizeof(err.message)));
    if (p.reason.empty()) p.reason = fmt::format("probe failed with code {}", rc);
  }
  return p;
}

int64_t Driver::start(const berth_container &c, const berth_spec &spec,
                      const berth_stdio &stdio) const {
  berth_start_result out{};
  out.struct_size = sizeof(out);
  berth_error err{};
  int32_t rc = table_.start(&c, &spec, &stdio, &out, &err);
  if (rc != BERTH_OK) throw_driver_error(err, rc);
  return out.pid;
}

berth_exit_status Driver::wait(const berth_container &c) const {
  berth_exit_status out{};
  out.struct_size = sizeof(out);
  berth_error err{};
  int32_t rc = table_.wait(&c, &out, &err);
  if (rc != BERTH_OK) throw_driver_error(err, rc);
  return out;
}

void Driver::kill(const berth_container &c, int signal) const {
  berth_error err{};
  int32_t rc = table_.kill(&c, signal, &err);
  if (rc != BERTH_OK) throw_driver_error(err, rc);
}

std::vector<int64_t> Driver::pids(const berth_container &c) const {
  if (table_.pids == nullptr || !has(BERTH_FEATURE_PIDS_LISTING))
    throw DriverError(BERTH_E_UNSUPPORTED, 0,
                      fmt::format("driver '{}' cannot list a container's processes", name_));
  std::vector<int64_t> pids(64);
  for (int attempt = 0; attempt < 8; ++attempt) {
    uint32_t count = 0;
    berth_error err{};
    int32_t rc = table_.pids(&c, pids.data(), static_cast<uint32_t>(pids.size()), &count, &err);
    if (rc == BERTH_E_RANGE) {
      pids.resize(std::max<size_t>(count, pids.size() * 2));
      continue;
    }
    if (rc != BERTH_OK) throw_driver_error(err, rc);
    pids.resize(count);
    return pids;
  }
  throw DriverError(BERTH_E_INTERNAL, 0, "pids: the process list kept growing");
}

berth_container_state Driver::state(const berth_container &c) const {
  berth_container_state out{};
  out.struct_size = sizeof(out);
  berth_error err{};
  int32_t rc = table_.state(&c, &out, &err);
  if (rc != BERTH_OK) throw_driver_error(err, rc);
  return out;
}

void Driver::destroy(const berth_container &c) const {
  berth_error err{};
  int32_t rc = table_.destroy(&c, &err);
  if (rc != BERTH_OK) throw_driver_error(err, rc);
}

int Driver::exit_fd(const berth_container &c) const {
  if (table_.exit_fd == nullptr) return -1;
  berth_error err{};
  int32_t fd = -1;
  int32_t rc = table_.exit_fd(&c, &fd, &err);
  if (rc != BERTH_OK) throw_driver_error(err, rc);
  if (fd < 0) throw DriverError(BERTH_E_INTERNAL, 0, "exit_fd: the driver returned no descriptor");
  return fd;
}

std::vector<std::string> Registry::search_path(const std::vector<std::string> &extra_dirs) {
  std::vector<std::string> dirs(extra_dirs.begin(), extra_dirs.end());
  if (const char *env = std::getenv("BERTH_DRIVER_PATH"); env != nullptr) {
    std::string list = env;
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t colon = list.find(':', pos);
      if (colon == std::string::npos) colon = list.size();
      if (colon > pos) dirs.push_back(list.substr(pos, colon - pos));
      pos = colon + 1;
    }
  }
  // Relative to the berth binary itself, so the build tree and an install
  // both work with no flags.
  fs::path exe = boost::dll::program_location().string();
  dirs.push_back((exe.parent_path().parent_path() / "lib" / "berth" / "drivers").string());
  return dirs;
}

bool Registry::seen(const std::string &canonical_path) const {
  return std::find(loaded_files_.begin(), loaded_files_.end(), canonical_path) !=
         loaded_files_.end();
}

const Driver *Registry::lookup(const std::string &name) const {
  for (const auto &d : drivers_)
    if (d->name() == name) return d.get();
  return nullptr;
}

std::optional<LoadError> Registry::load_file(const std::string &path) {
  std::error_code ec;
  std::string canonical = fs::canonical(path, ec).string();
  if (ec) return LoadError{path, "cannot resolve path: " + ec.message()};
  if (seen(canonical)) return std::nullopt;
  loaded_files_.push_back(canonical);

  auto fail = [&](std::string problem) -> std::optional<LoadError> {
    LoadError e{path, std::move(problem)};
    errors_.push_back(e);
    return e;
  };

  boost::dll::shared_library library;
  boost::dll::fs::error_code load_ec;
  // RTLD_LOCAL: two drivers may carry symbols of the same name.
  library.load(canonical, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
               load_ec);
  if (load_ec) {
    // Boost reports only a generic code; dlopen's own words say why (not
    // ELF, wrong architecture, missing dependency).
    std::string why = load_ec.message();
    if (void *h = dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL); h != nullptr) {
      dlclose(h);
    } else if (const char *text = dlerror(); text != nullptr) {
      why = text;
      // dlerror starts with the path, which the error line already names.
      if (why.rfind(canonical + ": ", 0) == 0) why.erase(0, canonical.size() + 2);
    }
    return fail("not a loadable shared object: " + why);
  }
  if (!library.has(BERTH_DRIVER_ENTRY_SYMBOL))
    return fail(fmt::format("not a berth driver: no '{}' symbol", BERTH_DRIVER_ENTRY_SYMBOL));

  auto entry = library.get<const berth_driver *(uint32_t, uint32_t *)>(BERTH_DRIVER_ENTRY_SYMBOL);
  uint32_t driver_abi = 0;
  const berth_driver *table = entry(BERTH_DRIVER_ABI_VERSION, &driver_abi);
  if (table == nullptr) {
    return fail(fmt::format(
        "incompatible driver ABI: the driver needs version {}, this berth speaks {} to {}",
        driver_abi, BERTH_DRIVER_ABI_MIN_VERSION, BERTH_DRIVER_ABI_VERSION));
  }
  if (table->abi_version < BERTH_DRIVER_ABI_MIN_VERSION ||
      table->abi_version > BERTH_DRIVER_ABI_VERSION) {
    return fail(fmt::format(
        "incompatible driver ABI: the driver's table is version {}, this berth speaks {} to {}",
        table->abi_version, BERTH_DRIVER_ABI_MIN_VERSION, BERTH_DRIVER_ABI_VERSION));
  }
  if (table->struct_size < BERTH_DRIVER_V1_SIZE) {
    return fail(fmt::format(
        "driver table too short: struct_size {} bytes, ABI version {} needs at least {}",
        table->struct_size, table->abi_version, BERTH_DRIVER_V1_SIZE));
  }
  if (!valid_driver_name(table->name)) {
    return fail(fmt::format("invalid driver name '{}': use 1-64 of [a-z0-9_-]",
                            table->name ? table->name : "(null)"));
  }
  struct Required {
    const void *fn;
    const char *name;
  };
  const Required required[] = {
      {reinterpret_cast<const void *>(table->probe), "probe"},
      {reinterpret_cast<const void *>(table->start), "start"},
      {reinterpret_cast<const void *>(table->wait), "wait"},
      {reinterpret_cast<const void *>(table->kill), "kill"},
      {reinterpret_cast<const void *>(table->state), "state"},
      {reinterpret_cast<const void *>(table->destroy), "destroy"},
  };
  for (const auto &r : required) {
    if (r.fn == nullptr)
      return fail(fmt::format("driver '{}' lacks the required call '{}'", table->name, r.name));
  }
  if ((table->features & BERTH_FEATURE_PIDS_LISTING) && table->pids == nullptr)
    return fail(
        fmt::format("driver '{}' declares pids listing but has no 'pids' call", table->name));
  if (const Driver *other = lookup(table->name); other != nullptr) {
    return fail(fmt::format("a second driver named '{}' (the first is {}); ignored", table->name,
                            other->file()));
  }
  drivers_.push_back(std::make_unique<Driver>(std::move(library), table, path, table->struct_size));
  return std::nullopt;
}

void Registry::load_all() {
  if (all_loaded_) return;
  all_loaded_ = true;
  for (const auto &dir : dirs_) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<std::string> files;
    for (const auto &entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());  // deterministic order
    for (const auto &f : files) load_file(f);
  }
}

const Driver *Registry::find(const std::string &name) {
  if (const Driver *d = lookup(name); d != nullptr) return d;
  if (!all_loaded_) {
    for (const auto &dir : dirs_) {
      std::error_code ec;
      fs::path candidate = fs::path(dir) / (name + ".so");
      if (fs::exists(candidate, ec)) {
        load_file(candidate.string());
        if (const Driver *d = lookup(name); d != nullptr) return d;
      }
    }
    load_all();
  }
  return lookup(name);
}

}  // namespace berth::loader
