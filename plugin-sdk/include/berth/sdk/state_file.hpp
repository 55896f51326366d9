// A driver's per-container state: a small key=value text file in the state
// dir, written atomically (temp file, rename) so a reader in another
// process never sees half of it. Not fsynced: it describes live processes.
#pragma once

#include <berth/driver.h>

#include <map>
#include <string>

namespace berth::sdk {

using StateValues = std::map<std::string, std::string>;

// Keys: [A-Za-z0-9_.-]+; values: any text without a newline.
int32_t write_state_file(const std::string &path, const StateValues &values, berth_error *err);

// BERTH_E_NO_CONTAINER when the file does not exist.
int32_t read_state_file(const std::string &path, StateValues *values, berth_error *err);

// Looks up a key; BERTH_E_INTERNAL naming the file and key when missing.
int32_t state_value(const StateValues &values, const std::string &key, std::string *out,
                    const std::string &path, berth_error *err);

}  // namespace berth::sdk
