// "Did you mean ...?" for misspelled keys and names.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::spec {

// Optimal-string-alignment distance (Levenshtein plus adjacent swaps),
// case-insensitive: "memroy" is one edit from "memory".
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible
// typo (a third of the word, at least 2 edits, never the whole word).
std::optional<std::string> closest(std::string_view word,
                                   const std::vector<std::string_view> &candidates);

}  // namespace berth::spec
