/* Valid, but named "fake" like fake.so: the second one found is refused. */
#include "fake_driver.h"

static const berth_driver table = FAKE_TABLE("fake");
FAKE_ENTRY_RETURNING(table)
