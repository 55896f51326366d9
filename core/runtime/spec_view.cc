#include "runtime/spec_view.h"

namespace berth::runtime {

std::vector<const char *> SpecView::pointers(const std::vector<std::string> &strings) {
  std::vector<const char *> out;
  out.reserve(strings.size());
  for (const auto &s : strings) out.push_back(s.c_str());
  return out;
}

SpecView::SpecView(const spec::Spec &spec, const ResolvedProcess &process,
                   const std::string &driver_name,
                   const std::vector<std::pair<std::string, std::string>> &extra_options)
    : args_(spec.process.args),
      env_(process.env),
      rootfs_(spec.rootfs),
      cwd_(process.cwd),
      hostname_(spec.hostname.value_or("")),
      gids_(process.additional_gids) {
  if (spec.capabilities) {
    cap_add_ = spec.capabilities->add;
    cap_drop_ = spec.capabilities->drop;
  }
  args_ptr_ = pointers(args_);
  env_ptr_ = pointers(env_);
  cap_add_ptr_ = pointers(cap_add_);
  cap_drop_ptr_ = pointers(cap_drop_);

  mounts_.reserve(spec.mounts.size());
  for (const auto &m : spec.mounts) {
    mounts_.push_back(berth_mount{m.source.c_str(), m.destination.c_str(),
                                  m.readonly ? BERTH_MOUNT_READONLY : 0u});
  }
  for (const auto &[driver, items] : spec.driver_options) {
    if (driver != driver_name) continue;
    options_.insert(options_.end(), items.begin(), items.end());
  }
  options_.insert(options_.end(), extra_options.begin(), extra_options.end());
  for (const auto &[k, v] : options_)
    options_view_.push_back(berth_key_value{k.c_str(), v.c_str()});

  view_.struct_size = sizeof(view_);
  view_.rootfs = rootfs_.c_str();
  view_.args = args_ptr_.data();
  view_.args_count = static_cast<uint32_t>(args_ptr_.size());
  view_.env = env_ptr_.data();
  view_.env_count = static_cast<uint32_t>(env_ptr_.size());
  view_.cwd = cwd_.c_str();
  view_.uid = process.uid;
  view_.gid = process.gid;
  view_.additional_gids = gids_.data();
  view_.additional_gids_count = static_cast<uint32_t>(gids_.size());
  view_.user_set = process.user_set ? 1 : 0;
  view_.tty = spec.process.tty.value_or(false) ? 1 : 0;
  view_.stdin_open = spec.process.stdin_open.value_or(false) ? 1 : 0;
  view_.readonly_rootfs = spec.readonly_rootfs.value_or(false) ? 1 : 0;
  view_.hostname = spec.hostname ? hostname_.c_str() : nullptr;
  view_.mounts = mounts_.data();
  view_.mounts_count = static_cast<uint32_t>(mounts_.size());
  view_.network = !spec.network                          ? BERTH_NETWORK_UNSET
                  : *spec.network == spec::Network::None ? BERTH_NETWORK_NONE
                                                         : BERTH_NETWORK_HOST;
  view_.memory_bytes = spec.resources.memory_bytes.value_or(0);
  view_.cpu_shares = spec.resources.cpu_shares.value_or(0);
  view_.pids_limit = spec.resources.pids.value_or(0);
  view_.cap_add = cap_add_ptr_.data();
  view_.cap_add_count = static_cast<uint32_t>(cap_add_ptr_.size());
  view_.cap_drop = cap_drop_ptr_.data();
  view_.cap_drop_count = static_cast<uint32_t>(cap_drop_ptr_.size());
  view_.driver_options = options_view_.data();
  view_.driver_options_count = static_cast<uint32_t>(options_view_.size());
  view_.security_flags =
      spec.security.no_new_privileges.value_or(true) ? 0u : BERTH_SECURITY_ALLOW_NEW_PRIVS;
}

}  // namespace berth::runtime
