#include "control_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/pidfd.hpp>

#include <cerrno>

namespace berth::libvirt {

int32_t listen_control_socket(const std::string &dir, const std::string &name, Fd *out,
                              berth_error *err) {
  Fd dfd(open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0) return sdk::fail_errno(err, errno, "open", dir);
  Fd sock(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) return sdk::fail_errno(err, errno, "socket", "AF_UNIX");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = "/proc/self/fd/" + std::to_string(dfd.get()) + "/" + name;
  if (path.size() >= sizeof(addr.sun_path))
    return sdk::fail(err, BERTH_E_INTERNAL, "control socket name too long: %s", name.c_str());
  path.copy(addr.sun_path, path.size());
  unlinkat(dfd.get(), name.c_str(), 0);
  if (bind(sock.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0)
    return sdk::fail_errno(err, errno, "bind", dir + "/" + name);
  if (listen(sock.get(), 4) < 0) return sdk::fail_errno(err, errno, "listen", dir + "/" + name);
  *out = std::move(sock);
  return BERTH_OK;
}

int32_t accept_control(int listener, int timeout_ms, Fd *out, pid_t *peer_pid, berth_error *err) {
  int ready = sdk::wait_readable({listener}, timeout_ms);
  if (ready == sdk::kWaitFailed) return sdk::fail_errno(err, errno, "poll", "control socket");
  if (ready == sdk::kWaitTimedOut)
    return sdk::fail(err, BERTH_E_SYSTEM,
                     "berth-libvirt-init did not connect to the control socket within %d ms",
                     timeout_ms);
  Fd conn(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  if (conn.get() < 0) return sdk::fail_errno(err, errno, "accept", "control socket");
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return sdk::fail_errno(err, errno, "getsockopt", "SO_PEERCRED");
  *peer_pid = cred.pid;
  *out = std::move(conn);
  return BERTH_OK;
}

int32_t send_message(int fd, const std::string &msg, berth_error *err) {
  ssize_t n;
  do {
    n = send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sdk::fail_errno(err, errno, "send", "control socket: " + msg);
  return BERTH_OK;
}

int32_t recv_message(int fd, int timeout_ms, std::string *out, berth_error *err) {
  int ready = sdk::wait_readable({fd}, timeout_ms);
  if (ready == sdk::kWaitFailed) return sdk::fail_errno(err, errno, "poll", "control socket");
  if (ready == sdk::kWaitTimedOut)
    return sdk::fail(err, BERTH_E_SYSTEM, "berth-libvirt-init did not answer in time");
  char buf[512];
  ssize_t r;
  do {
    r = recv(fd, buf, sizeof(buf), 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (errno == ECONNRESET) {
      out->clear();
      return BERTH_OK;
    }
    return sdk::fail_errno(err, errno, "recv", "control socket");
  }
  out->assign(buf, static_cast<size_t>(r));
  return BERTH_OK;
}

}  // namespace berth::libvirt
