#include "berth_runner.hpp"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace berth::test {
namespace fs = std::filesystem;

std::string shell_quote(const std::string &arg) {
  std::string q = "'";
  for (char c : arg) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

BerthRunner::BerthRunner() {
  char tmpl[] = "/tmp/berth-libvirt-test.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = tmpl;
  ids_ = std::make_unique<ContainerIds>(root_);
}

BerthRunner::~BerthRunner() {
  for (const std::string &id : container_ids()) run({"rm", "-f", id});
  std::error_code ec;
  fs::remove_all(root_, ec);
}

Result BerthRunner::run(const std::vector<std::string> &args, const std::string &stdin_file) const {
  return run_command("", args, stdin_file);
}

Result BerthRunner::run_without_libvirtd(const std::vector<std::string> &args) const {
  // unshare -m makes the new namespace's mounts private: the tmpfs is seen
  // by this berth alone.
  return run_command(
      "unshare -m sh -c 'mount -t tmpfs berth-no-libvirtd /run/libvirt && exec \"$0\" \"$@\"' ",
      args, "");
}

Result BerthRunner::run_command(const std::string &prefix, const std::vector<std::string> &args,
                                const std::string &stdin_file) const {
  std::string cmd = prefix + shell_quote(BERTH_BIN) + " --root " + shell_quote(root_);
  for (const std::string &a : args) cmd += " " + shell_quote(a);
  const std::string out = root_ + "/.stdout", err = root_ + "/.stderr";
  cmd += " <" + shell_quote(stdin_file.empty() ? "/dev/null" : stdin_file);
  cmd += " >" + shell_quote(out) + " 2>" + shell_quote(err);
  int status = std::system(cmd.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  unlink(out.c_str());
  unlink(err.c_str());
  return r;
}

Started BerthRunner::start(const std::vector<std::string> &args) const {
  static int serial = 0;
  Started s;
  s.out_path = root_ + "/.bg-stdout-" + std::to_string(serial);
  s.err_path = root_ + "/.bg-stderr-" + std::to_string(serial++);
  std::string cmd = "exec " + shell_quote(BERTH_BIN) + " --root " + shell_quote(root_);
  for (const std::string &a : args) cmd += " " + shell_quote(a);
  cmd += " </dev/null >" + shell_quote(s.out_path) + " 2>" + shell_quote(s.err_path);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char *>(nullptr));
    _exit(127);
  }
  s.pid = pid;
  return s;
}

Result BerthRunner::finish(const Started &s) {
  int status = 0;
  while (waitpid(s.pid, &status, 0) < 0 && errno == EINTR) {
  }
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(s.out_path);
  r.err = read_file(s.err_path);
  unlink(s.out_path.c_str());
  unlink(s.err_path.c_str());
  return r;
}

std::vector<std::string> BerthRunner::container_ids() const {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto &e : fs::directory_iterator(root_ + "/containers", ec))
    if (e.is_directory() && e.path().filename().string()[0] != '.')
      ids.push_back(e.path().filename().string());
  return ids;
}

namespace {

// Under ctest, the suite's private libvirtd (see CMakeLists.txt): the berth
// processes the tests start, and these helpers, use it.
const bool kPrivateLibvirtd = [] {
  const char *dir = std::getenv("BERTH_TEST_LIBVIRTD_DIR");
  if (dir == nullptr || *dir == '\0') return false;
  const std::string d = dir;
  setenv("BERTH_LIBVIRT_URI", ("lxc:///system?socket=" + d + "/sock/libvirt-sock").c_str(), 1);
  setenv("BERTH_LIBVIRT_STATE_DIR", (d + "/run/lxc").c_str(), 1);
  return true;
}();

}  // namespace

std::string libvirt_uri() {
  const char *uri = std::getenv("BERTH_LIBVIRT_URI");  // the suite's private libvirtd
  return uri != nullptr && *uri != '\0' ? uri : "lxc:///system";
}

int controller_pid(const std::string &container_id) {
  virSetErrorFunc(nullptr, [](void *, virErrorPtr) {});
  virConnectPtr conn = virConnectOpen(libvirt_uri().c_str());
  if (conn == nullptr) return -1;
  const std::string name = "berth-" + container_id.substr(0, 58);  // as the driver names it
  int pid = -1;
  if (virDomainPtr d = virDomainLookupByName(conn, name.c_str()); d != nullptr) {
    unsigned int id = virDomainGetID(d);
    if (id != static_cast<unsigned int>(-1)) pid = static_cast<int>(id);
    virDomainFree(d);
  }
  virConnectClose(conn);
  return pid;
}

std::vector<std::string> leftovers(const std::vector<std::string> &ids) {
  std::vector<std::string> found;
  virSetErrorFunc(nullptr, [](void *, virErrorPtr) {});  // "no domain" is the good case
  virConnectPtr conn = virConnectOpen(libvirt_uri().c_str());
  if (conn == nullptr) {
    found.push_back("cannot check libvirt: libvirtd not reachable");
    return found;
  }
  for (const std::string &id : ids) {
    const std::string name = "berth-" + id.substr(0, 58);  // as the driver names it
    virDomainPtr d = virDomainLookupByName(conn, name.c_str());
    if (d != nullptr) {
      found.push_back("domain " + name);
      virDomainFree(d);
    }
  }
  virConnectClose(conn);
  for (const std::string &left : host_leftovers(ids)) found.push_back(left);
  return found;
}

}  // namespace berth::test
