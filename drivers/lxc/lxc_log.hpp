// LXC's own words about a failure. The monitor process points liblxc's log
// at a file in the state directory (level ERROR); this turns its lines
//   "berth-lxc NAME 2026... ERROR confile - ../src/lxc/confile.c:fn:164 - Invalid argument - ..."
// into "Invalid argument - ..." joined by "; ".
#pragma once

#include <string>

namespace berth::lxc {

// How the monitor's own steps (before LXC runs) log an error line there.
constexpr const char *kBerthErrorPrefix = "berth-lxc ERROR - ";

// The messages of the ERROR (and worse) lines from byte `from` on; empty
// when there are none or the file cannot be read.
std::string lxc_errors(const std::string &log_path, long from = 0);

}  // namespace berth::lxc
