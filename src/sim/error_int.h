/* Internal helpers for filling a ladon_error. */
#ifndef LADON_SIM_ERROR_INT_H
#define LADON_SIM_ERROR_INT_H

#include "ladon/error.h"

/*
** Fills `err` (which may be NULL) with `code`, `file` (may be NULL), the
** 1-based `line` and `column` (0 = unknown) and a printf-style message.
** Returns `code` so callers can `return ladon__error_set(...)`.
*/
ladon_status ladon__error_set(ladon_error *err, ladon_status code,
                              const char *file, int line, int column,
                              const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif
