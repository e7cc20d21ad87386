/*
** Strict, exact unit parsers and formatters (docs/units.md).
**
** A quantity is "<digits>[.<digits>][ ]<unit>".  The value is computed in
** 128-bit integer arithmetic as int * factor + frac * factor / 10^scale and
** accepted only when that division is exact and the result fits in 64 bits,
** so "1.5us" is exactly 1500000 ps and nothing is ever rounded.
*/
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/units.h"
#include "sim/component_int.h"
#include "sim/error_int.h"

__extension__ typedef unsigned __int128 u128;

struct unit {
  const char *suffix;
  uint64_t factor; /* base units per one of this unit */
  int tag;         /* rates: the ladon_rate_kind */
};

struct quantity {
  const char *noun;    /* "a time" */
  const char *example; /* "\"120ns\"" */
  const char *units;   /* the unit list shown in messages */
  const char *limit;   /* the largest value, for overflow messages */
  const struct unit *table;
  size_t n;
};

#define K 1000ull
#define KI 1024ull

/* Parse tables; formatting order (preferred first) is below. */
static const struct unit time_units[] = {
    {"s", K * K * K * K, 0}, {"ms", K * K * K, 0}, {"us", K * K, 0},
    {"ns", K, 0},           {"ps", 1, 0},
};

static const struct unit size_units[] = {
    {"TiB", KI * KI * KI * KI, 0}, {"GiB", KI * KI * KI, 0},
    {"MiB", KI * KI, 0},          {"KiB", KI, 0},
    {"TB", K * K * K * K, 0},     {"GB", K * K * K, 0},
    {"MB", K * K, 0},             {"kB", K, 0},
    {"B", 1, 0},
};

static const struct unit rate_units[] = {
    {"TT/s", K * K * K * K, LADON_RATE_TRANSFERS},
    {"GT/s", K * K * K, LADON_RATE_TRANSFERS},
    {"MT/s", K * K, LADON_RATE_TRANSFERS},
    {"kT/s", K, LADON_RATE_TRANSFERS},
    {"T/s", 1, LADON_RATE_TRANSFERS},
    /* The first spelling of each bit rate is the formatted one. */
    {"Tb/s", K * K * K * K, LADON_RATE_BITS},
    {"Gb/s", K * K * K, LADON_RATE_BITS},
    {"Mb/s", K * K, LADON_RATE_BITS},
    {"kb/s", K, LADON_RATE_BITS},
    {"b/s", 1, LADON_RATE_BITS},
    {"Tbps", K * K * K * K, LADON_RATE_BITS},
    {"Gbps", K * K * K, LADON_RATE_BITS},
    {"Mbps", K * K, LADON_RATE_BITS},
    {"kbps", K, LADON_RATE_BITS},
    {"bps", 1, LADON_RATE_BITS},
    {"Tbit/s", K * K * K * K, LADON_RATE_BITS},
    {"Gbit/s", K * K * K, LADON_RATE_BITS},
    {"Mbit/s", K * K, LADON_RATE_BITS},
    {"kbit/s", K, LADON_RATE_BITS},
    {"bit/s", 1, LADON_RATE_BITS},
    {"TiB/s", KI * KI * KI * KI, LADON_RATE_BYTES},
    {"GiB/s", KI * KI * KI, LADON_RATE_BYTES},
    {"MiB/s", KI * KI, LADON_RATE_BYTES},
    {"KiB/s", KI, LADON_RATE_BYTES},
    {"TB/s", K * K * K * K, LADON_RATE_BYTES},
    {"GB/s", K * K * K, LADON_RATE_BYTES},
    {"MB/s", K * K, LADON_RATE_BYTES},
    {"kB/s", K, LADON_RATE_BYTES},
    {"B/s", 1, LADON_RATE_BYTES},
};

static const struct unit freq_units[] = {
    {"GHz", K * K * K, 0}, {"MHz", K * K, 0}, {"kHz", K, 0}, {"Hz", 1, 0},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const struct quantity q_time = {
    "a time", "\"120ns\"", "ps, ns, us, ms, s",
    "2^64 - 1 ps, about 213 days", time_units, N_OF(time_units)};
static const struct quantity q_size = {
    "a size", "\"4KiB\"", "B, KiB, MiB, GiB, TiB, kB, MB, GB, TB",
    "2^64 - 1 bytes", size_units, N_OF(size_units)};
static const struct quantity q_rate = {
    "a rate", "\"8GT/s\", \"25Gb/s\" or \"3.2GB/s\"",
    "T/s, b/s, bps, bit/s, B/s with prefix k, M, G or T; B/s also Ki, Mi, "
    "Gi, Ti",
    "2^64 - 1 per second", rate_units, N_OF(rate_units)};
static const struct quantity q_freq = {
    "a frequency", "\"1GHz\"", "Hz, kHz, MHz, GHz", "2^64 - 1 Hz",
    freq_units, N_OF(freq_units)};

static const char *whole_noun(const struct quantity *q, int tag) {
  if (q == &q_time) return "picoseconds";
  if (q == &q_size) return "bytes";
  if (q == &q_freq) return "hertz";
  switch (tag) {
    case LADON_RATE_TRANSFERS: return "transfers per second";
    case LADON_RATE_BITS: return "bits per second";
    default: return "bytes per second";
  }
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static ladon_status syntax_error(const struct quantity *q, const char *text,
                                 ladon_error *err) {
  char quoted[LADON__QUOTE_BUF];
  return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                          "expected %s such as %s (units %s), got %s", q->noun,
                          q->example, q->units,
                          ladon__quote(quoted, sizeof quoted, text));
}

static ladon_status parse_quantity(const struct quantity *q, const char *text,
                                   uint64_t *out, int *out_tag,
                                   ladon_error *err) {
  char quoted[LADON__QUOTE_BUF];
  if (text == NULL || out == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "expected %s such as %s, got no text", q->noun,
                            q->example);
  const char *p = text;
  if (!is_digit(*p)) return syntax_error(q, text, err);
  if (p[0] == '0' && is_digit(p[1]))
    return ladon__error_set(
        err, LADON_EPARSE, NULL, 0, 0,
        "%s has a leading zero; write numbers without them",
        ladon__quote(quoted, sizeof quoted, text));
  uint64_t ip = 0;
  int too_large = 0;
  for (; is_digit(*p); p++) {
    unsigned d = (unsigned)(*p - '0');
    if (ip > (UINT64_MAX - d) / 10) too_large = 1;
    else ip = ip * 10 + d;
  }
  /* The fraction, without trailing zeros: frac / 10^scale. */
  uint64_t frac = 0;
  unsigned scale = 0, zeros = 0;
  int too_precise = 0;
  if (*p == '.') {
    p++;
    if (!is_digit(*p)) return syntax_error(q, text, err);
    for (; is_digit(*p); p++) {
      if (*p == '0') {
        zeros++;
        continue;
      }
      /* 10^19 still fits in 64 bits; more digits cannot be exact here. */
      if (scale + zeros + 1 > 19) {
        too_precise = 1;
        zeros = 0;
        continue;
      }
      for (; zeros > 0; zeros--, scale++) frac *= 10;
      frac = frac * 10 + (uint64_t)(*p - '0');
      scale++;
    }
  }
  if (*p == ' ') p++;
  const struct unit *u = NULL;
  for (size_t i = 0; i < q->n; i++)
    if (strcmp(p, q->table[i].suffix) == 0) u = &q->table[i];
  if (u == NULL) return syntax_error(q, text, err);

  if (too_large)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%s is too large (the limit is %s)",
                            ladon__quote(quoted, sizeof quoted, text),
                            q->limit);
  if (too_precise)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%s has too many decimal places to be a whole "
                            "number of %s",
                            ladon__quote(quoted, sizeof quoted, text),
                            whole_noun(q, u->tag));
  u128 v = (u128)ip * u->factor;
  if (scale > 0) {
    uint64_t den = 1;
    for (unsigned i = 0; i < scale; i++) den *= 10;
    u128 num = (u128)frac * u->factor;
    if (num % den != 0)
      return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                              "%s is not a whole number of %s",
                              ladon__quote(quoted, sizeof quoted, text),
                              whole_noun(q, u->tag));
    v += num / den;
  }
  if (v > UINT64_MAX)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%s is too large (the limit is %s)",
                            ladon__quote(quoted, sizeof quoted, text),
                            q->limit);
  *out = (uint64_t)v;
  if (out_tag) *out_tag = u->tag;
  return LADON_OK;
}

ladon_status ladon_parse_time_ps(const char *text, ladon_time_ps *out_ps,
                                 ladon_error *err) {
  return parse_quantity(&q_time, text, out_ps, NULL, err);
}

ladon_status ladon_parse_size_bytes(const char *text, uint64_t *out_bytes,
                                    ladon_error *err) {
  return parse_quantity(&q_size, text, out_bytes, NULL, err);
}

ladon_status ladon_parse_rate(const char *text, ladon_rate *out,
                              ladon_error *err) {
  uint64_t v = 0;
  int tag = 0;
  if (out == NULL) return parse_quantity(&q_rate, NULL, &v, &tag, err);
  ladon_status st = parse_quantity(&q_rate, text, &v, &tag, err);
  if (st != LADON_OK) return st;
  out->kind = (ladon_rate_kind)tag;
  out->per_s = v;
  return LADON_OK;
}

ladon_status ladon_rate_convert(ladon_rate rate, ladon_rate_kind to,
                                uint64_t *out_per_s) {
  if (out_per_s == NULL) return LADON_EINVAL;
  if (rate.kind == to) {
    *out_per_s = rate.per_s;
    return LADON_OK;
  }
  if (rate.kind == LADON_RATE_BYTES && to == LADON_RATE_BITS) {
    if (rate.per_s > UINT64_MAX / 8) return LADON_ERANGE;
    *out_per_s = rate.per_s * 8;
    return LADON_OK;
  }
  if (rate.kind == LADON_RATE_BITS && to == LADON_RATE_BYTES) {
    if (rate.per_s % 8 != 0) return LADON_ERANGE;
    *out_per_s = rate.per_s / 8;
    return LADON_OK;
  }
  return LADON_EINVAL;
}

ladon_status ladon_parse_freq_hz(const char *text, uint64_t *out_hz,
                                 ladon_error *err) {
  return parse_quantity(&q_freq, text, out_hz, NULL, err);
}

ladon_status ladon_freq_period_ps(uint64_t hz, ladon_time_ps *out_ps) {
  const uint64_t ps_per_s = K * K * K * K;
  if (hz == 0 || out_ps == NULL) return LADON_EINVAL;
  uint64_t q = ps_per_s / hz, r = ps_per_s % hz;
  /* Nearest, ties up; r < hz, so 2r cannot overflow for hz < 2^63. */
  if ((u128)r * 2 >= hz) q++;
  if (q == 0) q = 1;
  *out_ps = q;
  return r == 0 ? LADON_OK : LADON_ERANGE;
}

ladon_status ladon_parse_u64(const char *text, uint64_t *out,
                             ladon_error *err) {
  char quoted[LADON__QUOTE_BUF];
  static const char expected[] =
      "expected a non-negative integer such as \"42\" or \"0x2a\", got %s";
  if (text == NULL || out == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, expected,
                            "no text");
  const char *p = text;
  uint64_t v = 0;
  int too_large = 0;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    p += 2;
    if (*p == '\0') goto syntax;
    for (; *p; p++) {
      unsigned d;
      if (*p >= '0' && *p <= '9') d = (unsigned)(*p - '0');
      else if (*p >= 'a' && *p <= 'f') d = (unsigned)(*p - 'a' + 10);
      else if (*p >= 'A' && *p <= 'F') d = (unsigned)(*p - 'A' + 10);
      else goto syntax;
      if (v >> 60) too_large = 1;
      v = v << 4 | d;
    }
  } else {
    if (!is_digit(*p)) goto syntax;
    if (p[0] == '0' && p[1] != '\0') {
      if (!is_digit(p[1])) goto syntax;
      return ladon__error_set(
          err, LADON_EPARSE, NULL, 0, 0,
          "%s has a leading zero; write decimal numbers without them (and "
          "hexadecimal with 0x)",
          ladon__quote(quoted, sizeof quoted, text));
    }
    for (; *p; p++) {
      if (!is_digit(*p)) goto syntax;
      unsigned d = (unsigned)(*p - '0');
      if (v > (UINT64_MAX - d) / 10) too_large = 1;
      else v = v * 10 + d;
    }
  }
  if (too_large)
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%s does not fit in 64 bits (the limit is "
                            "18446744073709551615)",
                            ladon__quote(quoted, sizeof quoted, text));
  *out = v;
  return LADON_OK;
syntax:
  return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0, expected,
                          ladon__quote(quoted, sizeof quoted, text));
}

ladon_status ladon_parse_bool(const char *text, bool *out, ladon_error *err) {
  char quoted[LADON__QUOTE_BUF];
  if (text != NULL && out != NULL && strcmp(text, "true") == 0) {
    *out = true;
    return LADON_OK;
  }
  if (text != NULL && out != NULL && strcmp(text, "false") == 0) {
    *out = false;
    return LADON_OK;
  }
  return ladon__error_set(err, text && out ? LADON_EPARSE : LADON_EINVAL, NULL,
                          0, 0, "expected true or false, got %s",
                          text ? ladon__quote(quoted, sizeof quoted, text)
                               : "no text");
}

/* The JSON number grammar (RFC 8259 §6), the whole string. */
static int is_json_number(const char *p) {
  if (*p == '-') p++;
  if (*p == '0') p++;
  else if (*p >= '1' && *p <= '9')
    while (is_digit(*p)) p++;
  else return 0;
  if (*p == '.') {
    p++;
    if (!is_digit(*p)) return 0;
    while (is_digit(*p)) p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!is_digit(*p)) return 0;
    while (is_digit(*p)) p++;
  }
  return *p == '\0';
}

/* strtod/snprintf in the "C" locale whatever the process chose. */
static locale_t c_locale_enter(locale_t *old) {
  locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  *old = c ? uselocale(c) : (locale_t)0;
  return c;
}

static void c_locale_leave(locale_t c, locale_t old) {
  if (c) {
    uselocale(old);
    freelocale(c);
  }
}

ladon_status ladon_parse_double(const char *text, double *out,
                                ladon_error *err) {
  char quoted[LADON__QUOTE_BUF];
  if (text == NULL || out == NULL)
    return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0,
                            "expected a number such as \"0.75\", got no text");
  if (!is_json_number(text))
    return ladon__error_set(
        err, LADON_EPARSE, NULL, 0, 0,
        "expected a number such as \"0.75\" or \"1e-3\", got %s",
        ladon__quote(quoted, sizeof quoted, text));
  locale_t old;
  locale_t c = c_locale_enter(&old);
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  int e = errno;
  c_locale_leave(c, old);
  if (end == NULL || *end != '\0')
    return ladon__error_set(err, LADON_EPARSE, NULL, 0, 0,
                            "could not read %s as a number",
                            ladon__quote(quoted, sizeof quoted, text));
  if (isinf(v) || (e == ERANGE && fabs(v) > 1.0))
    return ladon__error_set(err, LADON_ERANGE, NULL, 0, 0,
                            "%s is too large for a double",
                            ladon__quote(quoted, sizeof quoted, text));
  *out = v; /* underflow to a subnormal or zero is accepted */
  return LADON_OK;
}

/*
** The exact decimal text of v / u->factor followed by the suffix.  Returns
** its length, or 0 when it would be longer than `size` allows.  Factors
** are products of 2s and 5s, so the fraction always terminates.
*/
static size_t exact_form(uint64_t v, const struct unit *u, char *buf,
                         size_t size) {
  uint64_t f = u->factor;
  int n = snprintf(buf, size, "%llu", (unsigned long long)(v / f));
  if (n < 0 || (size_t)n >= size) return 0;
  size_t o = (size_t)n;
  uint64_t r = v % f;
  if (r != 0) {
    if (o + 1 >= size) return 0;
    buf[o++] = '.';
    while (r != 0) {
      if (o + 1 >= size) return 0;
      r *= 10; /* r < f <= 2^40: no overflow */
      buf[o++] = (char)('0' + r / f);
      r %= f;
    }
  }
  size_t sl = strlen(u->suffix);
  if (o + sl + 1 > size) return 0;
  memcpy(buf + o, u->suffix, sl + 1);
  return o + sl;
}

static char *format_best(uint64_t v, const struct unit *table, size_t n,
                         int tag, char *buf, size_t size) {
  char best[64] = "", cand[64];
  size_t best_len = 0;
  int best_dot = 1;
  for (size_t i = 0; i < n; i++) {
    if (table[i].tag != tag) continue;
    size_t len = exact_form(v, &table[i], cand, sizeof cand);
    if (len == 0) continue;
    int dot = strchr(cand, '.') != NULL;
    if (best_len == 0 || len < best_len ||
        (len == best_len && !dot && best_dot)) {
      memcpy(best, cand, len + 1);
      best_len = len;
      best_dot = dot;
    }
  }
  if (buf != NULL && size > 0) snprintf(buf, size, "%s", best);
  return buf;
}

char *ladon_format_time(ladon_time_ps ps, char *buf, size_t size) {
  return format_best(ps, time_units, N_OF(time_units), 0, buf, size);
}

char *ladon_format_size(uint64_t bytes, char *buf, size_t size) {
  return format_best(bytes, size_units, N_OF(size_units), 0, buf, size);
}

char *ladon_format_rate(ladon_rate rate, char *buf, size_t size) {
  /* Only the first spelling of each factor is a candidate: the formatter
     keeps the first of equally short forms, and "Gb/s" precedes "Gbps". */
  return format_best(rate.per_s, rate_units, N_OF(rate_units),
                     (int)rate.kind, buf, size);
}

char *ladon_format_freq(uint64_t hz, char *buf, size_t size) {
  return format_best(hz, freq_units, N_OF(freq_units), 0, buf, size);
}

char *ladon_format_double(double v, char *buf, size_t size) {
  if (buf == NULL || size == 0) return buf;
  if (isnan(v)) {
    snprintf(buf, size, "nan");
    return buf;
  }
  if (isinf(v)) {
    snprintf(buf, size, v < 0 ? "-inf" : "inf");
    return buf;
  }
  locale_t old;
  locale_t c = c_locale_enter(&old);
  char tmp[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (strtod(tmp, NULL) == v) break;
  }
  c_locale_leave(c, old);
  snprintf(buf, size, "%s", tmp);
  return buf;
}
