// Small file helpers with berth errors: reading and writing kernel interface
// files (cgroupfs, procfs) and creating directory chains.
#pragma once

#include <berth/driver.h>
#include <sys/types.h>

#include <string>

namespace berth::sdk {

// Reads the whole file. Error: "open(PATH): ..." / "read(PATH): ...".
int32_t read_file(const std::string &path, std::string *out, berth_error *err);

// Writes `data` to an existing file in one write(2), as kernel interface
// files expect. Error: "write(PATH): Device or resource busy".
int32_t write_file(const std::string &path, const std::string &data, berth_error *err);

// Creates a new file (or replaces it) with `data` and mode `mode`.
int32_t create_file(const std::string &path, const std::string &data, mode_t mode,
                    berth_error *err);

// Creates `path` or replaces it atomically: readers in other processes see
// the old content or the new, never half a file. The new content is
// written to a unique PATH.XXXXXX with exactly `mode` and swapped in
// (RENAME_EXCHANGE, then the old content unlinked; a plain rename when
// nothing is there yet). One writer per path: two concurrent writers each
// succeed, but which content stays is not defined. No fsync: state under
// /run describes live processes, which do not survive a crash either.
int32_t replace_file(const std::string &path, const std::string &data, mode_t mode,
                     berth_error *err);

// mkdir -p: creates every missing component; existing directories are fine.
int32_t make_directories(const std::string &path, mode_t mode, berth_error *err);

// True when `path` exists (stat succeeds, following symlinks).
bool path_exists(const std::string &path);

}  // namespace berth::sdk
