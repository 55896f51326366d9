// Byte sizes with docker's binary units ("64Mi", "64m", "1G", "512k").
#pragma once

#include <cstdint>
#include <string_view>

namespace berth::spec {

struct SizeResult {
  enum class Status { Ok, NotASize, Overflow } status = Status::NotASize;
  int64_t bytes = 0;
};

// k/K/Ki/KB/KiB = 1024, m/M/Mi/MB/MiB = 1024^2, g = 1024^3, t = 1024^4,
// p = 1024^5; an optional "b"/"B"; one optional space before the unit;
// a decimal fraction is allowed ("1.5G") and rounded down to whole bytes.
SizeResult parse_size_detailed(std::string_view text);

}  // namespace berth::spec
