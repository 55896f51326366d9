#include "state.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>

#include <cerrno>
#include <fstream>

namespace berth::libvirt {

std::string state_path(const berth_container *c) {
  return std::string(c->state_dir) + "/libvirt.state";
}

int32_t save_state(const berth_container *c, const State &state, berth_error *err) {
  std::string text;
  for (const auto &[k, v] : state) text += k + "=" + v + "\n";
  const std::string path = state_path(c);
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return sdk::fail_errno(err, errno, "open", tmp);
  size_t off = 0;
  while (off < text.size()) {
    ssize_t w = write(fd, text.data() + off, text.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      unlink(tmp.c_str());
      return sdk::fail_errno(err, e, "write", tmp);
    }
    off += static_cast<size_t>(w);
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) < 0) {
    int e = errno;
    unlink(tmp.c_str());
    return sdk::fail_errno(err, e, "rename", path);
  }
  return BERTH_OK;
}

int32_t load_state(const berth_container *c, State *state, berth_error *err) {
  const std::string path = state_path(c);
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT)
      return sdk::fail(err, BERTH_E_NO_CONTAINER, "no libvirt container %s (%s missing)", c->id,
                       path.c_str());
    return sdk::fail_errno(err, errno, "open", path);
  }
  state->clear();
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) (*state)[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return BERTH_OK;
}

}  // namespace berth::libvirt
