/* Declares a table shorter than the version-1 table (it ends before the
 * lifecycle calls). */
#include <stddef.h>

#include "fake_driver.h"

static const berth_driver table = {
    .abi_version = 1,
    .struct_size = offsetof(berth_driver, probe),
    .name = "short",
};
FAKE_ENTRY_RETURNING(table)
