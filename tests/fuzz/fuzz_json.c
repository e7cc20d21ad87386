/*
** libFuzzer entry point for the JSON reader, the position index, the typed
** member access, parameter resolution and the unit parsers.
**
** Whatever the bytes, nothing may crash, leak or read out of bounds, and
** these must hold (a violation calls abort(), which the fuzzer reports):
**   - a rejected input yields a message; a syntax error has a position;
**   - jansson and the position index never disagree on accepted input;
**   - every node has a position >= 1:1, its children name it as their
**     parent, and each member is found again by its key;
**   - a unit value that parses formats back to text that parses to it.
**
** Build and run (from the source tree, clang 14):
**   clang -g -O1 -fsanitize=fuzzer,address,undefined -DLADON_BUILDING \
**     -D_POSIX_C_SOURCE=200809L -Iinclude -I<build>/include -Isrc \
**     tests/fuzz/fuzz_json.c src/sim/error.c src/sim/units.c \
**     src/sim/component*.c src/fabric/json_*.c \
**     $(pkg-config --cflags --libs jansson) -lm -o fuzz_json
**   ./fuzz_json -max_total_time=300 -max_len=4096 corpus_dir \
**     tests/fuzz/corpus/json
** test_json_reader feeds every file of tests/fuzz/corpus/json through this
** same function in the ordinary test run.
**
** (Valid C and C++, so that the unit test can include it.)
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/json_int.h"
#include "ladon/component.h"
#include "ladon/units.h"

#ifdef __cplusplus
extern "C" {
#endif
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#ifdef __cplusplus
}
#endif

static void fuzz_check(int ok) {
  if (!ok) abort();
}

static const char *const fuzz_choices[] = {"a", "bb", NULL};

/* One parameter of each type, so any member named like one reaches every
   setter and parser. */
static const ladon_param_desc fuzz_params[] = {
    {"t", LADON_PARAM_TIME, "1ns", NULL, "time", NULL, "0ps", "1s"},
    {"s", LADON_PARAM_SIZE, "1KiB", NULL, "size", NULL, NULL, NULL},
    {"r", LADON_PARAM_RATE, "8GT/s", "T/s", "rate", NULL, NULL, NULL},
    {"b", LADON_PARAM_RATE, "1Gb/s", "bit/s", "bits", NULL, NULL, NULL},
    {"f", LADON_PARAM_FREQ, "1GHz", NULL, "freq", NULL, NULL, NULL},
    {"u", LADON_PARAM_U64, "0", NULL, "u64", NULL, NULL, "1000"},
    {"d", LADON_PARAM_DOUBLE, "0", NULL, "double", NULL, "-1", "1"},
    {"o", LADON_PARAM_BOOL, "false", NULL, "bool", NULL, NULL, NULL},
    {"n", LADON_PARAM_STRING, "", NULL, "string", NULL, NULL, NULL},
    {"e", LADON_PARAM_ENUM, "a", NULL, "enum", fuzz_choices, NULL, NULL},
};

static void fuzz_units(const char *text) {
  char buf[LADON_FORMAT_MAX];
  uint64_t v, back;
  ladon_rate r, rb;
  double d, db;
  bool flag;
  if (ladon_parse_time_ps(text, &v, NULL) == LADON_OK) {
    ladon_format_time(v, buf, sizeof buf);
    fuzz_check(ladon_parse_time_ps(buf, &back, NULL) == LADON_OK && back == v);
  }
  if (ladon_parse_size_bytes(text, &v, NULL) == LADON_OK) {
    ladon_format_size(v, buf, sizeof buf);
    fuzz_check(ladon_parse_size_bytes(buf, &back, NULL) == LADON_OK &&
               back == v);
  }
  if (ladon_parse_freq_hz(text, &v, NULL) == LADON_OK) {
    ladon_format_freq(v, buf, sizeof buf);
    fuzz_check(ladon_parse_freq_hz(buf, &back, NULL) == LADON_OK && back == v);
  }
  if (ladon_parse_rate(text, &r, NULL) == LADON_OK) {
    ladon_format_rate(r, buf, sizeof buf);
    fuzz_check(ladon_parse_rate(buf, &rb, NULL) == LADON_OK &&
               rb.kind == r.kind && rb.per_s == r.per_s);
  }
  if (ladon_parse_double(text, &d, NULL) == LADON_OK) {
    ladon_format_double(d, buf, sizeof buf);
    fuzz_check(ladon_parse_double(buf, &db, NULL) == LADON_OK && db == d);
  }
  ladon_parse_u64(text, &v, NULL);
  ladon_parse_bool(text, &flag, NULL);
}

static void fuzz_object(const ladon__json_doc *doc, ladon__json_node obj) {
  static const char *const allowed[] = {"name", "type", "params", "a", "b"};
  ladon_error err;
  const char *s = NULL;
  uint64_t u = 0;
  bool flag = false;
  ladon__json_node m;
  ladon__json_check_keys(doc, obj, allowed, 5, &err);
  ladon__json_get_string(doc, obj, "name", false, &s, &err);
  ladon__json_get_u64(doc, obj, "u", false, &u, &err);
  ladon__json_get_bool(doc, obj, "o", false, &flag, &err);
  ladon__json_get_time_ps(doc, obj, "t", false, &u, &err);
  ladon__json_get_size_bytes(doc, obj, "s", false, &u, &err);
  ladon__json_member(doc, obj, "type", LADON__JSON_STRING, true, &m, &err);

  ladon_params *p = ladon_params_new(
      fuzz_params, sizeof fuzz_params / sizeof fuzz_params[0], "fuzz", &err);
  fuzz_check(p != NULL);
  static const char *const skip[] = {"name", "type"};
  if (ladon__json_params_apply(doc, obj, p, skip, 2, &err) == LADON_OK &&
      ladon__json_params_resolve(doc, obj, p, &err) == LADON_OK) {
    char buf[64];
    for (size_t i = 0; i < sizeof fuzz_params / sizeof fuzz_params[0]; i++)
      fuzz_check(ladon_params_format(p, fuzz_params[i].name, buf,
                                     sizeof buf) != NULL);
  }
  ladon_params_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ladon_error err;
  ladon_error_clear(&err);
  ladon__json_doc *doc =
      ladon__json_load_buffer("fuzz.json", (const char *)data, size, &err);

  /* The same bytes as one unit value (inputs are short in practice). */
  char text[128];
  size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
  memcpy(text, data, n);
  text[n] = '\0';
  fuzz_units(text);

  if (doc == NULL) {
    fuzz_check(err.code != LADON_OK && err.text[0] != '\0');
    /* Syntax errors carry a position; an index failure (line 0) would be
       a disagreement with jansson, i.e. a bug. */
    if (err.code == LADON_EPARSE) fuzz_check(err.line >= 1 && err.column >= 1);
    return 0;
  }
  size_t count = ladon__json_count(doc);
  fuzz_check(count >= 1);
  char path[96];
  size_t kids = 0;
  for (ladon__json_node i = 0; i < count; i++) {
    kids += ladon__json_size(doc, i);
    fuzz_check(ladon__json_value(doc, i) != NULL);
    fuzz_check(ladon__json_line(doc, i) >= 1 && ladon__json_column(doc, i) >= 1);
    ladon__json_path(doc, i, path, sizeof path);
    fuzz_check(path[0] == '$');
    fuzz_check(i == 0 || ladon__json_parent(doc, i) != LADON__JSON_NONE);
    for (size_t k = 0; k < ladon__json_size(doc, i); k++) {
      ladon__json_node child = ladon__json_child(doc, i, k);
      fuzz_check(child < count && ladon__json_parent(doc, child) == i);
      const char *key = ladon__json_key(doc, child);
      fuzz_check((key != NULL) == (json_is_object(ladon__json_value(doc, i))
                                       ? 1
                                       : 0));
      if (key) fuzz_check(ladon__json_find(doc, i, key) == child);
    }
    if (json_is_object(ladon__json_value(doc, i))) fuzz_object(doc, i);
  }
  fuzz_check(kids == count - 1); /* every value but the root is a child */
  ladon__json_error(doc, (ladon__json_node)(count - 1), &err, LADON_EPARSE,
                    "probe");
  ladon__json_free(doc);
  return 0;
}
