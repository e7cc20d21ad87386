/*
** Units: strict parsers and exact formatters for the values users write in
** topology files and on the command line.
**
** Every quantity is an unsigned 64-bit integer in a base unit: times in
** picoseconds, sizes in bytes, rates in transfers, bits or bytes per second,
** frequencies in hertz.  Text is "<number><unit>" with no space or exactly
** one ASCII space between them; the number is decimal, may have a fraction
** ("1.5us"), but the result must be a whole number of the base unit, and
** must fit in 64 bits.  Nothing is rounded.  docs/units.md lists every
** accepted unit with examples.
**
** Parsers return LADON_OK, LADON_EPARSE (the text is not of the expected
** form), LADON_ERANGE (well formed, but too large or not a whole number of
** the base unit) or LADON_EINVAL (NULL text or output).  On failure `err`
** (may be NULL) holds a message saying what was expected, e.g.
**   expected a time such as "120ns" (units ps, ns, us, ms, s), got "120nz"
** with no file or position; loaders add those.  Outputs are written only on
** success.
*/
#ifndef LADON_UNITS_H
#define LADON_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/export.h"
#include "ladon/sim.h"

LADON_BEGIN_DECLS

/* Room for any string the ladon_format_*() functions produce. */
#define LADON_FORMAT_MAX 32

/*
** A time: "120ns", "1.5us", "10 ms", "250ps", "2s" (units ps, ns, us, ms,
** s).  "0.5ps" is rejected (not whole picoseconds); the largest time is
** 2^64 - 1 ps, about 213 days.
*/
LADON_API ladon_status ladon_parse_time_ps(const char *text,
                                           ladon_time_ps *out_ps,
                                           ladon_error *err);

/*
** A size: binary units B, KiB, MiB, GiB, TiB (powers of 1024) and decimal
** kB, MB, GB, TB (powers of 1000).  "4KiB" = 4096, "1.5KiB" = 1536,
** "4kB" = 4000.  "KB" and "K" are rejected as ambiguous.
*/
LADON_API ladon_status ladon_parse_size_bytes(const char *text,
                                              uint64_t *out_bytes,
                                              ladon_error *err);

/* What a rate counts per second. */
typedef enum ladon_rate_kind {
  LADON_RATE_TRANSFERS, /* T/s: symbols per lane, "8GT/s" */
  LADON_RATE_BITS,      /* bit/s: "25Gb/s", "25Gbps", "25Gbit/s" */
  LADON_RATE_BYTES      /* B/s: "3.2GB/s", "1GiB/s" */
} ladon_rate_kind;

/* A rate as written: what it counts and how many per second. */
typedef struct ladon_rate {
  ladon_rate_kind kind;
  uint64_t per_s;
} ladon_rate;

/*
** A rate: transfers (T/s, kT/s, MT/s, GT/s), bits (b/s, bps or bit/s with
** prefix k, M, G or T) or bytes (B/s with prefix k, M, G, T, Ki, Mi, Gi or
** Ti).  Decimal prefixes are powers of 1000.  The kind is kept as written:
** the sim layer does not know line encodings, so GT/s is never converted.
*/
LADON_API ladon_status ladon_parse_rate(const char *text, ladon_rate *out,
                                        ladon_error *err);

/*
** Converts a rate of bits or bytes per second into `to` (LADON_RATE_BITS or
** LADON_RATE_BYTES): bytes to bits multiply by 8; bits to bytes must divide
** exactly.  Transfers convert only to transfers.  Returns LADON_OK,
** LADON_ERANGE (overflow or not whole) or LADON_EINVAL (incompatible kinds).
*/
LADON_API ladon_status ladon_rate_convert(ladon_rate rate, ladon_rate_kind to,
                                          uint64_t *out_per_s);

/* A frequency in hertz: Hz, kHz, MHz, GHz.  "1GHz", "100MHz", "1.6GHz". */
LADON_API ladon_status ladon_parse_freq_hz(const char *text, uint64_t *out_hz,
                                           ladon_error *err);

/*
** The clock period of `hz` in picoseconds, 10^12 / hz rounded to nearest
** (ties up), stored in *out_ps in every case but hz == 0.  Returns LADON_OK
** when the period is exact ("1GHz" -> 1000 ps, "250MHz" -> 4000 ps),
** LADON_ERANGE when it was rounded ("3GHz" -> 333 ps), LADON_EINVAL for
** hz == 0 or a NULL output.
*/
LADON_API ladon_status ladon_freq_period_ps(uint64_t hz, ladon_time_ps *out_ps);

/*
** A plain unsigned integer: decimal without leading zeros ("0", "42") or
** hexadecimal with a 0x/0X prefix ("0x2a").  No sign, no spaces, no
** separators; must fit in 64 bits.
*/
LADON_API ladon_status ladon_parse_u64(const char *text, uint64_t *out,
                                       ladon_error *err);

/* A boolean: exactly "true" or "false". */
LADON_API ladon_status ladon_parse_bool(const char *text, bool *out,
                                        ladon_error *err);

/*
** A real number in JSON number syntax ("0.75", "-3", "1e-3"); finite only.
** Parsed independently of the process locale.
*/
LADON_API ladon_status ladon_parse_double(const char *text, double *out,
                                          ladon_error *err);

/*
** Formatters: write the shortest exact text for a value into `buf` (at
** most `size` bytes with the terminator; LADON_FORMAT_MAX always suffices)
** and return `buf`.  The text parses back to the same value.  Among forms of
** equal length, one without a decimal point wins, then the larger unit
** (binary before decimal for sizes).  Examples: 120000 ps -> "120ns",
** 1500000 ps -> "1.5us", 0 -> "0s"; 17179869184 B -> "16GiB", 1000 B ->
** "1kB"; 8 GT/s -> "8GT/s"; 25 Gbit/s -> "25Gb/s"; 10^9 Hz -> "1GHz".
*/
LADON_API char *ladon_format_time(ladon_time_ps ps, char *buf, size_t size);
LADON_API char *ladon_format_size(uint64_t bytes, char *buf, size_t size);
LADON_API char *ladon_format_rate(ladon_rate rate, char *buf, size_t size);
LADON_API char *ladon_format_freq(uint64_t hz, char *buf, size_t size);

/*
** The shortest text that ladon_parse_double() reads back as exactly `v`
** ("0.75", "1e-07"), independent of the process locale.  Non-finite values
** give "nan", "inf" or "-inf" (which do not parse back).
*/
LADON_API char *ladon_format_double(double v, char *buf, size_t size);

LADON_END_DECLS

#endif /* LADON_UNITS_H */
