/* A name --exec-driver could not take. */
#include "fake_driver.h"

static const berth_driver table = FAKE_TABLE("Bad Name");
FAKE_ENTRY_RETURNING(table)
