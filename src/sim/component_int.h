/*
** Internal helpers shared by the unit parsers, the component registry and
** the JSON reader: quoting user text for messages and "did you mean"
** suggestions.  Also the table validation used by registration and by
** ladon_params_new().
*/
#ifndef LADON_SIM_COMPONENT_INT_H
#define LADON_SIM_COMPONENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ladon/component.h"
#include "ladon/error.h"

/*
** Writes `text` into `buf` as a double-quoted string for an error message:
** '"' and '\' are escaped, control bytes become \xNN, and text longer than
** LADON__QUOTE_MAX bytes is cut at a UTF-8 character boundary and ends in
** "...".  NULL text gives "(null)".  Returns `buf`.
*/
#define LADON__QUOTE_MAX 48
#define LADON__QUOTE_BUF (LADON__QUOTE_MAX * 4 + 8)
char *ladon__quote(char *buf, size_t size, const char *text);

/*
** Optimal-string-alignment distance (Levenshtein plus adjacent
** transpositions), ASCII case-insensitive, capped: returns `cap + 1` as soon
** as the distance is known to exceed `cap`.
*/
size_t ladon__edit_distance(const char *a, const char *b, size_t cap);

/*
** The candidate closest to `word`, for "did you mean" hints, or NULL when
** none is close enough.  Close means an edit distance of at most 2 (and
** less than the length of `word`), or else the longest common prefix with
** `word` that is at least 4 characters and at least half of `word`.  Ties
** go to the earlier candidate.  `name_at(ctx, i)` gives candidate i; NULL
** entries are skipped.  Returns a borrowed candidate.
*/
typedef const char *(*ladon__name_at_fn)(const void *ctx, size_t i);
const char *ladon__suggest(const char *word, ladon__name_at_fn name_at,
                           const void *ctx, size_t n);

/* ladon__suggest() over a plain array of strings. */
const char *ladon__suggest_in(const char *word, const char *const *names,
                              size_t n);

/*
** One parameter value, parsed.  `u` holds BOOL (0/1), U64, TIME (ps), SIZE
** (bytes), RATE (per second, in the kind the desc's unit names), FREQ (Hz)
** and ENUM (index into choices); `d` holds DOUBLE; `s` holds STRING (points
** into the parsed text: the caller decides whether to copy it).
*/
typedef struct ladon__pvalue {
  uint64_t u;
  double d;
  const char *s;
} ladon__pvalue;

/*
** Parses `text` as a value of `desc` (type, unit and choices; not bounds).
** The message does not name the parameter.  EPARSE / ERANGE / EINVAL.
*/
ladon_status ladon__param_parse(const ladon_param_desc *desc, const char *text,
                                ladon__pvalue *out, ladon_error *err);

/* Checks `v` against desc->min and desc->max.  LADON_OK or LADON_ERANGE. */
ladon_status ladon__param_check_bounds(const ladon_param_desc *desc,
                                       const ladon__pvalue *v,
                                       ladon_error *err);

/*
** `v` as text in the type's syntax (shortest exact form).  Returns `buf`.
** Strings and enum choices are copied, cut to `size`.
*/
char *ladon__param_format(const ladon_param_desc *desc, const ladon__pvalue *v,
                          char *buf, size_t size);

/*
** Checks a parameter table the way ladon_component_register() does: names,
** types, units, defaults, choices and bounds.  `owner` names the table in
** messages ("component type 'x'").  Returns LADON_OK or LADON_EINVAL with
** `err` filled.
*/
ladon_status ladon__param_table_check(const ladon_param_desc *params, size_t n,
                                      const char *owner, ladon_error *err);

/*
** Checks a port table: each name is an identifier optionally followed by
** one range "[lo-hi]" (decimal, no leading zeros, lo <= hi); no two entries
** may match the same port name.
*/
ladon_status ladon__port_table_check(const ladon_port_desc *ports, size_t n,
                                     const char *owner, ladon_error *err);

/*
** Splits a port pattern into its stem (length returned in *stem_len) and
** range.  A plain name gives has_range = 0.  Returns 0 when the pattern is
** malformed.
*/
int ladon__port_pattern_split(const char *pattern, size_t *stem_len,
                              int *has_range, unsigned long *lo,
                              unsigned long *hi);

/*
** Checks a whole component type as ladon_component_register() requires:
** name, description, callbacks and the three tables.
*/
ladon_status ladon__component_type_check(const ladon_component_type *t,
                                         ladon_error *err);

/* Whether `s` is an identifier: [A-Za-z_][A-Za-z0-9_]*. */
int ladon__is_identifier(const char *s);

#endif
