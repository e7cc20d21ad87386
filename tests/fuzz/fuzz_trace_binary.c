/*
** libFuzzer entry point for the binary trace reader (.ltb), reading the
** input from memory.  An input that does not start with the .ltb magic is
** read after a valid file header, so that most mutations reach the
** records; inputs with the magic exercise the header checks too.
** Invariants as in fuzz_trace_text.c (shared code below).
**
** Build and run (from the source tree, clang 14):
**   clang -g -O1 -fsanitize=fuzzer,address,undefined -DLADON_BUILDING \
**     -D_POSIX_C_SOURCE=200809L -Iinclude -I<build>/include -Isrc \
**     tests/fuzz/fuzz_trace_binary.c src/sim/error.c src/pcie/tlp*.c \
**     src/trace/trace_*.c $(pkg-config --cflags --libs jansson) -lz -lm \
**     -o fuzz_trace_binary
**   ./fuzz_trace_binary -max_total_time=300 -max_len=4096 corpus_dir \
**     tests/fuzz/corpus/trace_binary
** test_trace_corpus feeds every file of tests/fuzz/corpus/trace_binary
** through fuzz_trace_binary_one() in the ordinary test run.
**
** (Valid C and C++, so that the unit test can include it.)
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/trace.h"
#include "trace/trace_int.h"

/* The shared checks, fuzz_check_record() and fuzz_read_all(), live in
** fuzz_trace_text.c; built on its own this file takes them from there. */
#ifndef LADON_FUZZ_TRACE_CHECKS
#ifdef LADON_FUZZ_NO_MAIN
#include "fuzz_trace_text.c"
#else
#define LADON_FUZZ_NO_MAIN
#include "fuzz_trace_text.c"
#undef LADON_FUZZ_NO_MAIN
#endif
#endif

static void fuzz_trace_binary_one(const uint8_t *data, size_t size) {
  ladon_error err;
  if (size >= 8 && memcmp(data, LADON__LTB_MAGIC, 8) == 0) {
    fuzz_read_all(data, size, LADON_TRACE_AUTO, &err);
    return;
  }
  uint8_t *buf = (uint8_t *)malloc(LADON__LTB_HEADER_BYTES + size);
  if (buf == NULL) return;
  ladon__ltb_header(buf);
  if (size) memcpy(buf + LADON__LTB_HEADER_BYTES, data, size);
  fuzz_read_all(buf, LADON__LTB_HEADER_BYTES + size, LADON_TRACE_AUTO, &err);
  free(buf);
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
  fuzz_trace_binary_one(data, size);
  return 0;
}
#endif
