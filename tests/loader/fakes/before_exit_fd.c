/* A driver built before exit_fd was appended: its table ends before the
 * member. The pointer set here lies past struct_size and must read as
 * absent (a real old driver has whatever bytes follow its table there). */
#include <stddef.h>

#include "fake_driver.h"

static const berth_driver table = {
    .abi_version = 1,
    .struct_size = offsetof(berth_driver, exit_fd),
    .name = "before_exit_fd",
    .version = "1.0",
    .description = "a fake driver older than exit_fd",
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
