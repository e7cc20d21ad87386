/* The status table and ladon_error helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ladon/error.h"
#include "sim/error_int.h"

static const char *const status_text[] = {
#define X(name, text) text,
    LADON_STATUS_MAP(X)
#undef X
};

static const char *const status_name[] = {
#define X(name, text) #name,
    LADON_STATUS_MAP(X)
#undef X
};

const char *ladon_strerror(ladon_status code) {
  if ((unsigned)code >= LADON__STATUS_COUNT) return "unknown error";
  return status_text[code];
}

const char *ladon_status_name(ladon_status code) {
  if ((unsigned)code >= LADON__STATUS_COUNT) return "UNKNOWN";
  return status_name[code];
}

void ladon_error_clear(ladon_error *err) {
  if (err == NULL) return;
  memset(err, 0, sizeof *err);
  err->code = LADON_OK;
}

char *ladon_error_format(const ladon_error *err, char *buf, size_t size) {
  if (buf == NULL || size == 0) return buf;
  if (err == NULL) {
    buf[0] = '\0';
    return buf;
  }
  if (err->file[0] && err->line > 0 && err->column > 0)
    snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->column,
             err->text);
  else if (err->file[0] && err->line > 0)
    snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->text);
  else if (err->file[0])
    snprintf(buf, size, "%s: %s", err->file, err->text);
  else
    snprintf(buf, size, "%s", err->text);
  return buf;
}

ladon_status ladon__error_set(ladon_error *err, ladon_status code,
                              const char *file, int line, int column,
                              const char *fmt, ...) {
  if (err == NULL) return code;
  err->code = code;
  snprintf(err->file, sizeof err->file, "%s", file ? file : "");
  err->line = line;
  err->column = column;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->text, sizeof err->text, fmt, ap);
  va_end(ap);
  return code;
}
