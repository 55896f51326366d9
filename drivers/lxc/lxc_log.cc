#include "lxc_log.hpp"

#include <fstream>
#include <sstream>

namespace berth::lxc {

std::string lxc_errors(const std::string &log_path, long from) {
  std::ifstream in(log_path);
  if (!in) return "";
  in.seekg(from);
  std::string line, joined;
  while (std::getline(in, line)) {
    bool error =
        line.find(" ERROR ") != std::string::npos || line.find(" CRIT ") != std::string::npos ||
        line.find(" ALERT ") != std::string::npos || line.find(" FATAL ") != std::string::npos;
    if (!error) continue;
    // Skip "... file.c:function:line - " to the message itself.
    size_t loc = line.find(".c:");
    size_t dash = loc == std::string::npos ? line.npos : line.find(" - ", loc);
    std::string msg = dash == std::string::npos ? line : line.substr(dash + 3);
    if (joined.find(msg) != std::string::npos) continue;
    joined += (joined.empty() ? "" : "; ") + msg;
  }
  return joined;
}

}  // namespace berth::lxc
