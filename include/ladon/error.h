/*
** Errors: one table, two channels.
**
** LADON_STATUS_MAP is the single list of status codes.  It generates
** `enum ladon_status` and the text returned by ladon_strerror().  Functions
** return a ladon_status (or NULL for constructors); loaders and parsers
** additionally fill a caller-provided `ladon_error` with where the problem is,
** so that front ends can print `FILE:LINE:COL: text`.
*/
#ifndef LADON_ERROR_H
#define LADON_ERROR_H

#include <stddef.h>

#include "ladon/export.h"

LADON_BEGIN_DECLS

/* X(NAME, "text") -- append only; values are part of the ABI. */
#define LADON_STATUS_MAP(X)                                                    \
  X(OK, "success")                                                             \
  X(ENOMEM, "out of memory")                                                   \
  X(EINVAL, "invalid argument")                                                \
  X(EPARSE, "malformed input")                                                 \
  X(ENOENT, "no such object")                                                  \
  X(EEXIST, "object already exists")                                           \
  X(ERANGE, "value out of range")                                              \
  X(EIO, "input/output error")                                                 \
  X(ESPEC, "violates the PCIe Base Specification")                             \
  X(ENOTSUP, "not supported")                                                  \
  X(ESTATE, "operation not valid in the current state")                        \
  X(EFULL, "no space left in a bounded resource")

typedef enum ladon_status {
#define LADON__STATUS_ENUM(name, text) LADON_##name,
  LADON_STATUS_MAP(LADON__STATUS_ENUM)
#undef LADON__STATUS_ENUM
  LADON__STATUS_COUNT
} ladon_status;

/*
** Human-readable text for a status code.  Returns a static string; an
** unknown code gives "unknown error".
*/
LADON_API const char *ladon_strerror(ladon_status code);

/*
** The symbolic name of a status code ("EINVAL"), static; "UNKNOWN" for an
** unknown code.
*/
LADON_API const char *ladon_status_name(ladon_status code);

#define LADON_ERROR_FILE_MAX 256
#define LADON_ERROR_TEXT_MAX 512

/*
** Where and why something failed.  Filled by loaders and parsers that take a
** `ladon_error *` (which may be NULL when the caller does not care).  `line`
** and `column` are 1-based; 0 means unknown.  `text` holds the message and,
** for JSON input, the JSON path in parentheses.
*/
typedef struct ladon_error {
  ladon_status code;                /* LADON_OK when nothing failed */
  char file[LADON_ERROR_FILE_MAX];  /* input name, "" when none */
  int line;                         /* 1-based, 0 when unknown */
  int column;                       /* 1-based, 0 when unknown */
  char text[LADON_ERROR_TEXT_MAX];  /* message, never ends with a newline */
} ladon_error;

/* Resets `err` to LADON_OK with empty fields.  NULL is a no-op. */
LADON_API void ladon_error_clear(ladon_error *err);

/*
** Formats `err` as one line without a newline: "FILE:LINE:COL: text",
** dropping the parts that are unknown ("FILE: text", or just "text").
** Writes at most `size` bytes including the terminator into `buf`.
** Returns `buf`.
*/
LADON_API char *ladon_error_format(const ladon_error *err, char *buf,
                                   size_t size);

LADON_END_DECLS

#endif /* LADON_ERROR_H */
