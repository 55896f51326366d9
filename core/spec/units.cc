#include "spec/units.h"

#include <cctype>
#include <limits>
#include <optional>

#include "spec/spec.h"

namespace berth::spec {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The power of 1024 named by a unit suffix, or -1 when it is not a unit.
int unit_power(std::string_view unit) {
  if (unit.empty()) return 0;
  if (unit == "b" || unit == "B") return 0;
  int power = -1;
  switch (std::tolower(static_cast<unsigned char>(unit[0]))) {
    case 'k':
      power = 1;
      break;
    case 'm':
      power = 2;
      break;
    case 'g':
      power = 3;
      break;
    case 't':
      power = 4;
      break;
    case 'p':
      power = 5;
      break;
    default:
      return -1;
  }
  std::string_view rest = unit.substr(1);
  if (!rest.empty() && (rest[0] == 'i' || rest[0] == 'I')) rest.remove_prefix(1);
  if (!rest.empty() && (rest[0] == 'b' || rest[0] == 'B')) rest.remove_prefix(1);
  return rest.empty() ? power : -1;
}

}  // namespace

SizeResult parse_size_detailed(std::string_view text) {
  using Status = SizeResult::Status;
  constexpr unsigned __int128 kMax = std::numeric_limits<int64_t>::max();
  std::size_t i = 0;
  unsigned __int128 whole = 0;
  bool overflow = false;
  while (i < text.size() && is_digit(text[i])) {
    whole = whole * 10 + static_cast<unsigned>(text[i] - '0');
    if (whole > kMax) overflow = true, whole = kMax + 1;  // keep scanning, remember
    ++i;
  }
  if (i == 0) return {Status::NotASize, 0};
  // Fraction digits as numerator / denominator; more than 18 digits add nothing.
  unsigned __int128 numerator = 0, denominator = 1;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) {
      if (denominator < 1'000'000'000'000'000'000ULL) {
        numerator = numerator * 10 + static_cast<unsigned>(text[i] - '0');
        denominator *= 10;
      }
      ++i;
    }
    if (i == start) return {Status::NotASize, 0};
  }
  if (i < text.size() && text[i] == ' ') ++i;
  const int power = unit_power(text.substr(i));
  if (power < 0) return {Status::NotASize, 0};
  if (overflow) return {Status::Overflow, 0};
  unsigned __int128 multiplier = 1;
  for (int p = 0; p < power; ++p) multiplier *= 1024;
  const unsigned __int128 bytes = whole * multiplier + numerator * multiplier / denominator;
  if (bytes > kMax) return {Status::Overflow, 0};
  return {Status::Ok, static_cast<int64_t>(bytes)};
}

std::optional<int64_t> parse_size(const std::string &text) {
  const SizeResult r = parse_size_detailed(text);
  if (r.status != SizeResult::Status::Ok) return std::nullopt;
  return r.bytes;
}

}  // namespace berth::spec
