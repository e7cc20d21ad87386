/*
** TLP trace files: read and write streams of timestamped TLPs.
**
** Two formats carry the same records (docs/trace-format.md is the full
** reference):
**   .ltr  text: tab-separated columns, first line `#ladon-trace 1`, then a
**         `#` header naming the columns, one TLP per line;
**   .ltb  binary: a little-endian file header, then 64-byte records; names
**         are defined inline by name records before their first use, so a
**         writer never seeks.
** Either may be gzip-compressed (`.ltr.gz`, `.ltb.gz`).  One zlib read path
** (gzread, which also reads plain files) serves every file; the format is
** told by the first bytes after decompression, never by the name.
** Importers read protocol-analyzer CSV exports (with a JSON column map) and
** Linux mmiotrace logs into the same record stream.
**
** Streaming.  Readers hand out one record at a time and writers append one
** at a time: memory does not grow with the length of a trace (only with
** the number of distinct names, at most LADON_TRACE_NAMES_MAX).  Records
** are ordered by time: a reader reports a record that goes back in time as
** an error, and a writer refuses one.
**
** Errors.  Readers and writers fill a `ladon_error`: for text input the
** file, line and column of the offending field; for binary input the file
** and "record N" in the text.  A reader that failed keeps failing with the
** same error.  Bad input never crashes and a writer never leaves a
** half-written file behind: it writes to a temporary file in the same
** directory and renames it over the output on close.
*/
#ifndef LADON_TRACE_H
#define LADON_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/export.h"
#include "ladon/tlp.h"

LADON_BEGIN_DECLS

/* Trace formats.  AUTO: readers tell the format by the first bytes,
** writers by the output name. */
typedef enum ladon_trace_format {
  LADON_TRACE_AUTO = 0,
  LADON_TRACE_LTR,       /* text .ltr */
  LADON_TRACE_LTB,       /* binary .ltb */
  LADON_TRACE_CSV,       /* protocol-analyzer CSV export (import only) */
  LADON_TRACE_MMIOTRACE, /* Linux mmiotrace log (import only) */
  LADON_TRACE__FORMAT_COUNT
} ladon_trace_format;

/* Where a TLP was seen: received at or sent from `port`, or on a link
** going away from the root ("down") or towards it ("up", as link.h). */
typedef enum ladon_trace_dir {
  LADON_TRACE_DIR_NONE = 0, /* "-": not recorded */
  LADON_TRACE_DIR_RX,       /* "rx" */
  LADON_TRACE_DIR_TX,       /* "tx" */
  LADON_TRACE_DIR_DOWN,     /* "down" */
  LADON_TRACE_DIR_UP,       /* "up" */
  LADON_TRACE__DIR_COUNT
} ladon_trace_dir;

/* Names (`src`, `port`) are 1..LADON_TRACE_NAME_MAX bytes without control
** characters; a trace holds at most LADON_TRACE_NAMES_MAX distinct ones. */
#define LADON_TRACE_NAME_MAX 255
#define LADON_TRACE_NAMES_MAX 65536

/*
** One trace record: a TLP, when and where it was seen, and who sent it.
** `src`, `port`: borrowed, interned strings (the same name gives the same
** pointer) valid until the reader is closed.  `tlp.data` is always NULL:
** traces carry headers, not payload bytes; `tlp.id`, `t_issue_ps` and
** `flow` are 0.
*/
typedef struct ladon_trace_record {
  uint64_t t_ps;       /* time in picoseconds, non-decreasing in a trace */
  const char *src;     /* requester name or "bb:dd.f"; never NULL */
  const char *port;    /* port or link name; NULL when not recorded */
  ladon_trace_dir dir; /* direction at `port` */
  uint64_t line;       /* text line, or binary record number (1-based), the
                          record came from; ignored by writers */
  ladon_tlp tlp;       /* the header fields; passes ladon_tlp_check() */
} ladon_trace_record;

/* ---- Names ------------------------------------------------------------- */

/* "ltr", "ltb", "csv", "mmiotrace" ("auto" for AUTO), static; "?" when out
** of range. */
LADON_API const char *ladon_trace_format_name(ladon_trace_format format);

/* The format named `name` (as ladon_trace_format_name()); AUTO when NULL
** or unknown. */
LADON_API ladon_trace_format ladon_trace_format_from_name(const char *name);

/*
** The format a file name asks for: LTR for "*.ltr" and "*.ltr.gz", LTB for
** "*.ltb" and "*.ltb.gz"; AUTO otherwise.  Used by writers; readers never
** look at names.
*/
LADON_API ladon_trace_format ladon_trace_format_from_path(const char *path);

/* "-", "rx", "tx", "down", "up", static; "?" when out of range. */
LADON_API const char *ladon_trace_dir_name(ladon_trace_dir dir);

/*
** The `len` column of `tlp` (docs/trace-format.md): for memory, I/O and
** configuration requests the bytes from the first to the last enabled
** byte (0 for a zero-length request); for AtomicOps and MsgD the payload
** bytes; for CplD/CplDLk the bytes of the request it delivers,
** min(Byte Count, 4 * Length - Lower Address[1:0]); 0 for Msg, Cpl and
** CplLk.
*/
LADON_API uint32_t ladon_trace_len_bytes(const ladon_tlp *tlp);

/* ---- Reading ----------------------------------------------------------- */

typedef struct ladon_trace_reader ladon_trace_reader;

/*
** Opens the .ltr or .ltb trace at `path`, plain or gzip, telling the format
** by its first bytes.  For text the first two lines (version and column
** header) are read and checked here.  Returns a new reader owned by the
** caller (ladon_trace_reader_close()), or NULL with `err` (may be NULL)
** filled: LADON_EIO when the file cannot be opened or read, LADON_EPARSE
** for something that is not a trace, an unsupported version or a bad
** header, LADON_ENOMEM.
*/
LADON_API ladon_trace_reader *ladon_trace_open(const char *path,
                                               ladon_error *err);

/*
** Opens a protocol-analyzer CSV export at `path` (plain or gzip) for import,
** with the JSON column map at `map_path` (docs/trace-format.md: which of
** the file's columns hold our columns, the time unit and scale, names of
** TLP types).  Errors as ladon_trace_open(); a bad map is reported as
** "MAP:LINE:COL: text (JSON path)".
*/
LADON_API ladon_trace_reader *ladon_trace_open_csv(const char *path,
                                                   const char *map_path,
                                                   ladon_error *err);

/*
** Opens a Linux mmiotrace log (Documentation/trace/mmiotrace.rst, format
** 20070824) at `path` for import: each CPU MMIO read `R` becomes an MRd and
** each write `W` an MWr of the access width at the physical address, sent
** by the requester `src` (NULL gives "cpu").  Other records (MAP, UNMAP,
** MARK, PCIDEV, ...) are skipped.  Errors as ladon_trace_open().
*/
LADON_API ladon_trace_reader *ladon_trace_open_mmiotrace(const char *path,
                                                         const char *src,
                                                         ladon_error *err);

/*
** Reads the next record into `*rec`.  Returns 1 with a record, 0 at the
** end of the trace, -1 on error with `err` (may be NULL) filled: for text
** "FILE:LINE:COL: text", for binary "FILE: record N: text" (LADON_EPARSE
** for malformed input, LADON_ESPEC/LADON_EINVAL for a TLP that breaks a
** header rule, LADON_EIO for a read error or a truncated gzip stream).
** After -1 every further call returns -1 with the same error.  Strings in
** `rec` are borrowed from the reader (see ladon_trace_record).  Does not
** allocate per record.
*/
LADON_API int ladon_trace_reader_next(ladon_trace_reader *r,
                                      ladon_trace_record *rec,
                                      ladon_error *err);

/* The format being read (never AUTO). */
LADON_API ladon_trace_format ladon_trace_reader_format(
    const ladon_trace_reader *r);

/* Whether the input is gzip-compressed. */
LADON_API bool ladon_trace_reader_gzip(const ladon_trace_reader *r);

/* Closes `r` and frees it with every string it handed out.  NULL is a
** no-op. */
LADON_API void ladon_trace_reader_close(ladon_trace_reader *r);

/* ---- Writing ----------------------------------------------------------- */

typedef struct ladon_trace_writer ladon_trace_writer;

/*
** Starts writing a trace to `path` in `format` (LTR or LTB; AUTO takes it
** from the name, see ladon_trace_format_from_path()), gzip-compressed when
** `path` ends in ".gz".  Output goes to a temporary file next to `path`
** that ladon_trace_writer_close() renames over `path`.  Returns a new
** writer owned by the caller, or NULL with `err` (may be NULL) filled:
** LADON_EINVAL for a format that cannot be written or told from the name,
** LADON_EIO when the temporary file cannot be created, LADON_ENOMEM.
*/
LADON_API ladon_trace_writer *ladon_trace_writer_open(const char *path,
                                                      ladon_trace_format format,
                                                      ladon_error *err);

/*
** Appends `rec` (its `line` is ignored).  The TLP must pass
** ladon_tlp_check() (else its status), names must be valid (LADON_EINVAL)
** and time must not go back (LADON_EINVAL).  A text writer puts the raw
** header in the `hdr` column exactly when the other columns cannot carry
** every field of the TLP, so reading gives back an identical record.
** Returns LADON_OK, or an error with `err` (may be NULL) filled; after
** LADON_EIO the writer can only be aborted.  Does not allocate per record.
*/
LADON_API ladon_status ladon_trace_write(ladon_trace_writer *w,
                                         const ladon_trace_record *rec,
                                         ladon_error *err);

/*
** Finishes the trace: flushes, closes and renames the temporary file over
** the output, then frees `w`.  On failure (LADON_EIO, `err` filled) the
** temporary file is removed and the output is left as it was.  NULL is a
** no-op returning LADON_OK.
*/
LADON_API ladon_status ladon_trace_writer_close(ladon_trace_writer *w,
                                                ladon_error *err);

/* Discards everything written: removes the temporary file and frees `w`;
** the output is left as it was.  NULL is a no-op. */
LADON_API void ladon_trace_writer_abort(ladon_trace_writer *w);

LADON_END_DECLS

#endif /* LADON_TRACE_H */
