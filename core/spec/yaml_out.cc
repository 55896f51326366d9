// to_yaml: the normalized document (absolute paths, sizes in bytes, kernel
// capability names), fields in a fixed order and only those that are set,
// so that parse(to_yaml(s)) == s.
#include <yaml-cpp/yaml.h>

#include "spec/spec.h"

namespace berth::spec {

namespace {

// Strings the reader would take for "no value" must be quoted; the emitter
// already quotes whatever would not read back as the same text.
YAML::Emitter &text(YAML::Emitter &out, const std::string &value) {
  if (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL") {
    return out << YAML::DoubleQuoted << value;
  }
  return out << value;
}

void strings(YAML::Emitter &out, const std::vector<std::string> &values, bool flow) {
  out << (flow ? YAML::Flow : YAML::Block) << YAML::BeginSeq;
  for (const std::string &v : values) text(out, v);
  out << YAML::EndSeq;
}

void process(YAML::Emitter &out, const Process &p) {
  if (p == Process{}) return;
  out << YAML::Key << "process" << YAML::Value << YAML::BeginMap;
  if (!p.args.empty()) {
    out << YAML::Key << "args" << YAML::Value;
    strings(out, p.args, true);
  }
  if (!p.env.empty()) {
    out << YAML::Key << "env" << YAML::Value;
    strings(out, p.env, false);
  }
  if (p.cwd) text(out << YAML::Key << "cwd" << YAML::Value, *p.cwd);
  // Quoted: YAML 1.1 readers take a plain 1000:1000 for a base-60 number.
  if (p.user) out << YAML::Key << "user" << YAML::Value << YAML::DoubleQuoted << *p.user;
  if (p.tty) out << YAML::Key << "tty" << YAML::Value << *p.tty;
  if (p.stdin_open) out << YAML::Key << "stdin" << YAML::Value << *p.stdin_open;
  out << YAML::EndMap;
}

void mounts(YAML::Emitter &out, const std::vector<Mount> &ms) {
  if (ms.empty()) return;
  out << YAML::Key << "mounts" << YAML::Value << YAML::BeginSeq;
  for (const Mount &m : ms) {
    out << YAML::BeginMap;
    text(out << YAML::Key << "source" << YAML::Value, m.source);
    text(out << YAML::Key << "destination" << YAML::Value, m.destination);
    if (m.readonly) out << YAML::Key << "readonly" << YAML::Value << true;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void resources(YAML::Emitter &out, const Resources &r) {
  if (r == Resources{}) return;
  out << YAML::Key << "resources" << YAML::Value << YAML::BeginMap;
  if (r.memory_bytes) out << YAML::Key << "memory" << YAML::Value << *r.memory_bytes;
  if (r.cpu_shares) out << YAML::Key << "cpu_shares" << YAML::Value << *r.cpu_shares;
  if (r.pids) out << YAML::Key << "pids" << YAML::Value << *r.pids;
  out << YAML::EndMap;
}

void capabilities(YAML::Emitter &out, const std::optional<Capabilities> &c) {
  if (!c) return;
  out << YAML::Key << "capabilities" << YAML::Value << YAML::BeginMap;
  if (!c->add.empty()) {
    out << YAML::Key << "add" << YAML::Value;
    strings(out, c->add, true);
  }
  if (!c->drop.empty()) {
    out << YAML::Key << "drop" << YAML::Value;
    strings(out, c->drop, true);
  }
  out << YAML::EndMap;
}

void driver_options(YAML::Emitter &out, const decltype(Spec::driver_options) &options) {
  if (options.empty()) return;
  out << YAML::Key << "driver_options" << YAML::Value << YAML::BeginMap;
  for (const auto &[driver, items] : options) {
    // A list keeps repeated keys and their order, which a mapping could not.
    out << YAML::Key << driver << YAML::Value << YAML::BeginSeq;
    for (const auto &[key, value] : items) text(out, key + "=" + value);
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

}  // namespace

std::string to_yaml(const Spec &spec) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "version" << YAML::Value << spec.version;
  if (!spec.rootfs.empty()) text(out << YAML::Key << "rootfs" << YAML::Value, spec.rootfs);
  process(out, spec.process);
  if (spec.hostname) text(out << YAML::Key << "hostname" << YAML::Value, *spec.hostname);
  mounts(out, spec.mounts);
  resources(out, spec.resources);
  if (spec.network) {
    out << YAML::Key << "network" << YAML::Value
        << (*spec.network == Network::Host ? "host" : "none");
  }
  capabilities(out, spec.capabilities);
  if (spec.readonly_rootfs)
    out << YAML::Key << "readonly_rootfs" << YAML::Value << *spec.readonly_rootfs;
  if (spec.security.no_new_privileges) {
    out << YAML::Key << "security" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "no_new_privileges" << YAML::Value << *spec.security.no_new_privileges;
    out << YAML::EndMap;
  }
  driver_options(out, spec.driver_options);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace berth::spec
