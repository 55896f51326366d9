#include "libvirt_api.hpp"

#include <libvirt/virterror.h>
#include <berth/sdk/error.hpp>

#include <mutex>

namespace berth::libvirt {
namespace {

// libvirt prints every error to stderr unless a handler is set; we report
// errors through berth_error instead, so silence the default printer once.
void silent(void *, virErrorPtr) {}

void silence_libvirt() {
  static std::once_flag once;
  std::call_once(once, [] { virSetErrorFunc(nullptr, silent); });
}

}  // namespace

std::string last_error_text() {
  virErrorPtr e = virGetLastError();
  if (e == nullptr || e->message == nullptr) return "unknown libvirt error";
  return e->message;
}

int32_t fail_libvirt(berth_error *err, int32_t code, const std::string &step) {
  return sdk::fail(err, code, "%s: %s", step.c_str(), last_error_text().c_str());
}

int32_t open_connection(const std::string &uri, Connection *out, berth_error *err) {
  silence_libvirt();
  virConnectPtr c = virConnectOpen(uri.c_str());
  if (c == nullptr) {
    virErrorPtr e = virGetLastError();
    // Failing to reach the daemon's socket is VIR_ERR_SYSTEM_ERROR or
    // VIR_ERR_NO_CONNECT from the remote driver; anything else (bad URI, no
    // LXC driver) is the daemon or the URI speaking.
    bool unreachable = e != nullptr && e->domain == VIR_FROM_RPC;
    return sdk::fail(err, BERTH_E_UNAVAILABLE, "%s: virConnectOpen(%s): %s",
                     unreachable ? "libvirtd is not running" : "cannot connect to libvirt",
                     uri.c_str(), last_error_text().c_str());
  }
  virConnSetErrorFunc(c, nullptr, silent);
  *out = Connection(c);
  return BERTH_OK;
}

int32_t find_domain(virConnectPtr conn, const std::string &name, Domain *out, berth_error *err) {
  virDomainPtr d = virDomainLookupByName(conn, name.c_str());
  if (d == nullptr) {
    virErrorPtr e = virGetLastError();
    if (e != nullptr && e->code == VIR_ERR_NO_DOMAIN) {
      *out = Domain();
      return BERTH_OK;
    }
    return fail_libvirt(err, BERTH_E_SYSTEM, "virDomainLookupByName(" + name + ")");
  }
  *out = Domain(d);
  return BERTH_OK;
}

}  // namespace berth::libvirt
