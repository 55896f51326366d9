// Splitting and number parsing for the small text files drivers read
// (/proc, cgroupfs, state files). Plain string code on purpose: iostreams
// would link libstdc++'s locale machinery into every driver, and its
// initialisation into every dlopen of one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::sdk {

// Fields between separators, as std::getline yields them: empty fields in
// the middle are kept, a trailing empty one (text ending in `sep`) is not.
std::vector<std::string> split(std::string_view text, char sep);

// Whitespace-separated words (spaces, tabs, newlines), empty ones dropped.
std::vector<std::string> words(std::string_view text);

// A whole decimal integer (optional leading '-'); false on anything else.
bool parse_int64(std::string_view text, int64_t *out);

}  // namespace berth::sdk
