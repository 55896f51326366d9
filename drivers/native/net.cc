#include "net.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "child_error.h"

namespace berth::native::net {

int32_t bring_up_loopback(const Plan &plan, berth_error *err) {
  if (!plan.private_network) return BERTH_OK;
  // Two ioctls on any socket are cheaper than a netlink round trip.
  int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return child_fail(err, errno, "socket", "AF_INET (to configure lo)");
  struct ifreq ifr {};
  std::strcpy(ifr.ifr_name, "lo");
  int32_t status = BERTH_OK;
  if (::ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) {
    status = child_fail(err, errno, "ioctl SIOCGIFFLAGS", "lo");
  } else {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (::ioctl(sock, SIOCSIFFLAGS, &ifr) != 0)
      status = child_fail(err, errno, "ioctl SIOCSIFFLAGS", "lo");
  }
  ::close(sock);
  return status;
}

}  // namespace berth::native::net
