/* A valid driver named "fake". */
#include "fake_driver.h"

static const berth_driver table = FAKE_TABLE("fake");
FAKE_ENTRY_RETURNING(table)
