/* The linked library's version. */
#include "ladon/version.h"

const char *ladon_version_string(void) { return LADON_VERSION_STRING; }

unsigned ladon_version_hex(void) { return LADON_VERSION_HEX; }
