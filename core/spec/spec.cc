// Parsing a spec document: YAML syntax, the top-level fields, and reading
// the file. The sections live in process.cc, mounts.cc, resources.cc,
// capabilities.cc and driver_options.cc.
#include "spec/spec.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "spec/sections.h"
#include "spec/walker.h"

namespace berth::spec {

namespace {

const std::vector<std::string_view> kTopLevelKeys = {
    "version",   "rootfs",  "process",      "hostname",        "mounts",
    "resources", "network", "capabilities", "readonly_rootfs", "security", "driver_options"};

// RFC 1123: dot-separated labels of letters, digits and '-', each 1..63
// characters and not starting or ending with '-'; 64 in all (HOST_NAME_MAX).
bool valid_hostname(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = name.find('.', start);
    const std::string_view label = name.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// "/" itself, or a path that leads there (a symbolic link, a bind mount of
// /): running on it would hand the container the host's files.
bool is_host_root(const std::string &path) {
  if (path == "/") return true;
  struct stat root {};
  struct stat at {};
  return ::stat("/", &root) == 0 && ::stat(path.c_str(), &at) == 0 && root.st_dev == at.st_dev &&
         root.st_ino == at.st_ino;
}

void walk_version(Walker &w, const Field &f, Spec &out) {
  auto version = w.integer(f);
  if (!version) return;
  if (*version != 1) {
    w.error(f, "unsupported version " + std::to_string(*version) +
                   "; this berth reads version 1 (write version: 1)");
    return;
  }
  out.version = 1;
}

void walk_top(Walker &w, const YAML::Node &doc, Spec &out) {
  const Field top{"", doc, doc};
  if (doc.IsNull() || !doc.IsDefined()) {
    w.error(YAML::Mark::null_mark(), "the document is empty; a spec needs at least 'version: 1'");
    return;
  }
  if (!doc.IsMap()) {
    w.error(doc,
            "the document must be a mapping of spec fields (version, rootfs, process, ...), "
            "found " +
                describe(doc));
    return;
  }
  bool have_version = false;
  for (const Field &entry : w.entries(top, kTopLevelKeys)) {
    const std::string key = entry.anchor.Scalar();
    if (key == "version") {
      have_version = true;
      walk_version(w, entry, out);
    } else if (key == "rootfs") {
      auto rootfs = w.string(entry, "a directory path");
      if (!rootfs) continue;
      if (rootfs->empty()) {
        w.error(entry,
                "empty path; give the root filesystem's directory or leave rootfs out "
                "and pass --rootfs");
        continue;
      }
      out.rootfs = w.resolve(*rootfs);
      if (is_host_root(out.rootfs)) {
        w.error(entry, "'" + *rootfs + "' is the host's own root directory" +
                           (out.rootfs == "/" ? "" : " (" + out.rootfs + " leads to /)") +
                           "; a container needs a root filesystem of its own (scripts/"
                           "make-rootfs.sh DIR builds a busybox one)");
        out.rootfs.clear();
      }
    } else if (key == "process") {
      walk_process(w, entry, out.process);
    } else if (key == "hostname") {
      auto hostname = w.string(entry, "a host name");
      if (!hostname) continue;
      if (!valid_hostname(*hostname)) {
        w.error(entry, "'" + *hostname + "' is not a valid host name; use letters, digits and " +
                           "'-' in dot-separated labels, 64 characters at most, e.g. web-1");
        continue;
      }
      out.hostname = *hostname;
    } else if (key == "mounts") {
      walk_mounts(w, entry, out.mounts);
    } else if (key == "resources") {
      walk_resources(w, entry, out.resources);
    } else if (key == "network") {
      auto network = w.string(entry, "none or host");
      if (!network) continue;
      if (*network == "none") {
        out.network = Network::None;
      } else if (*network == "host") {
        out.network = Network::Host;
      } else {
        w.error(entry, "'" + *network + "' is not a network mode; use one of: none, host");
      }
    } else if (key == "capabilities") {
      Capabilities caps;
      walk_capabilities(w, entry, caps);
      out.capabilities = std::move(caps);
    } else if (key == "readonly_rootfs") {
      out.readonly_rootfs = w.boolean(entry);
    } else if (key == "security") {
      walk_security(w, entry, out.security);
    } else if (key == "driver_options") {
      walk_driver_options(w, entry, out.driver_options);
    }
  }
  if (!have_version) {
    w.error(doc, "missing 'version'; start the spec with 'version: 1'");
  }
}

// Closes the descriptor on every path out of read_all().
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string read_all(const std::string &path) {
  auto fail = [&](const char *step) {
    const int err = errno;
    throw SpecError({Diagnostic{
        path, 0, 0, std::string("cannot ") + step + " the spec file: " + std::strerror(err)}});
  };
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) fail("open");
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(file.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("read");
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace

Spec parse(const std::string &text, const std::string &source_name, const std::string &base_dir) {
  std::filesystem::path base =
      base_dir.empty() ? std::filesystem::current_path() : std::filesystem::absolute(base_dir);
  Walker w(source_name, base.lexically_normal());
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::ParserException &e) {
    w.error(e.mark, "YAML syntax error: " + e.msg);
    throw SpecError(w.take_diagnostics());
  }
  Spec out;
  if (docs.size() > 1) {
    w.error(docs[1],
            "more than one YAML document; a spec file holds exactly one (remove the "
            "second '---')");
  }
  walk_top(w, docs.empty() ? YAML::Node() : docs[0], out);
  std::vector<Diagnostic> problems = w.take_diagnostics();
  if (!problems.empty()) throw SpecError(std::move(problems));
  return out;
}

Spec validate(const Spec &spec, const std::string &source_name) {
  // to_yaml and parse are inverse on valid specs, so a round trip applies
  // every document rule; the lines of the generated text mean nothing to
  // the user and are dropped.
  try {
    return parse(to_yaml(spec), source_name, "/");
  } catch (const SpecError &e) {
    std::vector<Diagnostic> problems = e.diagnostics();
    for (Diagnostic &d : problems) d.line = d.column = 0;
    throw SpecError(std::move(problems));
  }
}

Spec parse_file(const std::string &path) {
  const std::string text = read_all(path);
  const std::filesystem::path folder = std::filesystem::absolute(path).parent_path();
  return parse(text, path, folder.string());
}

}  // namespace berth::spec
