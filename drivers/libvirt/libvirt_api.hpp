// Owning handles for libvirt objects and the translation of libvirt's
// thread-local last error into a berth_error.
#pragma once

#include <berth/driver.h>
#include <libvirt/libvirt.h>

#include <string>
#include <utility>

namespace berth::libvirt {

template <typename T, int (*Free)(T)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(T p) : p_(p) {}
  ~Handle() { reset(); }
  Handle(Handle &&o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Handle &operator=(Handle &&o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  Handle(const Handle &) = delete;
  Handle &operator=(const Handle &) = delete;
  T get() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() {
    if (p_ != nullptr) Free(std::exchange(p_, nullptr));
  }

 private:
  T p_ = nullptr;
};

using Connection = Handle<virConnectPtr, virConnectClose>;
using Domain = Handle<virDomainPtr, virDomainFree>;
using Stream = Handle<virStreamPtr, virStreamFree>;

// libvirt's text for the last error of this thread ("no error" when none).
std::string last_error_text();

// Fills `err` with "STEP: <libvirt's message>" and the given code.
int32_t fail_libvirt(berth_error *err, int32_t code, const std::string &step);

// Opens `uri`. When the daemon cannot be reached the message says so:
// "libvirtd is not running: Failed to connect socket to ...".
int32_t open_connection(const std::string &uri, Connection *out, berth_error *err);

// Looks a domain up by name; *out stays empty (and BERTH_OK is returned)
// when libvirt has no such domain.
int32_t find_domain(virConnectPtr conn, const std::string &name, Domain *out, berth_error *err);

}  // namespace berth::libvirt
