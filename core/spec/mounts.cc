// mounts: a list of {source, destination, readonly} or docker's short
// "SRC:DST[:ro|rw]" strings.
#include "spec/sections.h"

namespace berth::spec {

namespace {

// Shared by both forms: resolves the source and checks the destination.
bool finish(Walker &w, const Field &at_source, const Field &at_destination, Mount &m) {
  bool ok = true;
  if (m.source.empty()) {
    w.error(at_source, "the source is empty; give a host path (relative ones are taken from " +
                           std::string("the spec's folder)"));
    ok = false;
  } else {
    m.source = w.resolve(m.source);
  }
  if (m.destination.empty() || m.destination[0] != '/') {
    w.error(at_destination, "'" + m.destination + "' is not absolute; give the path inside the " +
                                "container starting with /, e.g. /" + m.destination);
    ok = false;
  } else {
    std::string d = std::filesystem::path(m.destination).lexically_normal().string();
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    m.destination = d;
  }
  return ok;
}

void walk_short(Walker &w, const Field &f, std::vector<Mount> &out) {
  const std::string text = f.value.Scalar();
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  const char *form = "; write SOURCE:DESTINATION[:ro|rw], e.g. ./data:/data:ro";
  if (parts.size() < 2 || parts.size() > 3) {
    w.error(f, "'" + text + "' is not a mount" + form);
    return;
  }
  Mount m;
  m.source = parts[0];
  m.destination = parts[1];
  if (parts.size() == 3) {
    if (parts[2] == "ro") {
      m.readonly = true;
    } else if (parts[2] != "rw") {
      w.error(f, "unknown mount option '" + parts[2] + "' in '" + text + "'; use ro or rw");
      return;
    }
  }
  if (finish(w, f, f, m)) out.push_back(std::move(m));
}

void walk_long(Walker &w, const Field &f, std::vector<Mount> &out) {
  Mount m;
  Field source{f.path + ".source", YAML::Node(), f.value};
  Field destination{f.path + ".destination", YAML::Node(), f.value};
  bool have_source = false, have_destination = false, ok = true;
  for (const Field &entry : w.entries(f, {"source", "destination", "readonly"})) {
    const std::string key = entry.anchor.Scalar();
    if (key == "readonly") {
      if (auto ro = w.boolean(entry))
        m.readonly = *ro;
      else
        ok = false;
      continue;
    }
    auto value = w.string(entry, "a path");
    if (!value) {
      ok = false;
      continue;
    }
    if (key == "source") {
      m.source = *value, source = entry, have_source = true;
    } else {
      m.destination = *value, destination = entry, have_destination = true;
    }
  }
  if (!have_source) w.error(f, "missing 'source' (the host path to mount)");
  if (!have_destination) w.error(f, "missing 'destination' (the absolute path in the container)");
  if (!have_source || !have_destination || !ok) return;
  if (finish(w, source, destination, m)) out.push_back(std::move(m));
}

}  // namespace

void walk_mounts(Walker &w, const Field &f, std::vector<Mount> &out) {
  if (f.value.IsNull()) return;
  if (!w.is_list(f, "a list of mounts")) return;
  for (const Field &item : w.items(f)) {
    if (item.value.IsScalar()) {
      walk_short(w, item, out);
    } else if (item.value.IsMap()) {
      walk_long(w, item, out);
    } else {
      w.error(item, "expected {source: ..., destination: ..., readonly: ...} or " +
                        std::string("\"SOURCE:DESTINATION[:ro]\", found ") + describe(item.value));
    }
  }
}

}  // namespace berth::spec
