// driver_options: per driver, ordered KEY/VALUE pairs passed through as they
// are (a mapping, or a list of "KEY=VALUE").
#include "spec/sections.h"

namespace berth::spec {

namespace {

bool valid_driver_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void walk_one(Walker &w, const Field &f, std::vector<std::pair<std::string, std::string>> &out) {
  if (f.value.IsNull()) return;
  if (f.value.IsMap()) {
    for (const Field &entry : w.entries(f, {})) {
      const std::string &key = entry.anchor.Scalar();
      if (key.empty() || key.find('=') != std::string::npos ||
          key.find('\0') != std::string::npos) {
        // The list form splits at the first '='; a key holding one could
        // not be written back.
        w.error(entry.anchor, f.path + ": '" + key +
                                  "' is not an option name (empty, or with '=' or a NUL byte)");
        continue;
      }
      if (entry.value.IsNull()) {
        out.emplace_back(entry.anchor.Scalar(), "");
        continue;
      }
      if (auto value = w.string(entry, "a plain value (string, number or boolean)")) {
        out.emplace_back(entry.anchor.Scalar(), *value);
      }
    }
    return;
  }
  if (!w.is_list(f, "a mapping of KEY: VALUE or a list of KEY=VALUE strings")) return;
  for (const Field &item : w.items(f)) {
    auto text = w.string(item, "a KEY=VALUE string");
    if (!text) continue;
    const std::size_t eq = text->find('=');
    if (eq == std::string::npos || eq == 0) {
      w.error(item, "'" + *text + "' is not KEY=VALUE");
      continue;
    }
    out.emplace_back(text->substr(0, eq), text->substr(eq + 1));
  }
}

}  // namespace

void walk_driver_options(Walker &w, const Field &f, decltype(Spec::driver_options) &out) {
  if (f.value.IsNull()) return;
  if (!w.is_map(f)) return;
  for (const Field &entry : w.entries(f, {})) {
    const std::string driver = entry.anchor.Scalar();
    if (!valid_driver_name(driver)) {
      w.error(entry.anchor, f.path + ": '" + driver + "' is not a driver name");
      continue;
    }
    std::vector<std::pair<std::string, std::string>> items;
    walk_one(w, entry, items);
    out.emplace_back(driver, std::move(items));
  }
}

}  // namespace berth::spec
