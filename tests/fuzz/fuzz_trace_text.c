/*
** libFuzzer entry point for the text trace readers: .ltr (format told by
** the first bytes, as for files) and the mmiotrace importer, both reading
** the input from memory (after decompression: the gzip layer is zlib's).
**
** Whatever the bytes, nothing may crash, leak or read out of bounds, and
** these must hold (a violation calls abort(), which the fuzzer reports):
**   - a reader that fails says why, names the input, and keeps failing;
**   - every record has a valid src name, a valid direction, time that
**     never goes back, and a TLP that passes ladon_tlp_check();
**   - every record survives the text writer's mapping: its columns read
**     back to the same TLP, or its header encodes and decodes to it.
**
** Build and run (from the source tree, clang 14):
**   clang -g -O1 -fsanitize=fuzzer,address,undefined -DLADON_BUILDING \
**     -D_POSIX_C_SOURCE=200809L -Iinclude -I<build>/include -Isrc \
**     tests/fuzz/fuzz_trace_text.c src/sim/error.c src/pcie/tlp*.c \
**     src/trace/trace_*.c $(pkg-config --cflags --libs jansson) -lz -lm \
**     -o fuzz_trace_text
**   ./fuzz_trace_text -max_total_time=300 -max_len=8192 corpus_dir \
**     tests/fuzz/corpus/trace_text
** test_trace_corpus feeds every file of tests/fuzz/corpus/trace_text
** through fuzz_trace_text_one() in the ordinary test run.
**
** (Valid C and C++, so that the unit test can include it.)
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/trace.h"
#include "trace/trace_int.h"

#ifndef LADON_FUZZ_TRACE_CHECKS
#define LADON_FUZZ_TRACE_CHECKS
static void fuzz_check(int ok) {
  if (!ok) abort();
}

/* The record invariants shared by the trace fuzzers. */
static void fuzz_check_record(const ladon_trace_record *rec, uint64_t *prev) {
  fuzz_check(rec->src != NULL && ladon__name_valid(rec->src, strlen(rec->src)));
  fuzz_check(rec->port == NULL ||
             ladon__name_valid(rec->port, strlen(rec->port)));
  fuzz_check((unsigned)rec->dir < LADON_TRACE__DIR_COUNT);
  fuzz_check(rec->t_ps >= *prev);
  *prev = rec->t_ps;
  fuzz_check(rec->tlp.data == NULL);
  fuzz_check(ladon_tlp_check(&rec->tlp, NULL) == LADON_OK);
  ladon__cols c;
  ladon_tlp back;
  unsigned bad;
  ladon__cols_from_tlp(&rec->tlp, -1, &c);
  if (ladon__tlp_from_cols(&c, &back, &bad, NULL) != LADON_OK ||
      !ladon__tlp_same_header(&back, &rec->tlp)) {
    uint8_t hdr[LADON_TLP_HEADER_MAX_BYTES];
    size_t n = 0;
    fuzz_check(ladon_tlp_encode(&rec->tlp, hdr, sizeof hdr, &n, NULL) ==
               LADON_OK);
    fuzz_check(ladon_tlp_decode(hdr, n, 0, &back, NULL) == LADON_OK);
    fuzz_check(ladon__tlp_same_header(&back, &rec->tlp));
  }
}

/* Reads everything; returns the record count, or -1 - count on error. */
static long fuzz_read_all(const uint8_t *data, size_t size,
                          ladon_trace_format format, ladon_error *err) {
  ladon_error_clear(err);
  ladon_trace_reader *r =
      ladon__trace_open_mem(data, size, "fuzz", format, err);
  if (r == NULL) {
    fuzz_check(err->code != LADON_OK && err->text[0] != '\0');
    fuzz_check(strcmp(err->file, "fuzz") == 0);
    return -1;
  }
  ladon_trace_record rec;
  uint64_t prev = 0;
  long n = 0;
  int rc;
  while ((rc = ladon_trace_reader_next(r, &rec, err)) == 1) {
    fuzz_check_record(&rec, &prev);
    n++;
  }
  if (rc < 0) {
    ladon_error again;
    fuzz_check(err->code != LADON_OK && err->text[0] != '\0');
    fuzz_check(strcmp(err->file, "fuzz") == 0);
    fuzz_check(ladon_trace_reader_next(r, &rec, &again) == -1);
    fuzz_check(strcmp(again.text, err->text) == 0);
    n = -1 - n;
  } else {
    fuzz_check(ladon_trace_reader_next(r, &rec, err) == 0);
  }
  ladon_trace_reader_close(r);
  return n;
}
#endif /* LADON_FUZZ_TRACE_CHECKS */

static inline void fuzz_trace_text_one(const uint8_t *data, size_t size) {
  ladon_error err;
  fuzz_read_all(data, size, LADON_TRACE_AUTO, &err);
  fuzz_read_all(data, size, LADON_TRACE_MMIOTRACE, &err);
}

#ifndef LADON_FUZZ_NO_MAIN
#ifdef __cplusplus
extern "C" {
#endif
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#ifdef __cplusplus
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_trace_text_one(data, size);
  return 0;
}
#endif
