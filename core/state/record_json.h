// A container's record as the text of its state.json, and back. Reading
// never gives up on damage: a truncated, garbled or wrongly typed file
// yields every field that could still be read, and says what could not.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "state/store.h"

namespace berth::state {

std::string record_to_text(const Record &r);

// The record in state.json's `text`, for the container directory `id` (the
// id is the directory's name, whatever the text says). Fields that cannot
// be read keep their defaults and are listed in r.unreadable; r.damage says
// why in a line ("" when the record is whole).
Record record_from_text(const std::string &text, const std::string &id);

// The fields of `r` that were read (all of them for a whole record), plus
// "damage" when it is damaged: what `berth inspect` shows.
nlohmann::json record_view(const Record &r);

}  // namespace berth::state
