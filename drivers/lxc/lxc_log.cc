#include "lxc_log.hpp"

#include <berth/sdk/file.hpp>
#include <berth/sdk/text.hpp>

#include <algorithm>

namespace berth::lxc {

std::string lxc_errors(const std::string &log_path, long from) {
  std::string text;
  berth_error ignored{};
  if (sdk::read_file(log_path, &text, &ignored) != BERTH_OK) return "";
  if (from > 0) text.erase(0, std::min<size_t>(static_cast<size_t>(from), text.size()));
  std::string joined;
  for (const std::string &line : sdk::split(text, '\n')) {
    bool error =
        line.find(" ERROR ") != std::string::npos || line.find(" CRIT ") != std::string::npos ||
        line.find(" ALERT ") != std::string::npos || line.find(" FATAL ") != std::string::npos;
    if (!error) continue;
    // Skip "... file.c:function:line - " to the message itself.
    // ... or past our own prefix (kBerthErrorPrefix).
    size_t loc = line.rfind(kBerthErrorPrefix, 0) == 0 ? 0 : line.find(".c:");
    size_t dash = loc == std::string::npos ? line.npos : line.find(" - ", loc);
    std::string msg = dash == std::string::npos ? line : line.substr(dash + 3);
    if (joined.find(msg) != std::string::npos) continue;
    joined += (joined.empty() ? "" : "; ") + msg;
  }
  return joined;
}

}  // namespace berth::lxc
