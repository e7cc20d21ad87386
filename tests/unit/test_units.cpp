// Unit parsers and formatters (include/ladon/units.h, docs/units.md).
//
// Expected values are the SI / IEC definitions written out: 1 ns = 10^3 ps,
// 1 us = 10^6 ps, 1 ms = 10^9 ps, 1 s = 10^12 ps; 1 KiB = 2^10 B,
// 1 MiB = 2^20 B, 1 GiB = 2^30 B, 1 TiB = 2^40 B; k/M/G/T = 10^3/6/9/12.
#include <gtest/gtest.h>

#include <clocale>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include "ladon/units.h"
}

namespace {

struct TimeCase {
  const char *text;
  uint64_t ps;
};

TEST(UnitsTime, ParsesEveryUnitExactly) {
  const TimeCase cases[] = {
      {"0ps", 0},
      {"1ps", 1},
      {"250ps", 250},
      {"120ns", 120ull * 1000},                 // 120 * 10^3
      {"1.5us", 1500ull * 1000},                // 1.5 * 10^6
      {"10 us", 10ull * 1000 * 1000},           // one space allowed
      {"2ms", 2ull * 1000 * 1000 * 1000},       // 2 * 10^9
      {"3s", 3ull * 1000 * 1000 * 1000 * 1000}, // 3 * 10^12
      {"0.001ns", 1},                           // 10^-3 * 10^3
      {"1.000000000001s", 1000000000001ull},    // 10^12 + 1
      {"4.000ns", 4000},                        // trailing zeros are exact
      {"0.5ns", 500},
  };
  for (const TimeCase &c : cases) {
    uint64_t ps = 12345;
    ladon_error err;
    ladon_error_clear(&err);
    EXPECT_EQ(ladon_parse_time_ps(c.text, &ps, &err), LADON_OK) << c.text
                                                                << err.text;
    EXPECT_EQ(ps, c.ps) << c.text;
  }
}

TEST(UnitsTime, RejectsMalformedTextWithTheDocumentedMessage) {
  ladon_error err;
  ladon_error_clear(&err);
  uint64_t ps = 7;
  EXPECT_EQ(ladon_parse_time_ps("120nz", &ps, &err), LADON_EPARSE);
  EXPECT_STREQ(err.text,
               "expected a time such as \"120ns\" (units ps, ns, us, ms, s), "
               "got \"120nz\"");
  EXPECT_EQ(err.line, 0);
  EXPECT_STREQ(err.file, "");
  EXPECT_EQ(ps, 7u) << "output untouched on failure";

  const char *bad[] = {"",      "ns",    "120",    " 120ns", "120ns ",
                       "120  ns", "-1ns", "+1ns",  "1.ns",   ".5ns",
                       "1e3ns", "1,5ns", "120NS",  "120 ns ", "0x10ns",
                       "1_000ns", "120\tns", "120µs"};
  for (const char *b : bad) {
    ladon_error_clear(&err);
    EXPECT_EQ(ladon_parse_time_ps(b, &ps, &err), LADON_EPARSE) << b;
    EXPECT_NE(std::string(err.text).find("expected a time"),
              std::string::npos)
        << b << ": " << err.text;
  }
}

TEST(UnitsTime, RejectsLeadingZeros) {
  ladon_error err;
  uint64_t ps;
  EXPECT_EQ(ladon_parse_time_ps("007ns", &ps, &err), LADON_EPARSE);
  EXPECT_NE(std::string(err.text).find("leading zero"), std::string::npos);
  EXPECT_EQ(ladon_parse_time_ps("0.7ns", &ps, &err), LADON_OK);
  EXPECT_EQ(ps, 700u);
}

TEST(UnitsTime, FractionsMustGiveWholePicoseconds) {
  ladon_error err;
  uint64_t ps;
  EXPECT_EQ(ladon_parse_time_ps("0.5ps", &ps, &err), LADON_ERANGE);
  EXPECT_STREQ(err.text, "\"0.5ps\" is not a whole number of picoseconds");
  // 1.2345 ns = 1234.5 ps: not whole.
  EXPECT_EQ(ladon_parse_time_ps("1.2345ns", &ps, &err), LADON_ERANGE);
  // 1.2345 us = 1234500 ps: whole.
  EXPECT_EQ(ladon_parse_time_ps("1.2345us", &ps, &err), LADON_OK);
  EXPECT_EQ(ps, 1234500u);
  // 20 decimal places cannot be whole even in seconds (10^12 ps).
  EXPECT_EQ(ladon_parse_time_ps("1.00000000000000000001s", &ps, &err),
            LADON_ERANGE);
}

TEST(UnitsTime, DetectsOverflowAtTwoToTheSixtyFour) {
  ladon_error err;
  uint64_t ps;
  // 2^64 - 1 = 18446744073709551615.
  EXPECT_EQ(ladon_parse_time_ps("18446744073709551615ps", &ps, &err),
            LADON_OK);
  EXPECT_EQ(ps, UINT64_MAX);
  EXPECT_EQ(ladon_parse_time_ps("18446744073709551616ps", &ps, &err),
            LADON_ERANGE);
  EXPECT_NE(std::string(err.text).find("too large"), std::string::npos);
  // The same limit written in seconds: 18446744.073709551615 s.
  EXPECT_EQ(ladon_parse_time_ps("18446744.073709551615s", &ps, &err),
            LADON_OK);
  EXPECT_EQ(ps, UINT64_MAX);
  EXPECT_EQ(ladon_parse_time_ps("18446744.073709551616s", &ps, &err),
            LADON_ERANGE);
  // 18446745 s > 2^64 ps: the multiplication overflows.
  EXPECT_EQ(ladon_parse_time_ps("18446745s", &ps, &err), LADON_ERANGE);
  EXPECT_EQ(ladon_parse_time_ps("99999999999999999999999ps", &ps, &err),
            LADON_ERANGE);
}

TEST(UnitsTime, NullArgumentsAreInvalid) {
  ladon_error err;
  uint64_t ps;
  EXPECT_EQ(ladon_parse_time_ps(nullptr, &ps, &err), LADON_EINVAL);
  EXPECT_EQ(ladon_parse_time_ps("1ns", nullptr, &err), LADON_EINVAL);
  EXPECT_EQ(ladon_parse_time_ps("1ns", &ps, nullptr), LADON_OK);
}

TEST(UnitsTime, QuotesOddInputSafely) {
  ladon_error err;
  uint64_t ps;
  EXPECT_EQ(ladon_parse_time_ps("a\"b\\c\n", &ps, &err), LADON_EPARSE);
  EXPECT_NE(std::string(err.text).find("got \"a\\\"b\\\\c\\x0A\""),
            std::string::npos)
      << err.text;
  std::string longtext(300, '9');
  longtext += "zz";
  EXPECT_EQ(ladon_parse_time_ps(longtext.c_str(), &ps, &err), LADON_EPARSE);
  EXPECT_LT(std::strlen(err.text), 300u) << "long input is cut";
  EXPECT_NE(std::string(err.text).find("\"..."), std::string::npos);
}

TEST(UnitsSize, BinaryAndDecimalUnits) {
  const struct {
    const char *text;
    uint64_t bytes;
  } cases[] = {
      {"0B", 0},
      {"64B", 64},
      {"4KiB", 4096},                               // 4 * 2^10
      {"1.5KiB", 1536},                             // 1.5 * 1024
      {"2MiB", 2ull << 20},                         // 2 * 2^20
      {"16GiB", 16ull << 30},                       // 16 * 2^30
      {"1TiB", 1ull << 40},                         // 2^40
      {"4kB", 4000},                                // 4 * 10^3
      {"1.5MB", 1500000},                           // 1.5 * 10^6
      {"3 GB", 3000000000ull},                      // 3 * 10^9
      {"2TB", 2000000000000ull},                    // 2 * 10^12
      {"0.0009765625KiB", 1},                       // 2^-10 KiB = 1 B
      {"16777215TiB", 16777215ull << 40},           // < 2^64
  };
  for (const auto &c : cases) {
    uint64_t b = 1;
    ladon_error err;
    EXPECT_EQ(ladon_parse_size_bytes(c.text, &b, &err), LADON_OK)
        << c.text << ": " << err.text;
    EXPECT_EQ(b, c.bytes) << c.text;
  }
}

TEST(UnitsSize, RejectsAmbiguousAndInexact) {
  ladon_error err;
  uint64_t b;
  for (const char *bad : {"4KB", "4K", "4k", "4kiB", "4", "4 b", "4Kib"}) {
    EXPECT_EQ(ladon_parse_size_bytes(bad, &b, &err), LADON_EPARSE) << bad;
    EXPECT_NE(std::string(err.text).find("expected a size such as"),
              std::string::npos);
  }
  EXPECT_EQ(ladon_parse_size_bytes("1.3B", &b, &err), LADON_ERANGE);
  EXPECT_STREQ(err.text, "\"1.3B\" is not a whole number of bytes");
  // 16777216 TiB = 2^24 * 2^40 = 2^64: one past the limit.
  EXPECT_EQ(ladon_parse_size_bytes("16777216TiB", &b, &err), LADON_ERANGE);
}

TEST(UnitsRate, KeepsTheKindAsWritten) {
  const struct {
    const char *text;
    ladon_rate_kind kind;
    uint64_t per_s;
  } cases[] = {
      {"2.5GT/s", LADON_RATE_TRANSFERS, 2500000000ull},  // PCIe Gen1
      {"8GT/s", LADON_RATE_TRANSFERS, 8000000000ull},    // PCIe Gen3
      {"64GT/s", LADON_RATE_TRANSFERS, 64000000000ull},  // PCIe Gen6
      {"100MT/s", LADON_RATE_TRANSFERS, 100000000ull},
      {"25Gbps", LADON_RATE_BITS, 25000000000ull},
      {"25Gb/s", LADON_RATE_BITS, 25000000000ull},
      {"25Gbit/s", LADON_RATE_BITS, 25000000000ull},
      {"100 kbps", LADON_RATE_BITS, 100000ull},
      {"3.2GB/s", LADON_RATE_BYTES, 3200000000ull},
      {"1GiB/s", LADON_RATE_BYTES, 1ull << 30},
      {"15.75GB/s", LADON_RATE_BYTES, 15750000000ull},  // Gen3 x16
  };
  for (const auto &c : cases) {
    ladon_rate r = {LADON_RATE_BYTES, 0};
    ladon_error err;
    EXPECT_EQ(ladon_parse_rate(c.text, &r, &err), LADON_OK) << c.text
                                                            << err.text;
    EXPECT_EQ(r.kind, c.kind) << c.text;
    EXPECT_EQ(r.per_s, c.per_s) << c.text;
  }
  ladon_rate r;
  ladon_error err;
  for (const char *bad : {"8GT", "8 GT/S", "8Gt/s", "25GBps", "8GHz", "8/s"})
    EXPECT_EQ(ladon_parse_rate(bad, &r, &err), LADON_EPARSE) << bad;
  EXPECT_EQ(ladon_parse_rate("0.1T/s", &r, &err), LADON_ERANGE);
  EXPECT_STREQ(err.text,
               "\"0.1T/s\" is not a whole number of transfers per second");
}

TEST(UnitsRate, ConvertsBetweenBitsAndBytesExactly) {
  uint64_t v = 0;
  ladon_rate bytes = {LADON_RATE_BYTES, 3200000000ull};
  EXPECT_EQ(ladon_rate_convert(bytes, LADON_RATE_BITS, &v), LADON_OK);
  EXPECT_EQ(v, 25600000000ull);  // 3.2e9 B/s * 8
  ladon_rate bits = {LADON_RATE_BITS, 25000000000ull};
  EXPECT_EQ(ladon_rate_convert(bits, LADON_RATE_BYTES, &v), LADON_OK);
  EXPECT_EQ(v, 3125000000ull);  // 25e9 / 8
  ladon_rate odd = {LADON_RATE_BITS, 9};
  EXPECT_EQ(ladon_rate_convert(odd, LADON_RATE_BYTES, &v), LADON_ERANGE);
  ladon_rate gt = {LADON_RATE_TRANSFERS, 8000000000ull};
  EXPECT_EQ(ladon_rate_convert(gt, LADON_RATE_BITS, &v), LADON_EINVAL);
  ladon_rate huge = {LADON_RATE_BYTES, UINT64_MAX / 8 + 1};
  EXPECT_EQ(ladon_rate_convert(huge, LADON_RATE_BITS, &v), LADON_ERANGE);
}

TEST(UnitsFreq, ParsesAndGivesThePeriod) {
  uint64_t hz = 0;
  ladon_error err;
  ladon_time_ps period = 0;
  ASSERT_EQ(ladon_parse_freq_hz("1GHz", &hz, &err), LADON_OK);
  EXPECT_EQ(hz, 1000000000ull);
  EXPECT_EQ(ladon_freq_period_ps(hz, &period), LADON_OK);
  EXPECT_EQ(period, 1000u);  // 10^12 / 10^9
  ASSERT_EQ(ladon_parse_freq_hz("100MHz", &hz, &err), LADON_OK);
  EXPECT_EQ(ladon_freq_period_ps(hz, &period), LADON_OK);
  EXPECT_EQ(period, 10000u);  // 10^12 / 10^8
  ASSERT_EQ(ladon_parse_freq_hz("1.6GHz", &hz, &err), LADON_OK);
  EXPECT_EQ(ladon_freq_period_ps(hz, &period), LADON_OK);
  EXPECT_EQ(period, 625u);  // 10^12 / 1.6e9
  ASSERT_EQ(ladon_parse_freq_hz("3GHz", &hz, &err), LADON_OK);
  EXPECT_EQ(ladon_freq_period_ps(hz, &period), LADON_ERANGE);
  EXPECT_EQ(period, 333u);  // 333.33.. rounded to nearest
  ASSERT_EQ(ladon_parse_freq_hz("1.5 kHz", &hz, &err), LADON_OK);
  EXPECT_EQ(hz, 1500u);
  EXPECT_EQ(ladon_freq_period_ps(hz, &period), LADON_ERANGE);
  EXPECT_EQ(period, 666666667u);  // 666666666.67 rounds up
  EXPECT_EQ(ladon_freq_period_ps(0, &period), LADON_EINVAL);
  EXPECT_EQ(ladon_freq_period_ps(UINT64_MAX, &period), LADON_ERANGE);
  EXPECT_EQ(period, 1u) << "a period never rounds to 0";
  EXPECT_EQ(ladon_parse_freq_hz("1GHZ", &hz, &err), LADON_EPARSE);
  EXPECT_EQ(ladon_parse_freq_hz("0.5Hz", &hz, &err), LADON_ERANGE);
}

TEST(UnitsPlain, Integers) {
  uint64_t v = 0;
  ladon_error err;
  EXPECT_EQ(ladon_parse_u64("0", &v, &err), LADON_OK);
  EXPECT_EQ(v, 0u);
  EXPECT_EQ(ladon_parse_u64("42", &v, &err), LADON_OK);
  EXPECT_EQ(v, 42u);
  EXPECT_EQ(ladon_parse_u64("0x2a", &v, &err), LADON_OK);
  EXPECT_EQ(v, 42u);
  EXPECT_EQ(ladon_parse_u64("0XFFFFFFFFFFFFFFFF", &v, &err), LADON_OK);
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_EQ(ladon_parse_u64("0x00000000000000001", &v, &err), LADON_OK);
  EXPECT_EQ(v, 1u) << "leading zeros are harmless in hex";
  EXPECT_EQ(ladon_parse_u64("18446744073709551615", &v, &err), LADON_OK);
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_EQ(ladon_parse_u64("18446744073709551616", &v, &err), LADON_ERANGE);
  EXPECT_EQ(ladon_parse_u64("0x10000000000000000", &v, &err), LADON_ERANGE);
  EXPECT_EQ(ladon_parse_u64("010", &v, &err), LADON_EPARSE);
  EXPECT_NE(std::string(err.text).find("leading zero"), std::string::npos);
  for (const char *bad : {"", "-1", "+1", "0x", "0xg", "1 ", " 1", "1e3",
                          "1.0", "0b101", "12a"}) {
    EXPECT_EQ(ladon_parse_u64(bad, &v, &err), LADON_EPARSE) << bad;
    EXPECT_NE(std::string(err.text).find("expected a non-negative integer"),
              std::string::npos);
  }
}

TEST(UnitsPlain, Booleans) {
  bool b = false;
  ladon_error err;
  EXPECT_EQ(ladon_parse_bool("true", &b, &err), LADON_OK);
  EXPECT_TRUE(b);
  EXPECT_EQ(ladon_parse_bool("false", &b, &err), LADON_OK);
  EXPECT_FALSE(b);
  for (const char *bad : {"True", "1", "yes", "on", "", "false "}) {
    EXPECT_EQ(ladon_parse_bool(bad, &b, &err), LADON_EPARSE) << bad;
    EXPECT_NE(std::string(err.text).find("expected true or false"),
              std::string::npos);
  }
}

TEST(UnitsPlain, DoublesUseJsonSyntaxWhateverTheLocale) {
  double d = 0;
  ladon_error err;
  EXPECT_EQ(ladon_parse_double("0.75", &d, &err), LADON_OK);
  EXPECT_EQ(d, 0.75);
  EXPECT_EQ(ladon_parse_double("-3", &d, &err), LADON_OK);
  EXPECT_EQ(d, -3.0);
  EXPECT_EQ(ladon_parse_double("1e-3", &d, &err), LADON_OK);
  EXPECT_EQ(d, 0.001);
  for (const char *bad : {"", ".5", "5.", "+1", "0x10", "nan", "inf", "1e",
                          "01", "1,5", " 1"})
    EXPECT_EQ(ladon_parse_double(bad, &d, &err), LADON_EPARSE) << bad;
  EXPECT_EQ(ladon_parse_double("1e400", &d, &err), LADON_ERANGE);
  // A locale with a decimal comma must not change the syntax.  Skipped
  // silently where no such locale is installed.
  if (std::setlocale(LC_NUMERIC, "de_DE.UTF-8") != nullptr) {
    EXPECT_EQ(ladon_parse_double("0.75", &d, &err), LADON_OK);
    EXPECT_EQ(d, 0.75);
    char buf[LADON_FORMAT_MAX];
    EXPECT_STREQ(ladon_format_double(0.75, buf, sizeof buf), "0.75");
    std::setlocale(LC_NUMERIC, "C");
  }
}

TEST(UnitsFormat, ShortestExactForms) {
  char buf[LADON_FORMAT_MAX];
  EXPECT_STREQ(ladon_format_time(120000, buf, sizeof buf), "120ns");
  EXPECT_STREQ(ladon_format_time(1500000, buf, sizeof buf), "1.5us");
  EXPECT_STREQ(ladon_format_time(1500, buf, sizeof buf), "1.5ns");
  EXPECT_STREQ(ladon_format_time(1, buf, sizeof buf), "1ps");
  EXPECT_STREQ(ladon_format_time(0, buf, sizeof buf), "0s");
  EXPECT_STREQ(ladon_format_time(1000000000000ull, buf, sizeof buf), "1s");
  // "100us" and "0.1ms" are equally short: the form without a point wins.
  EXPECT_STREQ(ladon_format_time(100000000ull, buf, sizeof buf), "100us");
  EXPECT_STREQ(ladon_format_time(1234567, buf, sizeof buf), "1234567ps");
  EXPECT_STREQ(ladon_format_time(UINT64_MAX, buf, sizeof buf),
               "18446744073709551615ps");
  EXPECT_STREQ(ladon_format_size(16ull << 30, buf, sizeof buf), "16GiB");
  EXPECT_STREQ(ladon_format_size(1000, buf, sizeof buf), "1kB");
  EXPECT_STREQ(ladon_format_size(1024, buf, sizeof buf), "1KiB");
  // "1536B" (5 characters) is shorter than "1.5KiB" (6).
  EXPECT_STREQ(ladon_format_size(1536, buf, sizeof buf), "1536B");
  EXPECT_STREQ(ladon_format_size(3ull << 29, buf, sizeof buf), "1.5GiB");
  EXPECT_STREQ(ladon_format_size(0, buf, sizeof buf), "0B");
  EXPECT_STREQ(ladon_format_size(64, buf, sizeof buf), "64B");
  ladon_rate r = {LADON_RATE_TRANSFERS, 8000000000ull};
  EXPECT_STREQ(ladon_format_rate(r, buf, sizeof buf), "8GT/s");
  r.per_s = 2500000000ull;
  EXPECT_STREQ(ladon_format_rate(r, buf, sizeof buf), "2.5GT/s");
  r = {LADON_RATE_BITS, 25000000000ull};
  EXPECT_STREQ(ladon_format_rate(r, buf, sizeof buf), "25Gb/s");
  r = {LADON_RATE_BYTES, 3200000000ull};
  EXPECT_STREQ(ladon_format_rate(r, buf, sizeof buf), "3.2GB/s");
  r = {LADON_RATE_BYTES, 1ull << 30};
  EXPECT_STREQ(ladon_format_rate(r, buf, sizeof buf), "1GiB/s");
  EXPECT_STREQ(ladon_format_freq(1000000000ull, buf, sizeof buf), "1GHz");
  EXPECT_STREQ(ladon_format_freq(100000000ull, buf, sizeof buf), "100MHz");
  EXPECT_STREQ(ladon_format_double(0.75, buf, sizeof buf), "0.75");
  EXPECT_STREQ(ladon_format_double(0.1, buf, sizeof buf), "0.1");
  char small[4];
  EXPECT_STREQ(ladon_format_time(120000, small, sizeof small), "120")
      << "cut to the buffer, always terminated";
}

// A deterministic generator for the round-trip test (no wall clock).
uint64_t next(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  uint64_t x = *s;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

TEST(UnitsFormat, RoundTripsThroughTheParser) {
  uint64_t seed = 42;
  char buf[LADON_FORMAT_MAX];
  for (int i = 0; i < 20000; i++) {
    uint64_t v = next(&seed);
    // Mix magnitudes and round numbers so every unit gets chosen.
    switch (i % 4) {
      case 0: v >>= (v & 63); break;
      case 1: v = (v % 100000) * 1000000ull; break;
      case 2: v = (v % 1000) << (10 * (v % 5)); break;
      default: break;
    }
    uint64_t back = ~v;
    ladon_format_time(v, buf, sizeof buf);
    ASSERT_EQ(ladon_parse_time_ps(buf, &back, nullptr), LADON_OK) << buf;
    ASSERT_EQ(back, v) << buf;
    ladon_format_size(v, buf, sizeof buf);
    ASSERT_EQ(ladon_parse_size_bytes(buf, &back, nullptr), LADON_OK) << buf;
    ASSERT_EQ(back, v) << buf;
    ladon_format_freq(v, buf, sizeof buf);
    ASSERT_EQ(ladon_parse_freq_hz(buf, &back, nullptr), LADON_OK) << buf;
    ASSERT_EQ(back, v) << buf;
    for (int k = 0; k < 3; k++) {
      ladon_rate r = {(ladon_rate_kind)k, v}, rb = {LADON_RATE_BITS, 0};
      ladon_format_rate(r, buf, sizeof buf);
      ASSERT_EQ(ladon_parse_rate(buf, &rb, nullptr), LADON_OK) << buf;
      ASSERT_EQ(rb.kind, r.kind) << buf;
      ASSERT_EQ(rb.per_s, v) << buf;
    }
    double d = (double)(int64_t)v / 1e6, db = 0;
    ladon_format_double(d, buf, sizeof buf);
    ASSERT_EQ(ladon_parse_double(buf, &db, nullptr), LADON_OK) << buf;
    ASSERT_EQ(db, d) << buf;
  }
}

}  // namespace
