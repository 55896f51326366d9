// The document walker: collects every problem as a Diagnostic (never stops
// at the first) and offers the typed reads the sections share.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/spec.h"

namespace berth::spec {

// One value in the document with the dotted path that names it in messages
// ("process.args", "mounts[1].destination"). `anchor` is where to point when
// the value itself has no position (an empty value after `key:`).
struct Field {
  std::string path;
  YAML::Node value;
  YAML::Node anchor;
};

class Walker {
 public:
  Walker(std::string file, std::filesystem::path base_dir);

  void error(const Field &at, const std::string &message);  // "path: message"
  void error(const YAML::Node &at, const std::string &message);
  void error(const YAML::Mark &at, const std::string &message);
  std::vector<Diagnostic> take_diagnostics();

  // The entries of a mapping, in document order. Reports keys that are not
  // plain scalars, duplicates, and (when `allowed` is not empty) unknown keys
  // with the closest allowed key. Only good entries are returned.
  std::vector<Field> entries(const Field &map, const std::vector<std::string_view> &allowed);
  // The items of a list, each with path "path[i]".
  std::vector<Field> items(const Field &list);

  // Shape checks: report "expected X, found Y" and return false on mismatch.
  bool is_map(const Field &f);
  bool is_list(const Field &f, std::string_view expected = "a list");

  // Scalar reads; nullopt after reporting the problem.
  std::optional<std::string> string(const Field &f, std::string_view expected = "a string");
  std::optional<bool> boolean(const Field &f);
  std::optional<int64_t> integer(const Field &f);

  // An absolute, lexically normal path; relative ones are taken from the
  // spec's folder.
  std::string resolve(const std::string &path) const;

 private:
  std::string file_;
  std::filesystem::path base_dir_;
  std::vector<Diagnostic> diagnostics_;
};

// "a list", "a mapping", "'text'" or "nothing": what was found instead.
std::string describe(const YAML::Node &node);

}  // namespace berth::spec
