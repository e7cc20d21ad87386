/*
** Internals of the trace files (src/trace): the byte source behind every
** reader, interned names, the text columns and how they map to TLP fields,
** the .ltb record layout, and the reader and writer structs.
*/
#ifndef LADON_TRACE_TRACE_INT_H
#define LADON_TRACE_TRACE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "ladon/trace.h"

LADON_BEGIN_DECLS /* the tests and fuzzers reach these from C++ */

/* ---- Byte source: gzread (plain or gzip files) or memory --------------- */

#define LADON__IN_CAP (256u * 1024u)     /* buffered bytes */
#define LADON__LINE_MAX (64u * 1024u)    /* longest text line accepted */

typedef struct ladon__in {
  gzFile gz;              /* NULL when reading memory */
  const uint8_t *mem;     /* memory input */
  size_t mem_len, mem_pos;
  char *buf;              /* LADON__IN_CAP + 1 bytes (room for a NUL) */
  size_t start, end;      /* unread bytes are buf[start, end) */
  uint64_t consumed;      /* bytes consumed before buf[start] */
  bool eof;               /* the source has nothing more */
  bool gzip;              /* input is gzip-compressed */
} ladon__in;

/* Opens `path` with gzopen (plain files read through unchanged).
** LADON_EIO with `err` filled when it cannot be opened. */
ladon_status ladon__in_open_file(ladon__in *in, const char *path,
                                 ladon_error *err);
/* Reads `len` bytes at `data` (borrowed for the life of `in`); gzip data is
** not inflated: memory input is for the parsers (fuzzing, tests). */
ladon_status ladon__in_open_mem(ladon__in *in, const void *data, size_t len,
                                ladon_error *err);
void ladon__in_close(ladon__in *in);

/* Buffers at least `n` (<= LADON__IN_CAP) unread bytes unless the input
** ends first.  Returns the number of unread bytes, or -1 on a read error
** or a truncated gzip stream (`err` filled with `name`). */
long ladon__in_fill(ladon__in *in, size_t n, const char *name,
                    ladon_error *err);

/*
** The next line, without its "\n" or "\r\n", NUL-terminated in place and
** valid until the next call.  Returns 1 with `*line`/`*len`, 0 at the end,
** -1 on error (read error, truncated gzip, line longer than
** LADON__LINE_MAX; `err` names `name` and `lineno`, the line's number).
*/
int ladon__in_line(ladon__in *in, char **line, size_t *len, const char *name,
                   uint64_t lineno, ladon_error *err);

/* Consumes exactly `n` (<= LADON__IN_CAP) bytes and returns them, valid
** until the next call; NULL with `*got` set to the bytes left when the
** input ends first (0: clean end), or on error (`*got` = SIZE_MAX). */
const uint8_t *ladon__in_take(ladon__in *in, size_t n, size_t *got,
                              const char *name, ladon_error *err);

/* ---- Interned names ---------------------------------------------------- */

typedef struct ladon__name {
  const char *s;  /* NUL-terminated, stable until the table is freed */
  uint32_t len;
  uint32_t hash;
  int32_t rid;    /* routing ID when the name is "bb:dd.f", else -1 */
} ladon__name;

typedef struct ladon__names {
  ladon__name *v;       /* entries in order of first appearance */
  uint32_t count, cap;
  uint32_t *slots;      /* open addressing: index + 1, 0 = empty */
  uint32_t mask;
  struct ladon__arena *arena;
  uint32_t last;        /* index + 1 of the last hit: names repeat */
} ladon__names;

void ladon__names_init(ladon__names *t);
void ladon__names_free(ladon__names *t);
/* Whether `s[0..len)` may be a name: 1..LADON_TRACE_NAME_MAX bytes, no
** control characters, not "-". */
bool ladon__name_valid(const char *s, size_t len);
/* Interns `s[0..len)` (which must be valid) and returns its index, setting
** `*is_new`; -1 when the table is full (LADON_TRACE_NAMES_MAX) or out of
** memory (`*is_new` then tells which: false = full). */
long ladon__names_intern(ladon__names *t, const char *s, size_t len,
                         bool *is_new);

/* ---- Text columns ------------------------------------------------------ */

#define LADON__TRACE_COLUMNS(X)                                               \
  X(T_PS, "t_ps")                                                             \
  X(SRC, "src")                                                               \
  X(TYPE, "type")                                                             \
  X(ADDR, "addr")                                                             \
  X(LEN, "len")                                                               \
  X(TAG, "tag")                                                               \
  X(REQ_ID, "req_id")                                                         \
  X(CPL_ID, "cpl_id")                                                         \
  X(STATUS, "status")                                                         \
  X(TC, "tc")                                                                 \
  X(ATTR, "attr")                                                             \
  X(FBE, "fbe")                                                               \
  X(LBE, "lbe")                                                               \
  X(PASID, "pasid")                                                           \
  X(PORT, "port")                                                             \
  X(DIR, "dir")                                                               \
  X(HDR, "hdr")

enum {
#define LADON__COL_ENUM(name, text) LADON__COL_##name,
  LADON__TRACE_COLUMNS(LADON__COL_ENUM)
#undef LADON__COL_ENUM
  LADON__COL_COUNT,
  LADON__COL_IGNORED = 0xff
};

extern const char *const ladon__col_names[LADON__COL_COUNT];
/* The column named `name`, or LADON__COL_IGNORED. */
unsigned ladon__col_from_name(const char *name);
/* Whether a column must be present (t_ps, src, type, addr, len). */
bool ladon__col_required(unsigned col);

/* One row of column values: NUL-terminated strings, NULL when absent. */
typedef struct ladon__row {
  char *v[LADON__COL_COUNT];
  uint32_t pos[LADON__COL_COUNT]; /* 1-based column of the value, 0 unknown */
} ladon__row;

/* Column values as numbers: what the text says about one TLP. */
typedef struct ladon__cols {
  uint8_t type;
  bool has_addr, has_tag, has_req, has_cpl, has_status, has_fbe, has_lbe,
      has_pasid;
  uint64_t addr;
  uint32_t len;
  uint32_t pasid;
  uint16_t tag, req_id, cpl_id;
  uint8_t status, tc, attr, fbe, lbe;
  int32_t src_rid; /* the routing ID `src` names, or -1 */
} ladon__cols;

/*
** The TLP the columns describe (docs/trace-format.md "Columns").  On
** error returns the status with a message in `err` (no location) and
** `*bad_col` set to the column at fault.  Message TLPs need `hdr`.
*/
ladon_status ladon__tlp_from_cols(const ladon__cols *c, ladon_tlp *t,
                                  unsigned *bad_col, ladon_error *err);
/* The columns a writer emits for `t` (every column that applies). */
void ladon__cols_from_tlp(const ladon_tlp *t, int32_t src_rid,
                          ladon__cols *c);
/* Whether two TLPs agree in every header field (not id, times, payload). */
bool ladon__tlp_same_header(const ladon_tlp *a, const ladon_tlp *b);

/* Strict number parsers for column values: the whole string must match. */
bool ladon__parse_dec(const char *s, uint64_t max, uint64_t *v);
bool ladon__parse_hex(const char *s, uint64_t max, uint64_t *v); /* 0x opt. */
bool ladon__parse_num(const char *s, uint64_t max, uint64_t *v); /* dec, 0x */
/* The type whose mnemonic is exactly `s` (as the writer spells it), by a
** switch on the first letter; else ladon_tlp_type_from_name(), which
** ignores case. */
uint8_t ladon__parse_type(const char *s);
/* A dir column value; false when unknown. */
bool ladon__parse_dir(const char *s, ladon_trace_dir *dir);
/* A status column value (SC, UR, CRS/RRS, CA or 0..7); false when bad. */
bool ladon__parse_status(const char *s, uint8_t *status);

/* ---- Readers ----------------------------------------------------------- */

typedef int (*ladon__next_fn)(ladon_trace_reader *r, ladon_trace_record *rec,
                              ladon_error *err);

struct ladon_trace_reader {
  ladon_trace_format format;
  ladon__in in;
  char *name;             /* input name for messages */
  ladon__names names;
  uint64_t line;          /* text line or binary record last read */
  uint64_t prev_t_ps;     /* time of the previous record */
  uint64_t prev_line;     /* its line or record number, 0 = none yet */
  ladon__next_fn next;
  void (*free_kind)(ladon_trace_reader *r);
  void *kind;             /* per-format state */
  bool failed;
  ladon_error fail;       /* the sticky error */
  /* Text: which column each tab-separated field holds. */
  uint8_t *colmap;
  uint32_t ncols;
  ladon__row row;
};

/* A reader over `in` (taken over) named `name`, format told by its first
** bytes (AUTO) or given.  NULL with `err` filled (then `in` is closed). */
ladon_trace_reader *ladon__reader_new(ladon__in *in, const char *name,
                                      ladon_trace_format format,
                                      ladon_error *err);
/* Reads the trace in memory `data[0..len)` (borrowed while the reader
** lives) as ladon_trace_open() (AUTO) or ladon_trace_open_mmiotrace()
** (MMIOTRACE, src "cpu") read a file, without inflating gzip: for the
** fuzzers and tests.  CSV needs a map file and is not offered. */
ladon_trace_reader *ladon__trace_open_mem(const void *data, size_t len,
                                          const char *name,
                                          ladon_trace_format format,
                                          ladon_error *err);

/* Interns a record's name (the reader's error on failure). */
const char *ladon__reader_name(ladon_trace_reader *r, const char *s,
                               size_t len, int32_t *rid, int column,
                               const char *what, ladon_error *err);
/* Fills the reader's error at the current text line, column `col`. */
int ladon__reader_fail_at(ladon_trace_reader *r, ladon_status code, int col,
                          ladon_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Checks that `t_ps` does not go back (text: by line; binary: by record). */
int ladon__reader_check_time(ladon_trace_reader *r, uint64_t t_ps,
                             ladon_error *err);
/* Fills a record from a row of text columns (shared by .ltr and CSV);
** `t_ps` is already parsed.  Returns 1, or -1 with the reader's error. */
int ladon__reader_build_row(ladon_trace_reader *r, ladon__row *row,
                            uint64_t t_ps, ladon_trace_record *rec,
                            ladon_error *err);

/* Per-format set-up after the first bytes told the format. */
int ladon__ltr_start(ladon_trace_reader *r, ladon_error *err);
int ladon__ltb_start(ladon_trace_reader *r, ladon_error *err);
int ladon__csv_start(ladon_trace_reader *r, const char *map_path,
                     ladon_error *err);
int ladon__mmio_start(ladon_trace_reader *r, const char *src,
                      ladon_error *err);

/* ---- .ltb layout (docs/trace-format.md "Binary") ----------------------- */

#define LADON__LTB_MAGIC "\x89LTB\r\n\x1a\n"
#define LADON__LTB_VERSION 1u
#define LADON__LTB_HEADER_BYTES 16u
#define LADON__LTB_RECORD_BYTES 64u
#define LADON__LTB_KIND_TLP 1u
#define LADON__LTB_KIND_NAME 2u
#define LADON__LTB_NAME_HEAD 8u /* kind, 0, length, id; then the bytes */

/*
** A TLP record as it lies in the file: 64 bytes, every member at its
** natural alignment so the struct has no padding (asserted in trace_ltb.c).
** Records are not copied in or out as this struct: ladon__ltb_encode() and
** ladon__ltb_decode() go member by member in little-endian, at these
** offsets, whatever the host's byte order.
*/
typedef struct ladon__ltb_tlp {
  uint8_t kind;        /*  0: LADON__LTB_KIND_TLP */
  uint8_t dir;         /*  1: ladon_trace_dir */
  uint16_t flags;      /*  2: ladon_tlp.flags */
  uint32_t src;        /*  4: name id, 1.. */
  uint64_t t_ps;       /*  8 */
  uint64_t addr;       /* 16 */
  uint32_t port;       /* 24: name id, 0 = none */
  uint32_t pasid;      /* 28 */
  uint16_t length_dw;  /* 32 */
  uint16_t req_id;     /* 34 */
  uint16_t cpl_id;     /* 36 */
  uint16_t target_id;  /* 38 */
  uint16_t tag;        /* 40 */
  uint16_t byte_count; /* 42 */
  uint8_t type;        /* 44 */
  uint8_t tc;          /* 45 */
  uint8_t attr;        /* 46 */
  uint8_t at;          /* 47 */
  uint8_t first_be;    /* 48 */
  uint8_t last_be;     /* 49 */
  uint8_t status;      /* 50 */
  uint8_t lower_addr;  /* 51 */
  uint8_t msg_code;    /* 52 */
  uint8_t msg_route;   /* 53 */
  uint8_t ph;          /* 54 */
  uint8_t st;          /* 55 */
  uint8_t reserved[8]; /* 56: zero */
} ladon__ltb_tlp;

void ladon__ltb_encode(const ladon__ltb_tlp *rec, uint8_t out[64]);
void ladon__ltb_decode(const uint8_t in[64], ladon__ltb_tlp *rec);
/* The 16-byte file header for this version. */
void ladon__ltb_header(uint8_t out[16]);

/* ---- Writers ----------------------------------------------------------- */

struct ladon_trace_writer {
  ladon_trace_format format;
  gzFile out;
  char *path;           /* final name */
  char *tmp;            /* temporary file next to it */
  char *buf;            /* pending output */
  size_t used, cap;
  ladon__names names;   /* .ltb: names defined so far (id = index + 1) */
  uint64_t prev_t_ps;
  uint64_t count;       /* records written */
  bool broken;          /* an I/O error: only abort is left */
};

/* Appends bytes to the writer's buffer, flushing as needed. */
ladon_status ladon__writer_put(ladon_trace_writer *w, const void *p,
                               size_t n, ladon_error *err);
/* The text header lines, and one text line per record. */
ladon_status ladon__ltr_write_header(ladon_trace_writer *w, ladon_error *err);
ladon_status ladon__ltr_write(ladon_trace_writer *w,
                              const ladon_trace_record *rec, ladon_error *err);
/* The binary file header, and a record with any name records it needs. */
ladon_status ladon__ltb_write_header(ladon_trace_writer *w, ladon_error *err);
ladon_status ladon__ltb_write(ladon_trace_writer *w,
                              const ladon_trace_record *rec, ladon_error *err);

LADON_END_DECLS

#endif /* LADON_TRACE_TRACE_INT_H */
