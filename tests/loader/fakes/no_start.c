/* A required call (start) is missing. */
#include "fake_driver.h"

static const berth_driver table = {
    .abi_version = 1,
    .struct_size = sizeof(berth_driver),
    .name = "nostart",
    .probe = fake_probe,
    .start = NULL,
    .wait = fake_wait,
    .kill = fake_kill,
    .state = fake_state,
    .destroy = fake_destroy,
};
FAKE_ENTRY_RETURNING(table)
