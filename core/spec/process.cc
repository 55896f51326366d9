// process: {args, env, cwd, user, tty, stdin}.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "spec/sections.h"

namespace berth::spec {

namespace {

// The shell's rule for names: letters, digits and _, not starting with a digit.
bool valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

const char *kEnvNameRule = "letters, digits and _, not starting with a digit";

// The kernel's limits on what execve(2) takes, checked here once for every
// driver (each would otherwise fail in its own way, or not say why).
// MAX_ARG_STRLEN: one string with its NUL, 32 pages.
std::size_t max_arg_strlen() {
  long page = ::sysconf(_SC_PAGESIZE);
  return static_cast<std::size_t>(page > 0 ? page : 4096) * 32;
}

// All strings and their pointers: a quarter of the stack limit, at most
// three quarters of 8 MiB, at least ARG_MAX (128 KiB): fs/exec.c,
// bprm_stack_limits().
std::size_t exec_size_limit() {
  constexpr std::size_t kArgMax = 128 * 1024, kCap = 6 * 1024 * 1024;
  rlimit stack{};
  std::size_t quarter = kCap;
  if (::getrlimit(RLIMIT_STACK, &stack) == 0 && stack.rlim_cur != RLIM_INFINITY)
    quarter = static_cast<std::size_t>(stack.rlim_cur / 4);
  return std::max(std::min(quarter, kCap), kArgMax);
}

// Room kept for what berth and the drivers add to the process: PATH, HOME,
// HOSTNAME, TERM, an init's own arguments, the program's path.
constexpr std::size_t kExecReserve = 4096;

// One argument or variable longer than the kernel takes.
bool too_long(Walker &w, const Field &item, const std::string &text, const char *what) {
  if (text.size() < max_arg_strlen()) return false;
  w.error(item, std::to_string(text.size()) + " bytes; the kernel takes at most " +
                    std::to_string(max_arg_strlen() - 1) + " bytes in one " + what +
                    " (MAX_ARG_STRLEN, " + std::to_string(max_arg_strlen() / 1024) +
                    " KiB with its NUL): pass large data in a file (a bind mount) instead");
  return true;
}

void check_exec_size(Walker &w, const Field &f, const Process &p) {
  std::size_t total = (std::max<std::size_t>(p.args.size(), 1) + p.env.size()) * sizeof(char *);
  for (const auto *list : {&p.args, &p.env})
    for (const std::string &s : *list) total += s.size() + 1;
  const std::size_t limit = exec_size_limit();
  if (total + kExecReserve <= limit) return;
  w.error(f, "args and env take " + std::to_string(total) +
                 " bytes (strings and pointers); the kernel starts a program with at most " +
                 std::to_string(limit) +
                 " here (ARG_MAX: a quarter of the stack limit, `ulimit -s`, at most 6 MiB), of "
                 "which berth keeps " +
                 std::to_string(kExecReserve) +
                 " for what it adds: shorten them or pass the data in a file (a bind mount)");
}

// A user or group part: a numeric id below 2^32-1, or a name such as
// "www-data" (resolved against the rootfs later).
bool valid_id_or_name(std::string_view part) {
  if (part.empty()) return false;
  if (part[0] >= '0' && part[0] <= '9') {
    uint32_t id = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), id);
    return ec == std::errc() && ptr == part.data() + part.size() && id != UINT32_MAX;
  }
  if (part[0] == '-') return false;
  for (char c : part) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == '$';
    if (!ok) return false;
  }
  return true;
}

// The hint for `args: /bin/sh -c ls`: the same words as a list.
std::string as_list_hint(const std::string &text) {
  if (text.find_first_of("\"'\\") != std::string::npos) return "[/bin/sh, -c, 'echo hi']";
  std::string out = "[";
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = text.find_first_not_of(" \t", pos);
    if (start == std::string::npos) break;
    const std::size_t end = std::min(text.find_first_of(" \t", start), text.size());
    if (out.size() > 1) out += ", ";
    out += text.substr(start, end - start);
    pos = end;
  }
  return out + "]";
}

void walk_args(Walker &w, const Field &f, std::vector<std::string> &out) {
  if (f.value.IsScalar()) {
    w.error(f, "expected a list of strings, found a single string '" + f.value.Scalar() +
                   "'; a string is not split into words, write the command as a list: " +
                   as_list_hint(f.value.Scalar()));
    return;
  }
  if (!w.is_list(f, "a list of strings")) return;
  if (f.value.size() == 0) {
    w.error(f,
            "the list is empty; name the program to run and its arguments, e.g. [/bin/sh, "
            "-c, 'echo hi'], or leave args out and give the command on the command line");
    return;
  }
  for (const Field &item : w.items(f)) {
    auto arg = w.string(item, "a string");
    if (!arg) continue;
    if (out.empty() && arg->empty()) {
      w.error(item, "the program name is empty");
      continue;
    }
    if (too_long(w, item, *arg, "argument")) continue;
    out.push_back(*arg);
  }
}

void walk_env(Walker &w, const Field &f, std::vector<std::string> &out) {
  if (f.value.IsNull()) return;
  if (f.value.IsMap()) {
    // The walker already refuses duplicate keys in a mapping.
    for (const Field &entry : w.entries(f, {})) {
      const std::string name = entry.anchor.Scalar();
      if (!valid_env_name(name)) {
        w.error(entry.anchor,
                f.path + ": '" + name + "' is not a valid variable name (" + kEnvNameRule + ")");
        continue;
      }
      if (entry.value.IsNull()) {
        w.error(entry, "no value; write " + name + ": \"\" for an empty one");
        continue;
      }
      auto value = w.string(entry, "a string value");
      if (!value) continue;
      std::string kv = name + "=" + *value;
      if (!too_long(w, entry, kv, "variable (NAME=VALUE)")) out.push_back(std::move(kv));
    }
    return;
  }
  if (!w.is_list(f, "a list of KEY=VALUE strings or a mapping of KEY: VALUE")) return;
  std::map<std::string, int> first_line;
  for (const Field &item : w.items(f)) {
    auto text = w.string(item, "a KEY=VALUE string");
    if (!text) continue;
    const std::size_t eq = text->find('=');
    if (eq == std::string::npos) {
      w.error(item, "'" + *text + "' is not KEY=VALUE; write " + *text + "=VALUE (or " + *text +
                        "= for an empty value)");
      continue;
    }
    const std::string name = text->substr(0, eq);
    if (!valid_env_name(name)) {
      w.error(item, "'" + name + "' is not a valid variable name (" + kEnvNameRule + ")");
      continue;
    }
    auto [seen, inserted] = first_line.emplace(name, item.value.Mark().line + 1);
    if (!inserted) {
      w.error(item, "duplicate variable '" + name + "' (first set on line " +
                        std::to_string(seen->second) + ")");
      continue;
    }
    if (too_long(w, item, *text, "variable (NAME=VALUE)")) continue;
    out.push_back(*text);
  }
}

}  // namespace

void walk_process(Walker &w, const Field &f, Process &out) {
  if (f.value.IsNull()) return;
  if (!w.is_map(f)) return;
  for (const Field &entry : w.entries(f, {"args", "env", "cwd", "user", "tty", "stdin"})) {
    const std::string key = entry.anchor.Scalar();
    if (key == "args") {
      walk_args(w, entry, out.args);
    } else if (key == "env") {
      walk_env(w, entry, out.env);
    } else if (key == "cwd") {
      auto cwd = w.string(entry, "an absolute path");
      if (!cwd) continue;
      if (cwd->empty() || (*cwd)[0] != '/') {
        w.error(entry, "'" + *cwd + "' is not absolute; give the working directory inside the " +
                           "container starting with /, e.g. /" + *cwd);
        continue;
      }
      out.cwd = *cwd;
    } else if (key == "user") {
      auto user = w.string(entry, "UID[:GID] or NAME[:GROUP]");
      if (!user) continue;
      const std::size_t colon = user->find(':');
      const bool ok = colon == std::string::npos
                          ? valid_id_or_name(*user)
                          : valid_id_or_name(std::string_view(*user).substr(0, colon)) &&
                                valid_id_or_name(std::string_view(*user).substr(colon + 1));
      if (!ok) {
        w.error(entry, "'" + *user + "' is not UID[:GID] or NAME[:GROUP]; e.g. 1000, " +
                           "\"1000:1000\" or nobody:nogroup");
        continue;
      }
      out.user = *user;
    } else if (key == "tty") {
      out.tty = w.boolean(entry);
    } else if (key == "stdin") {
      out.stdin_open = w.boolean(entry);
    }
  }
  check_exec_size(w, f, out);
}

}  // namespace berth::spec
