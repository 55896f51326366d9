/* Declares the pids-listing feature but has no pids call. */
#include "fake_driver.h"

static const berth_driver table = {
    .abi_version = 1,
    .struct_size = sizeof(berth_driver),
    .name = "nopids",
    .features = BERTH_FEATURE_PIDS_LISTING,
    .probe = fake_probe,
    .start = fake_start,
    .wait = fake_wait,
    .kill = fake_kill,
    .pids = NULL,
    .state = fake_state,
    .destroy = fake_destroy,
};
FAKE_ENTRY_RETURNING(table)
