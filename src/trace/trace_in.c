/*
** The byte source behind every trace reader.  Files go through zlib's
** gzread, which inflates gzip and passes plain files through unchanged, so
** there is one read path for .ltr, .ltb, their .gz forms and the imports.
** A fixed buffer serves both lines (text) and exact byte counts (binary);
** nothing is allocated after opening.
*/
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sim/error_int.h"
#include "trace/trace_int.h"

static ladon_status in_alloc(ladon__in *in, ladon_error *err) {
  in->buf = malloc(LADON__IN_CAP + 1u);
  if (in->buf == NULL)
    return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0,
                            "out of memory for the input buffer");
  return LADON_OK;
}

ladon_status ladon__in_open_file(ladon__in *in, const char *path,
                                 ladon_error *err) {
  memset(in, 0, sizeof *in);
  errno = 0;
  in->gz = gzopen(path, "rb");
  if (in->gz == NULL)
    return ladon__error_set(err, errno == ENOMEM ? LADON_ENOMEM : LADON_EIO,
                            path, 0, 0, "cannot open: %s",
                            errno ? strerror(errno) : "out of memory");
  gzbuffer(in->gz, 128u * 1024u); /* fewer, larger reads of the file */
  ladon_status s = in_alloc(in, err);
  if (s != LADON_OK) {
    gzclose(in->gz);
    in->gz = NULL;
    return s;
  }
  return LADON_OK;
}

ladon_status ladon__in_open_mem(ladon__in *in, const void *data, size_t len,
                                ladon_error *err) {
  memset(in, 0, sizeof *in);
  in->mem = data;
  in->mem_len = data ? len : 0;
  return in_alloc(in, err);
}

void ladon__in_close(ladon__in *in) {
  if (in->gz) gzclose(in->gz);
  free(in->buf);
  memset(in, 0, sizeof *in);
}

/* Reads what fits after buf[end]; sets eof at the end of the input. */
static int in_read(ladon__in *in, const char *name, ladon_error *err) {
  size_t room = LADON__IN_CAP - in->end;
  if (in->mem || !in->gz) {
    size_t n = in->mem_len - in->mem_pos;
    if (n > room) n = room;
    if (n) memcpy(in->buf + in->end, in->mem + in->mem_pos, n);
    in->mem_pos += n;
    in->end += n;
    if (in->mem_pos == in->mem_len) in->eof = true;
    return 0;
  }
  int got = gzread(in->gz, in->buf + in->end, (unsigned)room);
  if (!in->gzip && !gzdirect(in->gz)) in->gzip = true;
  int zerr = Z_OK;
  const char *msg = gzerror(in->gz, &zerr);
  if (got < 0) {
    if (zerr == Z_ERRNO)
      return ladon__error_set(err, LADON_EIO, name, 0, 0, "read error: %s",
                              strerror(errno)), -1;
    return ladon__error_set(err, LADON_EIO, name, 0, 0,
                            "corrupt gzip data: %s", msg ? msg : "?"), -1;
  }
  in->end += (size_t)got;
  if (got == 0) {
    /* zlib: Z_BUF_ERROR at the end means the input ended in the middle of
    ** a gzip stream.  A truncated file must not pass as a shorter trace. */
    if (zerr == Z_BUF_ERROR)
      return ladon__error_set(err, LADON_EIO, name, 0, 0,
                              "truncated gzip stream: the file ends in the "
                              "middle of compressed data"), -1;
    if (zerr != Z_OK)
      return ladon__error_set(err, LADON_EIO, name, 0, 0,
                              "corrupt gzip data: %s", msg ? msg : "?"), -1;
    in->eof = true;
  }
  return 0;
}

long ladon__in_fill(ladon__in *in, size_t n, const char *name,
                    ladon_error *err) {
  if (n > LADON__IN_CAP) n = LADON__IN_CAP;
  while (in->end - in->start < n && !in->eof) {
    /* Move the unread bytes to the front when too little room is left
    ** behind them; this copies at most one line or record. */
    if (in->start > 0 && (LADON__IN_CAP - in->end < LADON__IN_CAP / 4u ||
                          LADON__IN_CAP - in->start < n)) {
      memmove(in->buf, in->buf + in->start, in->end - in->start);
      in->end -= in->start;
      in->start = 0;
    }
    if (in_read(in, name, err) < 0) return -1;
  }
  return (long)(in->end - in->start);
}

static void in_consume(ladon__in *in, size_t n) {
  in->start += n;
  in->consumed += n;
  if (in->start == in->end) in->start = in->end = 0;
}

int ladon__in_line(ladon__in *in, char **line, size_t *len, const char *name,
                   uint64_t lineno, ladon_error *err) {
  size_t scanned = 0; /* bytes already known to hold no newline */
  for (;;) {
    char *p = in->buf + in->start;
    size_t avail = in->end - in->start;
    char *nl = memchr(p + scanned, '\n', avail - scanned);
    size_t n;
    if (nl && (size_t)(nl - p) <= LADON__LINE_MAX) {
      n = (size_t)(nl - p);
      in_consume(in, n + 1);
    } else {
      if (avail > LADON__LINE_MAX)
        return ladon__error_set(err, LADON_EPARSE, name,
                                lineno > INT_MAX ? 0 : (int)lineno, 0,
                                "line is longer than %u bytes",
                                LADON__LINE_MAX), -1;
      if (!in->eof) {
        scanned = avail;
        if (ladon__in_fill(in, avail + 1, name, err) < 0) return -1;
        continue;
      }
      if (avail == 0) return 0;
      n = avail; /* the last line may lack its newline */
      in_consume(in, n);
      /* buf has one byte beyond LADON__IN_CAP for this terminator. */
    }
    if (n && p[n - 1] == '\r') n--;
    p[n] = '\0';
    *line = p;
    *len = n;
    return 1;
  }
}

const uint8_t *ladon__in_take(ladon__in *in, size_t n, size_t *got,
                              const char *name, ladon_error *err) {
  long avail = ladon__in_fill(in, n, name, err);
  if (avail < 0) {
    *got = SIZE_MAX;
    return NULL;
  }
  if ((size_t)avail < n) {
    *got = (size_t)avail;
    return NULL;
  }
  const uint8_t *p = (const uint8_t *)in->buf + in->start;
  /* in_consume() may rewind start/end to 0 when the buffer empties, but the
  ** bytes stay where they are until the next fill. */
  in_consume(in, n);
  *got = n;
  return p;
}
