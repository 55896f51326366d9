#include "spec/walker.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "spec/suggest.h"

namespace berth::spec {

Walker::Walker(std::string file, std::filesystem::path base_dir)
    : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

void Walker::error(const YAML::Mark &at, const std::string &message) {
  Diagnostic d;
  d.file = file_;
  if (!at.is_null()) {
    d.line = at.line + 1;
    d.column = at.column + 1;
  }
  d.message = message;
  diagnostics_.push_back(std::move(d));
}

void Walker::error(const YAML::Node &at, const std::string &message) {
  error(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), message);
}

void Walker::error(const Field &at, const std::string &message) {
  YAML::Mark mark = at.value.IsDefined() ? at.value.Mark() : YAML::Mark::null_mark();
  // An empty value after `key:` is placed by yaml-cpp at the next token,
  // often on a later line; point at its key instead.
  const bool empty_after_key = at.value.IsNull() && at.anchor.IsScalar();
  if ((mark.is_null() || empty_after_key) && at.anchor.IsDefined()) mark = at.anchor.Mark();
  error(mark, at.path.empty() ? message : at.path + ": " + message);
}

std::vector<Diagnostic> Walker::take_diagnostics() {
  // Report in reading order whatever order the sections were checked in.
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic &a, const Diagnostic &b) {
                     return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                   });
  return std::move(diagnostics_);
}

std::string describe(const YAML::Node &node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar: {
      std::string text = node.Scalar();
      if (text.size() > 40) text = text.substr(0, 37) + "...";
      return "'" + text + "'";
    }
  }
  return "something else";
}

namespace {

std::string join_keys(const std::vector<std::string_view> &keys) {
  std::string out;
  for (std::string_view k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

std::string child_path(const std::string &parent, const std::string &key) {
  return parent.empty() ? key : parent + "." + key;
}

}  // namespace

bool Walker::is_map(const Field &f) {
  if (f.value.IsMap()) return true;
  error(f, "expected a mapping of keys to values, found " + describe(f.value));
  return false;
}

bool Walker::is_list(const Field &f, std::string_view expected) {
  if (f.value.IsSequence()) return true;
  error(f, "expected " + std::string(expected) + ", found " + describe(f.value));
  return false;
}

std::vector<Field> Walker::entries(const Field &map, const std::vector<std::string_view> &allowed) {
  std::vector<Field> out;
  std::map<std::string, int> first_line;
  for (auto it = map.value.begin(); it != map.value.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      error(key, (map.path.empty() ? "" : map.path + ": ") + "a key must be a plain name, found " +
                     describe(key));
      continue;
    }
    const std::string name = key.Scalar();
    const std::string where = map.path.empty() ? "the top level" : map.path;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string message = "unknown key '" + name + "' in " + where;
      if (auto guess = closest(name, allowed)) {
        message += "; did you mean '" + *guess + "'?";
      } else {
        message += "; valid keys are: " + join_keys(allowed);
      }
      error(key, message);
      continue;
    }
    auto [seen, inserted] = first_line.emplace(name, key.Mark().line + 1);
    if (!inserted) {
      error(key, "duplicate key '" + name + "' in " + where + " (first given on line " +
                     std::to_string(seen->second) + ")");
      continue;
    }
    out.push_back(Field{child_path(map.path, name), value, key});
  }
  return out;
}

std::vector<Field> Walker::items(const Field &list) {
  std::vector<Field> out;
  std::size_t index = 0;
  for (const YAML::Node &item : list.value) {
    out.push_back(Field{list.path + "[" + std::to_string(index++) + "]", item, list.value});
  }
  return out;
}

std::optional<std::string> Walker::string(const Field &f, std::string_view expected) {
  if (f.value.IsScalar()) {
    // A "\0" escape in a double-quoted YAML string: the kernel takes every
    // string up to its first NUL, so the rest would be dropped unseen.
    const std::string &text = f.value.Scalar();
    if (const std::size_t nul = text.find('\0'); nul != std::string::npos) {
      error(f, "contains a NUL byte (\\0) at offset " + std::to_string(nul) +
                   "; no argument, variable or path can hold one: remove it");
      return std::nullopt;
    }
    return text;
  }
  error(f, "expected " + std::string(expected) + ", found " + describe(f.value));
  return std::nullopt;
}

std::optional<bool> Walker::boolean(const Field &f) {
  if (f.value.IsScalar()) {
    bool value = false;
    // yaml-cpp knows YAML 1.1's spellings: true/false, yes/no, on/off.
    if (YAML::convert<bool>::decode(f.value, value)) return value;
  }
  error(f, "expected true or false, found " + describe(f.value));
  return std::nullopt;
}

std::optional<int64_t> Walker::integer(const Field &f) {
  if (f.value.IsScalar()) {
    const std::string &text = f.value.Scalar();
    int64_t value = 0;
    const char *begin = text.data();
    const char *end = text.data() + text.size();
    if (begin != end && *begin == '+') ++begin;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec == std::errc() && ptr == end && begin != end) return value;
    if (ec == std::errc::result_out_of_range) {
      error(f, "'" + text + "' is too large for a 64-bit integer");
      return std::nullopt;
    }
  }
  error(f, "expected an integer, found " + describe(f.value));
  return std::nullopt;
}

std::string Walker::resolve(const std::string &path) const {
  std::filesystem::path p(path);
  if (p.is_relative()) p = base_dir_ / p;
  std::string out = p.lexically_normal().string();
  // "/data/" and "/data" are the same directory; keep one spelling.
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace berth::spec
