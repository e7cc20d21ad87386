// Tests of the statistics registry (ladon/stats.h): registration rules,
// exact fields, the histogram's quantile error bound against an exact sort,
// iteration order and the JSON / CSV writers.
#include <gtest/gtest.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <jansson.h>

extern "C" {
#include "ladon/sim.h"
#include "ladon/stats.h"
#include "sim/stats_int.h"
}

namespace {

struct StatsDeleter {
  void operator()(ladon_stats *s) const { ladon_stats_free(s); }
};
using StatsPtr = std::unique_ptr<ladon_stats, StatsDeleter>;

std::string to_string(ladon_status (*write)(const ladon_stats *, FILE *),
                      const ladon_stats *st, ladon_status *rc = nullptr) {
  char *buf = nullptr;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ladon_status r = write(st, f);
  fclose(f);
  if (rc) *rc = r;
  std::string s(buf, len);
  free(buf);
  return s;
}

TEST(SimStats, RegistrationReturnsTheSameHandleForTheSameNameAndKind) {
  StatsPtr st(ladon_stats_new());
  ladon_error err;
  ladon_counter *c = ladon_stats_counter(st.get(), "link.l0.up.tlps", "TLPs",
                                         "TLPs sent", &err);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(ladon_stats_counter(st.get(), "link.l0.up.tlps", "other", "x",
                                nullptr),
            c);
  EXPECT_EQ(ladon_stats_count(st.get()), 1u);
  const ladon_stat *s = ladon_stats_find(st.get(), "link.l0.up.tlps");
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(ladon_stat_unit(s), "TLPs") << "the first unit stays";
  EXPECT_STREQ(ladon_stat_description(s), "TLPs sent");
  ladon_error_clear(&err);
  EXPECT_EQ(ladon_stats_hist(st.get(), "link.l0.up.tlps", "ps", "", &err),
            nullptr);
  EXPECT_EQ(err.code, LADON_EEXIST);
  EXPECT_NE(strstr(err.text, "counter"), nullptr) << err.text;
  EXPECT_EQ(ladon_stats_accum(st.get(), "link.l0.up.tlps", "", "", nullptr),
            nullptr);
  EXPECT_EQ(ladon_stats_count(st.get()), 1u);
}

TEST(SimStats, MalformedNamesAreRejected) {
  StatsPtr st(ladon_stats_new());
  const char *bad[] = {"", ".a", "a.", "a..b", "a b", "a,b", "a\"b",
                       "a\\b", "a\tb", "caf\xc3\xa9"};
  for (const char *name : bad) {
    ladon_error err;
    ladon_error_clear(&err);
    EXPECT_EQ(ladon_stats_counter(st.get(), name, "", "", &err), nullptr)
        << name;
    EXPECT_EQ(err.code, LADON_EINVAL) << name;
  }
  std::string longest(LADON_STAT_NAME_MAX, 'x'), too_long = longest + "x";
  EXPECT_NE(ladon_stats_counter(st.get(), longest.c_str(), "", "", nullptr),
            nullptr);
  EXPECT_EQ(ladon_stats_counter(st.get(), too_long.c_str(), "", "", nullptr),
            nullptr);
  EXPECT_NE(ladon_stats_counter(st.get(), "sw0.port[3]:up-2_x", "", "", nullptr),
            nullptr);
  EXPECT_EQ(ladon_stats_counter(nullptr, "a", "", "", nullptr), nullptr);
  EXPECT_EQ(ladon_stats_counter(st.get(), nullptr, "", "", nullptr), nullptr);
}

TEST(SimStats, NamesThatWouldCollideInTheCsvAreRejected) {
  StatsPtr st(ladon_stats_new());
  ASSERT_NE(ladon_stats_hist(st.get(), "flow.f0.latency", "ps", "", nullptr),
            nullptr);
  ladon_error err;
  EXPECT_EQ(ladon_stats_counter(st.get(), "flow.f0.latency.p99", "", "", &err),
            nullptr);
  EXPECT_EQ(err.code, LADON_EEXIST);
  EXPECT_NE(ladon_stats_counter(st.get(), "flow.f0.latency.other", "", "",
                                nullptr),
            nullptr)
      << "not a field name: no collision";
  ASSERT_NE(ladon_stats_counter(st.get(), "q.count", "", "", nullptr), nullptr);
  EXPECT_EQ(ladon_stats_accum(st.get(), "q", "", "", &err), nullptr);
  EXPECT_EQ(err.code, LADON_EEXIST);
  EXPECT_NE(ladon_stats_counter(st.get(), "r", "", "", nullptr), nullptr);
  EXPECT_NE(ladon_stats_counter(st.get(), "r.count", "", "", nullptr), nullptr)
      << "a counter expands to its own name only";
}

TEST(SimStats, CounterAndAccumulatorValues) {
  StatsPtr st(ladon_stats_new());
  ladon_counter *c = ladon_stats_counter(st.get(), "c", "", "", nullptr);
  ladon_counter_add(c, 5);
  ladon_counter_add(c, 7);
  EXPECT_EQ(ladon_counter_value(c), 12u);
  ladon_accum *a = ladon_stats_accum(st.get(), "a", "W", "", nullptr);
  EXPECT_EQ(ladon_accum_count(a), 0u);
  EXPECT_TRUE(std::isnan(ladon_accum_mean(a)));
  EXPECT_TRUE(std::isnan(ladon_accum_min(a)));
  for (double x : {3.0, -1.5, 10.25}) ladon_accum_add(a, x);
  EXPECT_EQ(ladon_accum_count(a), 3u);
  EXPECT_EQ(ladon_accum_sum(a), 11.75);
  EXPECT_EQ(ladon_accum_min(a), -1.5);
  EXPECT_EQ(ladon_accum_max(a), 10.25);
  EXPECT_DOUBLE_EQ(ladon_accum_mean(a), 11.75 / 3);
  ladon_stats_reset(st.get());
  EXPECT_EQ(ladon_counter_value(c), 0u);
  EXPECT_EQ(ladon_accum_count(a), 0u);
  ladon_accum_add(a, 2.0);
  EXPECT_EQ(ladon_accum_min(a), 2.0) << "reset restores the empty extremes";
}

TEST(SimStats, HistogramExactFields) {
  StatsPtr st(ladon_stats_new());
  ladon_hist *h = ladon_stats_hist(st.get(), "h", "ps", "", nullptr);
  EXPECT_EQ(ladon_hist_count(h), 0u);
  EXPECT_EQ(ladon_hist_quantile(h, 0.5), 0u);
  EXPECT_TRUE(std::isnan(ladon_hist_mean(h)));
  for (uint64_t v : {700u, 3u, 1000000u, 42u}) ladon_hist_add(h, v);
  EXPECT_EQ(ladon_hist_count(h), 4u);
  EXPECT_EQ(ladon_hist_min(h), 3u);
  EXPECT_EQ(ladon_hist_max(h), 1000000u);
  EXPECT_EQ(ladon_hist_sum(h), 1000745.0);
  EXPECT_EQ(ladon_hist_mean(h), 1000745.0 / 4);
  // The sum is kept in 128 bits: three times 2^64 - 1 does not wrap.
  ladon_hist *big = ladon_stats_hist(st.get(), "big", "", "", nullptr);
  for (int i = 0; i < 3; i++) ladon_hist_add(big, UINT64_MAX);
  EXPECT_EQ(ladon_hist_sum(big), 3 * 0x1.0p64);
  EXPECT_EQ(ladon_hist_quantile(big, 0.5), UINT64_MAX);
}

TEST(SimStats, HistogramBucketsCoverEveryValueWithinTheBound) {
  // Values below 64 have a bucket of width 1; above, the bucket holding v
  // starts at lo >= 2^e (e = highest set bit) and has width 2^(e-6), so
  // width / lo <= 1/64 and the midpoint is within lo/128.
  std::mt19937_64 gen(1);
  std::vector<uint64_t> values = {0, 1, 63, 64, 65, 127, 128, 129, 255, 256,
                                  UINT64_MAX, UINT64_MAX - 1, UINT64_C(1) << 63};
  for (int i = 0; i < 100000; i++) values.push_back(gen() >> (gen() % 64));
  size_t last_idx = 0;
  uint64_t last_v = 0;
  std::sort(values.begin(), values.end());
  for (uint64_t v : values) {
    size_t idx = ladon__hist_index(v);
    ASSERT_LT(idx, (size_t)LADON__HIST_BUCKETS);
    uint64_t lo, width;
    ladon__hist_bucket_range(idx, &lo, &width);
    ASSERT_GE(v, lo) << v;
    ASSERT_LE(v - lo, width - 1) << v;
    if (v < 64) {
      ASSERT_EQ(width, 1u);
    } else {
      ASSERT_LE((double)width / (double)lo, 1.0 / 64) << v;
    }
    ASSERT_GE(idx, last_idx) << "monotone in v: " << last_v << " " << v;
    last_idx = idx;
    last_v = v;
  }
}

// The nearest-rank quantile of the sorted samples, as the header defines it.
uint64_t exact_quantile(const std::vector<uint64_t> &sorted, double q) {
  double k = std::ceil(q * (double)sorted.size());
  size_t rank = k < 1 ? 1 : (size_t)std::min(k, (double)sorted.size());
  return sorted[rank - 1];
}

void check_quantiles(const char *what, std::vector<uint64_t> samples) {
  StatsPtr st(ladon_stats_new());
  ladon_hist *h = ladon_stats_hist(st.get(), "h", "", "", nullptr);
  for (uint64_t v : samples) ladon_hist_add(h, v);
  std::sort(samples.begin(), samples.end());
  const double qs[] = {0,    0.001, 0.01, 0.1,  0.25,  0.5,
                       0.75, 0.9,   0.99, 0.999, 0.9999, 1};
  for (double q : qs) {
    uint64_t exact = exact_quantile(samples, q);
    uint64_t got = ladon_hist_quantile(h, q);
    double err = std::fabs((double)got - (double)exact);
    EXPECT_LE(err, (double)exact * LADON_HIST_REL_ERROR)
        << what << " q=" << q << " exact=" << exact << " got=" << got;
    if (exact < 64 || q == 0 || q == 1) {
      EXPECT_EQ(got, exact) << what << " q=" << q;
    }
  }
}

TEST(SimStats, QuantilesAreWithinTheStatedBoundOfAnExactSort) {
  std::mt19937_64 gen(2024);
  const int n = 200000;
  std::vector<uint64_t> uniform, lognormal, pareto, small, mixed;
  std::uniform_int_distribution<uint64_t> u(0, 5000000);
  std::lognormal_distribution<double> ln(10.0, 3.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int i = 0; i < n; i++) {
    uniform.push_back(u(gen));
    lognormal.push_back((uint64_t)std::min(ln(gen), 9e18));
    // Pareto, shape 1.1, scale 1000 ps: a heavy tail reaching 1e18 and more.
    double p = 1000.0 / std::pow(1.0 - unit(gen), 1.0 / 1.1);
    pareto.push_back((uint64_t)std::min(p, 9.2e18));
    small.push_back(gen() % 100);
    mixed.push_back(i % 10 == 0 ? gen() : gen() % 1000);
  }
  check_quantiles("uniform", uniform);
  check_quantiles("lognormal", lognormal);
  check_quantiles("pareto", pareto);
  check_quantiles("small", small);
  check_quantiles("mixed", mixed);
  check_quantiles("single", {123456789});
  check_quantiles("two", {5, 1000000});
}

TEST(SimStats, LookupAndIterationInNameOrder) {
  StatsPtr st(ladon_stats_new());
  std::vector<std::string> names;
  std::mt19937_64 gen(3);
  for (int i = 0; i < 3000; i++) {
    std::string n = "n" + std::to_string(gen() % 1000000) + ".s" +
                    std::to_string(i);
    names.push_back(n);
    switch (i % 3) {
    case 0: ASSERT_NE(ladon_stats_counter(st.get(), n.c_str(), "", "", nullptr), nullptr); break;
    case 1: ASSERT_NE(ladon_stats_accum(st.get(), n.c_str(), "", "", nullptr), nullptr); break;
    default: ASSERT_NE(ladon_stats_hist(st.get(), n.c_str(), "", "", nullptr), nullptr);
    }
  }
  ASSERT_EQ(ladon_stats_count(st.get()), names.size());
  for (size_t i = 0; i < names.size(); i++) {
    const ladon_stat *s = ladon_stats_find(st.get(), names[i].c_str());
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(ladon_stat_name(s), names[i].c_str());
    EXPECT_EQ(ladon_stat_kind_of(s), (ladon_stat_kind)(i % 3 + 1));
    EXPECT_EQ(ladon_stat_as_counter(s) != nullptr, i % 3 == 0);
    EXPECT_EQ(ladon_stat_as_accum(s) != nullptr, i % 3 == 1);
    EXPECT_EQ(ladon_stat_as_hist(s) != nullptr, i % 3 == 2);
  }
  EXPECT_EQ(ladon_stats_find(st.get(), "missing"), nullptr);
  std::sort(names.begin(), names.end());
  for (size_t i = 0; i < names.size(); i++)
    ASSERT_STREQ(ladon_stat_name(ladon_stats_at(st.get(), i)), names[i].c_str());
  EXPECT_EQ(ladon_stats_at(st.get(), names.size()), nullptr);
  // Registering after iterating re-sorts.
  ladon_stats_counter(st.get(), "a", "", "", nullptr);
  EXPECT_STREQ(ladon_stat_name(ladon_stats_at(st.get(), 0)), "a");
}

TEST(SimStats, FieldsExpandPerKind) {
  StatsPtr st(ladon_stats_new());
  ladon_hist *h = ladon_stats_hist(st.get(), "h", "ps", "", nullptr);
  const ladon_stat *s = ladon_stats_find(st.get(), "h");
  ASSERT_EQ(ladon_stat_field_count(s), 8u);
  ladon_stat_field f;
  const char *names[] = {"count", "min", "mean", "p50", "p90", "p99", "p999", "max"};
  for (size_t i = 0; i < 8; i++) {
    ASSERT_EQ(ladon_stat_field_get(s, i, &f), LADON_OK);
    EXPECT_STREQ(f.name, names[i]);
    EXPECT_EQ(f.type, i == 0 ? LADON_STAT_U64 : LADON_STAT_NULL) << "empty";
    EXPECT_EQ(f.has_unit, i != 0);
  }
  EXPECT_EQ(ladon_stat_field_get(s, 8, &f), LADON_ERANGE);
  EXPECT_EQ(ladon_stat_field_get(nullptr, 0, &f), LADON_EINVAL);
  ladon_hist_add(h, 10);
  ASSERT_EQ(ladon_stat_field_get(s, 2, &f), LADON_OK);
  EXPECT_EQ(f.type, LADON_STAT_F64);
  EXPECT_EQ(f.f64, 10.0);
}

// A registry whose JSON and CSV are written out below by hand.
//  a.lat: samples 0.1 and 0.2 (doubles): sum 0.30000000000000004 and mean
//    0.15000000000000002 need 17 digits to read back; 0.1 and 0.2 need 1.
//  flow.f0.latency: samples 100, 200, 300.  p50 is rank ceil(1.5) = 2, the
//    sample 200, whose bucket [200, 201] (width 2 for 128..255) has middle
//    200; p90, p99 and p999 are rank 3, the max, reported exactly.
//  link.l0.up.tlps: 12.
StatsPtr sample_registry() {
  StatsPtr st(ladon_stats_new());
  ladon_counter_add(ladon_stats_counter(st.get(), "link.l0.up.tlps", "TLPs",
                                        "TLPs sent", nullptr),
                    12);
  ladon_accum *a = ladon_stats_accum(st.get(), "a.lat", "ns", "", nullptr);
  ladon_accum_add(a, 0.1);
  ladon_accum_add(a, 0.2);
  ladon_hist *h = ladon_stats_hist(st.get(), "flow.f0.latency", "ps",
                                   "request \"latency\"", nullptr);
  for (uint64_t v : {300u, 100u, 200u}) ladon_hist_add(h, v);
  return st;
}

TEST(SimStats, JsonOutputIsExact) {
  StatsPtr st = sample_registry();
  ladon_status rc;
  std::string json = to_string(ladon_stats_write_json, st.get(), &rc);
  EXPECT_EQ(rc, LADON_OK);
  const char *want =
      "{\n"
      "  \"a.lat\": {\"kind\": \"accumulator\", \"unit\": \"ns\", \"desc\": "
      "\"\", \"count\": 2, \"sum\": 0.30000000000000004, \"min\": 0.1, "
      "\"mean\": 0.15000000000000002, \"max\": 0.2},\n"
      "  \"flow.f0.latency\": {\"kind\": \"histogram\", \"unit\": \"ps\", "
      "\"desc\": \"request \\\"latency\\\"\", \"count\": 3, \"min\": 100, "
      "\"mean\": 200, \"p50\": 200, \"p90\": 300, \"p99\": 300, \"p999\": "
      "300, \"max\": 300},\n"
      "  \"link.l0.up.tlps\": {\"kind\": \"counter\", \"unit\": \"TLPs\", "
      "\"desc\": \"TLPs sent\", \"value\": 12}\n"
      "}\n";
  EXPECT_EQ(json, want);
  json_error_t jerr;
  json_t *root = json_loads(json.c_str(), 0, &jerr);
  ASSERT_NE(root, nullptr) << jerr.text;
  EXPECT_EQ(json_real_value(json_object_get(json_object_get(root, "a.lat"),
                                            "sum")),
            0.1 + 0.2)
      << "17 significant digits read back exactly";
  json_decref(root);
}

TEST(SimStats, CsvOutputIsExact) {
  StatsPtr st = sample_registry();
  ladon_stats_counter(st.get(), "z.odd", "a,\"b\"", "", nullptr);
  ladon_stats_accum(st.get(), "z.empty", "W", "", nullptr);
  std::string csv = to_string(ladon_stats_write_csv, st.get());
  const char *want =
      "name,value,unit\n"
      "a.lat.count,2,\n"
      "a.lat.sum,0.30000000000000004,ns\n"
      "a.lat.min,0.1,ns\n"
      "a.lat.mean,0.15000000000000002,ns\n"
      "a.lat.max,0.2,ns\n"
      "flow.f0.latency.count,3,\n"
      "flow.f0.latency.min,100,ps\n"
      "flow.f0.latency.mean,200,ps\n"
      "flow.f0.latency.p50,200,ps\n"
      "flow.f0.latency.p90,300,ps\n"
      "flow.f0.latency.p99,300,ps\n"
      "flow.f0.latency.p999,300,ps\n"
      "flow.f0.latency.max,300,ps\n"
      "link.l0.up.tlps,12,TLPs\n"
      "z.empty.count,0,\n"
      "z.empty.sum,0,W\n"
      "z.empty.min,,W\n"
      "z.empty.mean,,W\n"
      "z.empty.max,,W\n"
      "z.odd,0,\"a,\"\"b\"\"\"\n";
  EXPECT_EQ(csv, want);
}

TEST(SimStats, EmptyRegistryAndWriteErrors) {
  StatsPtr st(ladon_stats_new());
  EXPECT_EQ(to_string(ladon_stats_write_json, st.get()), "{}\n");
  EXPECT_EQ(to_string(ladon_stats_write_csv, st.get()), "name,value,unit\n");
  EXPECT_EQ(ladon_stats_write_json(nullptr, stdout), LADON_EINVAL);
  EXPECT_EQ(ladon_stats_write_csv(st.get(), nullptr), LADON_EINVAL);
  FILE *ro = fopen("/dev/null", "r");
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(ladon_stats_write_json(st.get(), ro), LADON_EIO);
  fclose(ro);
}

TEST(SimStats, NumbersDoNotFollowTheCLocale) {
  const char *locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                           "fr_FR.utf8"};
  const char *set = nullptr;
  for (const char *l : locales)
    if ((set = setlocale(LC_NUMERIC, l)) != nullptr) break;
  if (set == nullptr) GTEST_SKIP() << "no locale with a decimal comma installed";
  StatsPtr st = sample_registry();
  std::string json = to_string(ladon_stats_write_json, st.get());
  setlocale(LC_NUMERIC, "C");
  EXPECT_NE(json.find("\"min\": 0.1,"), std::string::npos) << json;
}

TEST(SimStats, TheSimulationOwnsARegistry) {
  ladon_sim *sim = ladon_sim_new(nullptr, nullptr);
  ladon_stats *st = ladon_sim_stats(sim);
  ASSERT_NE(st, nullptr);
  ladon_counter_add(ladon_stats_counter(st, "sim.x", "", "", nullptr), 1);
  EXPECT_EQ(ladon_stats_count(st), 1u);
  ladon_sim_free(sim); // frees the registry (ASan checks the leak)
  ladon_stats_free(nullptr);
}

} // namespace
