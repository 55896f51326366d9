/* A table whose abi_version is 0, which no core ever spoke. */
#include "fake_driver.h"

static const berth_driver table = {
    .abi_version = 0,
    .struct_size = sizeof(berth_driver),
    .name = "abizero",
    .probe = fake_probe,
    .start = fake_start,
    .wait = fake_wait,
    .kill = fake_kill,
    .state = fake_state,
    .destroy = fake_destroy,
};
FAKE_ENTRY_RETURNING(table)
