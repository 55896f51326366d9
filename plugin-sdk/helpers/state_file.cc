#include <fcntl.h>
#include <unistd.h>
#include <berth/sdk/error.hpp>
#include <berth/sdk/fd.hpp>
#include <berth/sdk/file.hpp>
#include <berth/sdk/state_file.hpp>

#include <cstdio>

namespace berth::sdk {

namespace {
bool valid_key(const std::string &k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}
}  // namespace

int32_t write_state_file(const std::string &path, const StateValues &values, berth_error *err) {
  std::string text;
  for (const auto &[k, v] : values) {
    if (!valid_key(k))
      return fail(err, BERTH_E_INTERNAL, "state file %s: invalid key '%s'", path.c_str(),
                  k.c_str());
    if (v.find('\n') != std::string::npos)
      return fail(err, BERTH_E_INTERNAL, "state file %s: value of '%s' holds a newline",
                  path.c_str(), k.c_str());
    text += k + "=" + v + "\n";
  }
  // No fsync: the file describes live processes, cgroups and mounts, which
  // do not survive a crash either (the state root is /run), and an fsync on
  // a disk-backed /run costs more than a container's whole set-up.
  return replace_file(path, text, 0600, err);
}

int32_t read_state_file(const std::string &path, StateValues *values, berth_error *err) {
  std::string text;
  if (int32_t rc = read_file(path, &text, err)) {
    if (err && err->sys_errno == ENOENT)
      return fail(err, BERTH_E_NO_CONTAINER, "no state: %s does not exist", path.c_str());
    return rc;
  }
  values->clear();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos)
      return fail(err, BERTH_E_INTERNAL, "state file %s: malformed line '%s'", path.c_str(),
                  line.c_str());
    (*values)[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return BERTH_OK;
}

int32_t state_value(const StateValues &values, const std::string &key, std::string *out,
                    const std::string &path, berth_error *err) {
  auto it = values.find(key);
  if (it == values.end())
    return fail(err, BERTH_E_INTERNAL, "state file %s: no '%s' entry", path.c_str(), key.c_str());
  *out = it->second;
  return BERTH_OK;
}

}  // namespace berth::sdk
