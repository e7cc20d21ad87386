/*
** Trace writers: output through zlib (gzip when the name ends in ".gz",
** zlib's transparent mode otherwise), into a temporary file next to the
** output that is renamed over it only when everything was written.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ladon/tlp.h"
#include "sim/error_int.h"
#include "trace/trace_int.h"

#define OUT_CAP (64u * 1024u)

static void writer_free(ladon_trace_writer *w) {
  ladon__names_free(&w->names);
  free(w->buf);
  free(w->path);
  free(w->tmp);
  free(w);
}

/* Creates "<path>.tmp-<pid>-<n>" exclusively, so that two writers never
** share a temporary file; mode 0666 is narrowed by the umask as for any
** new file. */
static int create_tmp(ladon_trace_writer *w, ladon_error *err) {
  size_t n = strlen(w->path) + 48u;
  w->tmp = malloc(n);
  if (w->tmp == NULL)
    return ladon__error_set(err, LADON_ENOMEM, w->path, 0, 0,
                            "out of memory"), -1;
  static unsigned counter;
  for (unsigned tries = 0; tries < 100; tries++) {
    snprintf(w->tmp, n, "%s.tmp-%ld-%u", w->path, (long)getpid(),
             counter++);
    int fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST) break;
  }
  ladon__error_set(err, LADON_EIO, w->path, 0, 0,
                   "cannot create a temporary file next to it: %s",
                   strerror(errno));
  return -1;
}

ladon_trace_writer *ladon_trace_writer_open(const char *path,
                                            ladon_trace_format format,
                                            ladon_error *err) {
  if (path == NULL || *path == '\0') {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no output file named");
    return NULL;
  }
  if (format == LADON_TRACE_AUTO) format = ladon_trace_format_from_path(path);
  if (format != LADON_TRACE_LTR && format != LADON_TRACE_LTB) {
    ladon__error_set(err, LADON_EINVAL, path, 0, 0,
                     format == LADON_TRACE_AUTO
                         ? "cannot tell the trace format from the name: use "
                           ".ltr or .ltb (optionally .gz), or name a format"
                         : "traces are written as ltr or ltb, not %s",
                     ladon_trace_format_name(format));
    return NULL;
  }
  ladon_trace_writer *w = calloc(1, sizeof *w);
  if (w == NULL) {
    ladon__error_set(err, LADON_ENOMEM, path, 0, 0, "out of memory");
    return NULL;
  }
  ladon__names_init(&w->names);
  w->format = format;
  w->cap = OUT_CAP;
  w->buf = malloc(OUT_CAP);
  w->path = malloc(strlen(path) + 1u);
  if (w->buf == NULL || w->path == NULL) {
    writer_free(w);
    ladon__error_set(err, LADON_ENOMEM, path, 0, 0, "out of memory");
    return NULL;
  }
  strcpy(w->path, path);
  int fd = create_tmp(w, err);
  if (fd < 0) {
    writer_free(w);
    return NULL;
  }
  size_t n = strlen(path);
  bool gzip = n >= 3 && !strcasecmp(path + n - 3, ".gz");
  /* zlib level 1: a recorder writes as the simulation runs, and level 1
  ** deflates about 3x faster than the default 6 for ~30% larger files. */
  w->out = gzdopen(fd, gzip ? "wb1" : "wbT");
  if (w->out == NULL) {
    close(fd);
    unlink(w->tmp);
    writer_free(w);
    ladon__error_set(err, LADON_ENOMEM, path, 0, 0,
                     "out of memory for the compressor");
    return NULL;
  }
  ladon_status s = format == LADON_TRACE_LTR
                       ? ladon__ltr_write_header(w, err)
                       : ladon__ltb_write_header(w, err);
  if (s != LADON_OK) {
    ladon_trace_writer_abort(w);
    return NULL;
  }
  return w;
}

static ladon_status flush(ladon_trace_writer *w, ladon_error *err) {
  if (w->used == 0) return LADON_OK;
  if (gzwrite(w->out, w->buf, (unsigned)w->used) != (int)w->used) {
    int zerr = Z_OK;
    const char *msg = gzerror(w->out, &zerr);
    w->broken = true;
    return ladon__error_set(err, LADON_EIO, w->path, 0, 0, "write error: %s",
                            zerr == Z_ERRNO ? strerror(errno) : msg);
  }
  w->used = 0;
  return LADON_OK;
}

ladon_status ladon__writer_put(ladon_trace_writer *w, const void *p, size_t n,
                               ladon_error *err) {
  if (w->cap - w->used < n) {
    ladon_status s = flush(w, err);
    if (s != LADON_OK) return s;
  }
  memcpy(w->buf + w->used, p, n); /* n is at most one line or record */
  w->used += n;
  return LADON_OK;
}

ladon_status ladon_trace_write(ladon_trace_writer *w,
                               const ladon_trace_record *rec,
                               ladon_error *err) {
  if (w == NULL || rec == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "writing needs a writer and a record");
  if (w->broken)
    return ladon__error_set(err, LADON_ESTATE, w->path, 0, 0,
                            "an earlier write failed; abort the writer");
  unsigned long long n = (unsigned long long)w->count + 1u;
  if (rec->src == NULL || !ladon__name_valid(rec->src, strlen(rec->src)))
    return ladon__error_set(err, LADON_EINVAL, w->path, 0, 0,
                            "record %llu: src must be a name of 1..%u bytes "
                            "without control characters, not '-'", n,
                            LADON_TRACE_NAME_MAX);
  if (rec->port && !ladon__name_valid(rec->port, strlen(rec->port)))
    return ladon__error_set(err, LADON_EINVAL, w->path, 0, 0,
                            "record %llu: port must be NULL or a name of "
                            "1..%u bytes without control characters", n,
                            LADON_TRACE_NAME_MAX);
  if ((unsigned)rec->dir >= LADON_TRACE__DIR_COUNT)
    return ladon__error_set(err, LADON_EINVAL, w->path, 0, 0,
                            "record %llu: dir %u is not a ladon_trace_dir", n,
                            (unsigned)rec->dir);
  if (w->count && rec->t_ps < w->prev_t_ps)
    return ladon__error_set(err, LADON_EINVAL, w->path, 0, 0,
                            "record %llu: time goes back: t_ps %llu is before "
                            "%llu of the previous record", n,
                            (unsigned long long)rec->t_ps,
                            (unsigned long long)w->prev_t_ps);
  ladon_error e; /* filled on failure only */
  ladon_status s = ladon_tlp_check(&rec->tlp, &e);
  if (s != LADON_OK)
    return ladon__error_set(err, s, w->path, 0, 0, "record %llu: %s", n,
                            e.text);
  s = w->format == LADON_TRACE_LTR ? ladon__ltr_write(w, rec, err)
                                   : ladon__ltb_write(w, rec, err);
  if (s != LADON_OK) return s;
  w->prev_t_ps = rec->t_ps;
  w->count++;
  return LADON_OK;
}

ladon_status ladon_trace_writer_close(ladon_trace_writer *w,
                                      ladon_error *err) {
  if (w == NULL) return LADON_OK;
  ladon_status s = w->broken ? ladon__error_set(err, LADON_EIO, w->path, 0,
                                                0, "an earlier write failed")
                             : flush(w, err);
  int zrc = gzclose(w->out);
  w->out = NULL;
  if (s == LADON_OK && zrc != Z_OK)
    s = ladon__error_set(err, LADON_EIO, w->path, 0, 0,
                         "cannot finish writing (zlib error %d)", zrc);
  if (s == LADON_OK && rename(w->tmp, w->path) != 0)
    s = ladon__error_set(err, LADON_EIO, w->path, 0, 0,
                         "cannot rename the temporary file over it: %s",
                         strerror(errno));
  if (s != LADON_OK) unlink(w->tmp);
  writer_free(w);
  return s;
}

void ladon_trace_writer_abort(ladon_trace_writer *w) {
  if (w == NULL) return;
  if (w->out) gzclose(w->out);
  unlink(w->tmp);
  writer_free(w);
}
