// The libvirt-lxc domain XML for one berth container: a pure function of
// the spec and a few driver facts, so it can be checked without a daemon.
#pragma once

#include <berth/driver.h>

#include <string>

namespace berth::libvirt {

// Where the driver's own pieces appear inside the container. Both live under
// /dev, which libvirt-lxc mounts as a fresh tmpfs before the <filesystem>
// entries, so the targets are created there and never in the user's rootfs
// (which may be read-only).
inline constexpr const char *kInitDirInContainer = "/dev/.berth-init";
inline constexpr const char *kRunDirInContainer = "/dev/.berth-run";
inline constexpr const char *kInitName = "berth-libvirt-init";
inline constexpr const char *kControlSocketName = "ctl.sock";

struct DomainPlan {
  std::string name;                     // the libvirt domain name
  std::string hostname;                 // hostname set by init (the spec's or default_hostname())
  std::string init_dir;                 // host directory holding berth-libvirt-init
  std::string run_dir;                  // host directory of the control socket (state dir)
  int64_t host_memory_kib = 0;          // the host's RAM: <memory> when the spec sets no limit
  unsigned tty_rows = 0, tty_cols = 0;  // the core's terminal size (tty only)
  uint64_t capabilities = 0;            // what the process keeps (sdk::plan_capabilities)
  bool no_new_privs = true;             // off only when the spec allows new privileges
};

// XML-escapes text for element content and attribute values.
std::string xml_escape(const std::string &s);

// libvirt's name of a capability ("CAP_NET_RAW" -> "net_raw"); empty when
// unknown.
std::string libvirt_cap_name(const std::string &cap);

// Builds the <domain type='lxc'> document. BERTH_E_INVALID for a spec value
// libvirt cannot express.
int32_t build_domain_xml(const berth_spec *spec, const DomainPlan &plan, std::string *out,
                         berth_error *err);

}  // namespace berth::libvirt
