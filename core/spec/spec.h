// The container spec: the parsed, validated and normalized form of a
// `version: 1` YAML document (see ../../README.md "The spec").
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace berth::spec {

enum class Network { None, Host };

struct Mount {
  std::string source;       // absolute host path (relative ones resolved against the spec's folder)
  std::string destination;  // absolute path inside the container
  bool readonly = false;

  friend bool operator==(const Mount &, const Mount &) = default;
};

struct Process {
  std::vector<std::string> args;   // argv; may be empty in a spec that the CLI completes
  std::vector<std::string> env;    // "KEY=VALUE", in order, keys unique
  std::optional<std::string> cwd;  // absolute
  // "UID[:GID]" or "NAME[:GROUP]", resolved later against the rootfs.
  std::optional<std::string> user;
  std::optional<bool> tty;
  std::optional<bool> stdin_open;  // YAML key `stdin`

  friend bool operator==(const Process &, const Process &) = default;
};

struct Resources {
  std::optional<int64_t> memory_bytes;  // "64Mi", "64m", "1G", or a plain byte count
  std::optional<int64_t> cpu_shares;    // > 0
  std::optional<int64_t> pids;          // > 0

  friend bool operator==(const Resources &, const Resources &) = default;
};

struct Capabilities {
  std::vector<std::string> add;  // normalized "CAP_XXX", or "ALL"
  std::vector<std::string> drop;

  friend bool operator==(const Capabilities &, const Capabilities &) = default;
};

// security: the process's privilege posture beyond capabilities.
struct Security {
  // no_new_privs; unset means on (berth is secure by default). false lets
  // setuid binaries (su, sudo) gain privileges again.
  std::optional<bool> no_new_privileges;

  friend bool operator==(const Security &, const Security &) = default;
};

struct Spec {
  int version = 1;
  std::string rootfs;  // absolute path; empty when not given (CLI may supply)
  Process process;
  std::optional<std::string> hostname;
  std::vector<Mount> mounts;
  Resources resources;
  std::optional<Network> network;
  std::optional<Capabilities> capabilities;
  std::optional<bool> readonly_rootfs;
  Security security;
  // driver name -> ordered raw KEY/VALUE items, passed through untouched.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>>
      driver_options;

  friend bool operator==(const Spec &, const Spec &) = default;
};

// One problem found in a document: "FILE:LINE:COL: message".
struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when not tied to a place
  int column = 0;  // 1-based
  std::string message;
  std::string str() const;
};

class SpecError : public std::runtime_error {
 public:
  explicit SpecError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic> &diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Parses and validates a document. `source_name` names it in diagnostics,
// `base_dir` resolves relative paths. Throws SpecError with every problem found.
Spec parse(const std::string &text, const std::string &source_name, const std::string &base_dir);
Spec parse_file(const std::string &path);

// Checks a Spec built or changed in code (e.g. the CLI's flags applied on
// top of a file) by the same rules as a document, and returns it normalized
// (capabilities in kernel spelling, paths lexically normal). Throws
// SpecError whose diagnostics name the field but no line (line 0), with
// `source_name` as their file.
Spec validate(const Spec &spec, const std::string &source_name);

// Sizes: "64Mi", "64m", "1G", "512k", "1048576" (bytes). Returns nullopt on junk.
std::optional<int64_t> parse_size(const std::string &text);

// The normalized YAML form (what `berth spec validate` prints).
std::string to_yaml(const Spec &spec);

}  // namespace berth::spec
