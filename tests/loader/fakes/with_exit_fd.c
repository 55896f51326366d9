/* A valid driver with the optional exit_fd call. */
#include "fake_driver.h"

static const berth_driver table = {
    .abi_version = 1,
    .struct_size = sizeof(berth_driver),
    .name = "with_exit_fd",
    .version = "1.0",
    .description = "a fake driver with exit_fd",
    .features = BERTH_FEATURE_PIDS_LISTING,
    .default_network = BERTH_NETWORK_NONE,
    .probe = fake_probe,
    .start = fake_start,
    .wait = fake_wait,
    .kill = fake_kill,
    .pids = fake_pids,
    .state = fake_state,
    .destroy = fake_destroy,
    .exit_fd = fake_exit_fd,
};
FAKE_ENTRY_RETURNING(table)
