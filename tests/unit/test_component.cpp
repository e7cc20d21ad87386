// The component type registry, parameter resolution and `ladon list`,
// proved with a test-only component type ("test_widget") that is
// registered here and nowhere in the library.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <sys/wait.h>

extern "C" {
#include "ladon/component.h"
#include "sim/component_int.h"
}

// The `ladon list` implementation, compiled into this test so that it can
// print the test-only type into a memory stream.
#include "cli/cmd_list.c"

namespace {

const char *const kModes[] = {"cut_through", "store_and_forward", nullptr};

const ladon_param_desc kWidgetParams[] = {
    {"latency", LADON_PARAM_TIME, "120ns", nullptr, "port-to-port latency",
     nullptr, "1ns", "10us"},
    {"buffer", LADON_PARAM_SIZE, "16KiB", "B", "ingress buffer per port",
     nullptr, nullptr, nullptr},
    {"link_rate", LADON_PARAM_RATE, "8GT/s", "T/s", "lane signalling rate",
     nullptr, nullptr, nullptr},
    {"bandwidth", LADON_PARAM_RATE, "25Gb/s", "bit/s", "egress bandwidth",
     nullptr, nullptr, nullptr},
    {"clock", LADON_PARAM_FREQ, "1GHz", nullptr, "core clock", nullptr,
     nullptr, nullptr},
    {"ports", LADON_PARAM_U64, "4", "ports", "number of downstream ports",
     nullptr, "1", "32"},
    {"weight", LADON_PARAM_DOUBLE, "0.5", nullptr, "arbitration weight",
     nullptr, "0", "1"},
    {"acs", LADON_PARAM_BOOL, "true", nullptr, "access control services",
     nullptr, nullptr, nullptr},
    {"label", LADON_PARAM_STRING, "", nullptr, "free text", nullptr, nullptr,
     nullptr},
    {"mode", LADON_PARAM_ENUM, "cut_through", nullptr, "forwarding mode",
     kModes, nullptr, nullptr},
    {"host", LADON_PARAM_STRING, nullptr, nullptr, "owning host (required)",
     nullptr, nullptr, nullptr},
};
const size_t kNParams = sizeof kWidgetParams / sizeof kWidgetParams[0];

const ladon_port_desc kWidgetPorts[] = {
    {"up", "upstream port"},
    {"d[0-31]", "downstream ports"},
};

const ladon_stat_desc kWidgetStats[] = {
    {"tlps", "TLPs", "TLPs forwarded"},
    {"stall.ps", "ps", "time stalled on credits"},
};

// What the test-only model read from its parameters.
struct Widget {
  std::string name;
  ladon_time_ps latency_ps;
  uint64_t buffer_bytes, link_rate, bandwidth, hz, ports;
  ladon_time_ps period_ps;
  double weight;
  bool acs;
  std::string label, host, mode;
  size_t mode_index;
};

ladon_status widget_create(ladon_sim *, const char *name,
                           const ladon_params *p, void **out, ladon_error *) {
  Widget *w = new Widget;
  w->name = name;
  w->latency_ps = ladon_params_time_ps(p, "latency");
  w->buffer_bytes = ladon_params_bytes(p, "buffer");
  w->link_rate = ladon_params_rate(p, "link_rate");
  w->bandwidth = ladon_params_rate(p, "bandwidth");
  w->hz = ladon_params_freq_hz(p, "clock");
  w->period_ps = ladon_params_period_ps(p, "clock");
  w->ports = ladon_params_u64(p, "ports");
  w->weight = ladon_params_double(p, "weight");
  w->acs = ladon_params_bool(p, "acs");
  w->label = ladon_params_string(p, "label");
  w->host = ladon_params_string(p, "host");
  w->mode = ladon_params_string(p, "mode");
  w->mode_index = ladon_params_enum(p, "mode");
  *out = w;
  return LADON_OK;
}

void widget_destroy(void *w) { delete static_cast<Widget *>(w); }

ladon_component_type widget_type() {
  ladon_component_type t;
  t.name = "test_widget";
  t.description = "a component type that exists only in this test";
  t.params = kWidgetParams;
  t.n_params = kNParams;
  t.ports = kWidgetPorts;
  t.n_ports = 2;
  t.stats = kWidgetStats;
  t.n_stats = 2;
  t.create = widget_create;
  t.destroy = widget_destroy;
  return t;
}

const ladon_component_type kWidget = widget_type();

// Registers the widget for one test and removes it afterwards, so the
// tests also pass when run in one process.
class Registry : public ::testing::Test {
 protected:
  void SetUp() override {
    ladon_error err;
    ASSERT_EQ(ladon_component_register(&kWidget, &err), LADON_OK) << err.text;
  }
  void TearDown() override { ladon_component_unregister("test_widget"); }
};

ladon_params *new_params(ladon_error *err) {
  return ladon_params_new(kWidgetParams, kNParams, "test_widget", err);
}

TEST_F(Registry, FindsByExactName) {
  EXPECT_EQ(ladon_component_find("test_widget"), &kWidget);
  EXPECT_EQ(ladon_component_find("test_Widget"), nullptr);
  EXPECT_EQ(ladon_component_find("test_widge"), nullptr);
  EXPECT_EQ(ladon_component_find(nullptr), nullptr);
}

TEST_F(Registry, RejectsADuplicateName) {
  ladon_component_type again = widget_type();
  ladon_error err;
  EXPECT_EQ(ladon_component_register(&again, &err), LADON_EEXIST);
  EXPECT_STREQ(err.text, "component type 'test_widget' is already registered");
  EXPECT_EQ(ladon_component_find("test_widget"), &kWidget);
}

TEST_F(Registry, IteratesSortedByName) {
  ladon_component_type z = widget_type(), a = widget_type(),
                       m = widget_type();
  z.name = "zeta";
  a.name = "Alpha";  // byte order: upper case sorts before lower case
  m.name = "mid";
  size_t before = ladon_component_count();
  ASSERT_EQ(ladon_component_register(&z, nullptr), LADON_OK);
  ASSERT_EQ(ladon_component_register(&a, nullptr), LADON_OK);
  ASSERT_EQ(ladon_component_register(&m, nullptr), LADON_OK);
  ASSERT_EQ(ladon_component_count(), before + 3);
  for (size_t i = 1; i < ladon_component_count(); i++)
    EXPECT_LT(std::strcmp(ladon_component_at(i - 1)->name,
                          ladon_component_at(i)->name),
              0);
  EXPECT_EQ(ladon_component_at(ladon_component_count()), nullptr);
  EXPECT_EQ(ladon_component_unregister("mid"), LADON_OK);
  EXPECT_EQ(ladon_component_unregister("mid"), LADON_ENOENT);
  EXPECT_EQ(ladon_component_find("mid"), nullptr);
  EXPECT_EQ(ladon_component_find("zeta"), &z);
  EXPECT_EQ(ladon_component_find("Alpha"), &a);
  ladon_component_unregister("zeta");
  ladon_component_unregister("Alpha");
  EXPECT_EQ(ladon_component_count(), before);
}

TEST_F(Registry, SuggestsCloseTypeNames) {
  EXPECT_STREQ(ladon_component_suggest("test_widgte"), "test_widget");
  EXPECT_STREQ(ladon_component_suggest("TEST_WIDGET"), "test_widget");
  EXPECT_STREQ(ladon_component_suggest("test_wid"), "test_widget")
      << "common prefix of 8 of 8 characters";
  EXPECT_EQ(ladon_component_suggest("qqqzzzxxx"), nullptr);
}

// One invalid variant of the widget per case, with the phrase its message
// must contain.
struct Fault {
  const char *what;
  void (*apply)(ladon_component_type *, ladon_param_desc *,
                ladon_port_desc *);
  const char *phrase;
};

void expect_rejected(const Fault &f) {
  static ladon_param_desc params[kNParams];
  static ladon_port_desc ports[2];
  std::memcpy(params, kWidgetParams, sizeof params);
  std::memcpy(ports, kWidgetPorts, sizeof ports);
  ladon_component_type t = widget_type();
  t.name = "broken";
  t.params = params;
  t.ports = ports;
  f.apply(&t, params, ports);
  ladon_error err;
  ladon_error_clear(&err);
  EXPECT_EQ(ladon_component_register(&t, &err), LADON_EINVAL) << f.what;
  EXPECT_NE(std::string(err.text).find(f.phrase), std::string::npos)
      << f.what << ": " << err.text;
  EXPECT_EQ(ladon_component_find("broken"), nullptr) << f.what;
}

TEST(RegistryValidation, RejectsInvalidTables) {
  const Fault faults[] = {
      {"bad type name",
       [](ladon_component_type *t, ladon_param_desc *, ladon_port_desc *) {
         t->name = "9lives";
       },
       "a name must match"},
      {"no create",
       [](ladon_component_type *t, ladon_param_desc *, ladon_port_desc *) {
         t->create = nullptr;
       },
       "callbacks are required"},
      {"unknown param type",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[0].type = (ladon_param_type)42;
       },
       "unknown parameter type"},
      {"default does not parse",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[0].default_value = "120nz";
       },
       "parameter \"latency\": default: expected a time such as"},
      {"default out of bounds",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[0].default_value = "20us";
       },
       "default: 20us is above the maximum 10us"},
      {"min above max",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[5].min = "64";
       },
       "the minimum is above the maximum"},
      {"bound that does not parse",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[0].max = "ten";
       },
       "maximum: expected a time"},
      {"bounds on a string",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[8].min = "a";
       },
       "only numeric parameters have bounds"},
      {"duplicate parameter",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[3].name = "latency";
         p[3].type = LADON_PARAM_TIME;
         p[3].unit = nullptr;
         p[3].default_value = "1ns";
       },
       "declared twice"},
      {"parameter name not an identifier",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[1].name = "buffer size";
       },
       "a name must match [A-Za-z_][A-Za-z0-9_]*"},
      {"enum default not a choice",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[9].default_value = "wormhole";
       },
       "expected \"cut_through\" or \"store_and_forward\""},
      {"enum without choices",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[9].choices = nullptr;
       },
       "an enum needs choices"},
      {"rate without its kind",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[2].unit = "GT/s";
       },
       "a rate's unit must be"},
      {"time with a foreign unit",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[0].unit = "ns";
       },
       "a time parameter's unit is \"ps\""},
      {"clock without whole-ps period",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[4].default_value = "3GHz";
       },
       "not a whole number of picoseconds"},
      {"no description",
       [](ladon_component_type *, ladon_param_desc *p, ladon_port_desc *) {
         p[6].description = nullptr;
       },
       "no description"},
      {"bad port range",
       [](ladon_component_type *, ladon_param_desc *, ladon_port_desc *q) {
         q[1].name = "d[31-0]";
       },
       "optionally followed by one range"},
      {"port range with leading zero",
       [](ladon_component_type *, ladon_param_desc *, ladon_port_desc *q) {
         q[1].name = "d[00-31]";
       },
       "optionally followed by one range"},
      {"overlapping ports",
       [](ladon_component_type *, ladon_param_desc *, ladon_port_desc *q) {
         q[0].name = "d3";
       },
       "already declares"},
  };
  for (const Fault &f : faults) expect_rejected(f);
}

TEST(RegistryValidation, RejectsDuplicateStatistics) {
  ladon_stat_desc stats[2] = {{"tlps", nullptr, "a"}, {"tlps", nullptr, "b"}};
  ladon_component_type t = widget_type();
  t.name = "dup_stats";
  t.stats = stats;
  ladon_error err;
  EXPECT_EQ(ladon_component_register(&t, &err), LADON_EINVAL);
  EXPECT_NE(std::string(err.text).find("statistic \"tlps\": declared twice"),
            std::string::npos)
      << err.text;
}

TEST_F(Registry, MatchesPortPatterns) {
  size_t desc = 99;
  uint32_t num = 99;
  EXPECT_EQ(ladon_component_port_find(&kWidget, "up", &desc, &num), LADON_OK);
  EXPECT_EQ(desc, 0u);
  EXPECT_EQ(num, 0u);
  EXPECT_EQ(ladon_component_port_find(&kWidget, "d0", &desc, &num), LADON_OK);
  EXPECT_EQ(desc, 1u);
  EXPECT_EQ(num, 0u);
  EXPECT_EQ(ladon_component_port_find(&kWidget, "d31", &desc, &num),
            LADON_OK);
  EXPECT_EQ(num, 31u);
  for (const char *bad : {"d32", "d07", "d", "d-1", "up0", "D3", "d3x", ""})
    EXPECT_EQ(ladon_component_port_find(&kWidget, bad, nullptr, nullptr),
              LADON_ENOENT)
        << bad;
}

TEST(Params, DefaultsResolveToTypedValues) {
  ladon_error err;
  ladon_params *p = new_params(&err);
  ASSERT_NE(p, nullptr) << err.text;
  ASSERT_EQ(ladon_params_set(p, "host", "mh", &err), LADON_OK) << err.text;
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK) << err.text;
  EXPECT_EQ(ladon_params_time_ps(p, "latency"), 120000u);  // 120 * 10^3
  EXPECT_EQ(ladon_params_bytes(p, "buffer"), 16384u);      // 16 * 2^10
  EXPECT_EQ(ladon_params_rate(p, "link_rate"), 8000000000u);
  EXPECT_EQ(ladon_params_rate(p, "bandwidth"), 25000000000u);
  EXPECT_EQ(ladon_params_freq_hz(p, "clock"), 1000000000u);
  EXPECT_EQ(ladon_params_period_ps(p, "clock"), 1000u);  // 10^12 / 10^9
  EXPECT_EQ(ladon_params_u64(p, "ports"), 4u);
  EXPECT_EQ(ladon_params_double(p, "weight"), 0.5);
  EXPECT_TRUE(ladon_params_bool(p, "acs"));
  EXPECT_STREQ(ladon_params_string(p, "label"), "");
  EXPECT_STREQ(ladon_params_string(p, "mode"), "cut_through");
  EXPECT_EQ(ladon_params_enum(p, "mode"), 0u);
  EXPECT_STREQ(ladon_params_string(p, "host"), "mh");
  EXPECT_EQ(ladon_params_is_set(p, "host"), 1);
  EXPECT_EQ(ladon_params_is_set(p, "latency"), 0);
  EXPECT_EQ(ladon_params_is_set(p, "nope"), -1);
  ladon_params_free(p);
}

TEST(Params, UserValuesOverrideDefaults) {
  ladon_error err;
  ladon_params *p = new_params(&err);
  ASSERT_NE(p, nullptr);
  const char *kv[][2] = {
      {"latency", "1.5us"},   {"buffer", "2MiB"},  {"link_rate", "16GT/s"},
      {"bandwidth", "3.2GB/s"}, {"clock", "250MHz"}, {"ports", "0x10"},
      {"weight", "0.25"},     {"acs", "false"},    {"label", "sw \"0\""},
      {"mode", "store_and_forward"}, {"host", "ch1"},
  };
  for (auto &e : kv)
    ASSERT_EQ(ladon_params_set(p, e[0], e[1], &err), LADON_OK)
        << e[0] << ": " << err.text;
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
  void *inst = nullptr;
  ASSERT_EQ(kWidget.create(nullptr, "w0", p, &inst, &err), LADON_OK);
  ladon_params_free(p);  // the instance copied what it keeps
  Widget *w = static_cast<Widget *>(inst);
  EXPECT_EQ(w->name, "w0");
  EXPECT_EQ(w->latency_ps, 1500000u);    // 1.5 * 10^6
  EXPECT_EQ(w->buffer_bytes, 2097152u);  // 2 * 2^20
  EXPECT_EQ(w->link_rate, 16000000000u);
  EXPECT_EQ(w->bandwidth, 25600000000u);  // 3.2e9 B/s * 8 bit/B
  EXPECT_EQ(w->hz, 250000000u);
  EXPECT_EQ(w->period_ps, 4000u);  // 10^12 / 2.5e8
  EXPECT_EQ(w->ports, 16u);
  EXPECT_EQ(w->weight, 0.25);
  EXPECT_FALSE(w->acs);
  EXPECT_EQ(w->label, "sw \"0\"");
  EXPECT_EQ(w->mode, "store_and_forward");
  EXPECT_EQ(w->mode_index, 1u);
  EXPECT_EQ(w->host, "ch1");
  kWidget.destroy(inst);
}

TEST(Params, TypedSettersCheckTheType) {
  ladon_error err;
  ladon_params *p = new_params(&err);
  EXPECT_EQ(ladon_params_set_u64(p, "ports", 8, &err), LADON_OK);
  EXPECT_EQ(ladon_params_set_u64(p, "weight", 1, &err), LADON_OK)
      << "an integer is a valid double";
  EXPECT_EQ(ladon_params_set_double(p, "weight", 0.125, &err), LADON_OK);
  EXPECT_EQ(ladon_params_set_bool(p, "acs", false, &err), LADON_OK);
  EXPECT_EQ(ladon_params_set_u64(p, "latency", 120, &err), LADON_EINVAL);
  EXPECT_STREQ(err.text,
               "parameter 'latency': expected a string with a unit, such as "
               "\"120ns\", got an integer");
  EXPECT_EQ(ladon_params_set_bool(p, "ports", true, &err), LADON_EINVAL);
  EXPECT_EQ(ladon_params_set_double(p, "ports", 1.5, &err), LADON_EINVAL);
  EXPECT_EQ(ladon_params_set_u64(p, "ports", 33, &err), LADON_ERANGE);
  EXPECT_STREQ(err.text, "parameter 'ports': 33 is above the maximum 32");
  EXPECT_EQ(ladon_params_set_double(p, "weight", 1.5, &err), LADON_ERANGE);
  EXPECT_EQ(ladon_params_set_double(p, "weight", NAN, &err),
            LADON_ERANGE);
  ASSERT_EQ(ladon_params_set(p, "host", "h", &err), LADON_OK);
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
  EXPECT_EQ(ladon_params_u64(p, "ports"), 8u);
  EXPECT_EQ(ladon_params_double(p, "weight"), 0.125);
  EXPECT_FALSE(ladon_params_bool(p, "acs"));
  ladon_params_free(p);
}

TEST(Params, UnknownNamesGetASuggestion) {
  ladon_error err;
  ladon_params *p = new_params(&err);
  EXPECT_EQ(ladon_params_set(p, "latncy", "1ns", &err), LADON_ENOENT);
  EXPECT_STREQ(err.text,
               "unknown parameter \"latncy\" of 'test_widget' (did you mean "
               "'latency'?)");
  EXPECT_EQ(ladon_params_set(p, "Latency", "1ns", &err), LADON_ENOENT)
      << "names are case-sensitive";
  EXPECT_NE(std::string(err.text).find("did you mean 'latency'"),
            std::string::npos);
  EXPECT_EQ(ladon_params_set(p, "bandwidth_gbps", "1", &err), LADON_ENOENT);
  EXPECT_NE(std::string(err.text).find("did you mean 'bandwidth'"),
            std::string::npos)
      << "common prefix 'bandwidth'";
  EXPECT_EQ(ladon_params_set(p, "colour", "red", &err), LADON_ENOENT);
  EXPECT_STREQ(err.text, "unknown parameter \"colour\" of 'test_widget'");
  ladon_params_free(p);
}

TEST(Params, ValuesAreValidatedWhenSet) {
  ladon_error err;
  ladon_params *p = new_params(&err);
  const struct {
    const char *name, *text;
    ladon_status code;
    const char *message;
  } cases[] = {
      {"latency", "120nz", LADON_EPARSE,
       "parameter 'latency': expected a time such as \"120ns\" (units ps, "
       "ns, us, ms, s), got \"120nz\""},
      {"latency", "20us", LADON_ERANGE,
       "parameter 'latency': 20us is above the maximum 10us"},
      {"latency", "500ps", LADON_ERANGE,
       "parameter 'latency': 500ps is below the minimum 1ns"},
      {"mode", "store_forward", LADON_EPARSE,
       "parameter 'mode': expected \"cut_through\" or \"store_and_forward\", "
       "got \"store_forward\""},
      {"mode", "cut_thru", LADON_EPARSE,
       "parameter 'mode': expected \"cut_through\" or \"store_and_forward\", "
       "got \"cut_thru\" (did you mean \"cut_through\"?)"},
      {"link_rate", "25Gb/s", LADON_EPARSE,
       "parameter 'link_rate': expected a rate in transfers per second "
       "(T/s), got \"25Gb/s\""},
      {"bandwidth", "8GT/s", LADON_EPARSE,
       "parameter 'bandwidth': expected a rate in bits per second (bit/s), "
       "got \"8GT/s\""},
      {"clock", "3GHz", LADON_ERANGE,
       "parameter 'clock': \"3GHz\" has a clock period that is not a whole "
       "number of picoseconds (about 333ps)"},
      {"clock", "0Hz", LADON_ERANGE,
       "parameter 'clock': \"0Hz\": a clock frequency must be above 0Hz"},
      {"ports", "0", LADON_ERANGE,
       "parameter 'ports': 0 is below the minimum 1"},
      {"acs", "yes", LADON_EPARSE,
       "parameter 'acs': expected true or false, got \"yes\""},
  };
  for (const auto &c : cases) {
    ladon_error_clear(&err);
    EXPECT_EQ(ladon_params_set(p, c.name, c.text, &err), c.code) << c.text;
    EXPECT_STREQ(err.text, c.message);
  }
  // Nothing above was stored: the defaults survive.
  ASSERT_EQ(ladon_params_set(p, "host", "h", &err), LADON_OK);
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
  EXPECT_EQ(ladon_params_time_ps(p, "latency"), 120000u);
  EXPECT_EQ(ladon_params_is_set(p, "latency"), 0);
  ladon_params_free(p);
}

TEST(Params, RequiredParametersAndFreezing) {
  ladon_error err;
  ladon_params *p = new_params(&err);
  EXPECT_EQ(ladon_params_resolve(p, &err), LADON_EINVAL);
  EXPECT_STREQ(err.text,
               "missing required parameter 'host' of 'test_widget' (owning "
               "host (required))");
  ASSERT_EQ(ladon_params_set(p, "host", "a", &err), LADON_OK);
  ASSERT_EQ(ladon_params_set(p, "host", "b", &err), LADON_OK)
      << "setting twice replaces";
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
  EXPECT_EQ(ladon_params_resolve(p, &err), LADON_OK) << "idempotent";
  EXPECT_STREQ(ladon_params_string(p, "host"), "b");
  EXPECT_EQ(ladon_params_set(p, "host", "c", &err), LADON_ESTATE);
  EXPECT_EQ(ladon_params_set_u64(p, "ports", 2, &err), LADON_ESTATE);
  ladon_params_free(p);
  ladon_params_free(nullptr);
}

TEST(Params, FormatsResolvedValues) {
  ladon_error err;
  ladon_params *p = new_params(&err);
  char buf[64];
  ASSERT_EQ(ladon_params_set(p, "host", "mh", &err), LADON_OK);
  ASSERT_EQ(ladon_params_set(p, "latency", "1500ns", &err), LADON_OK);
  ASSERT_EQ(ladon_params_set(p, "bandwidth", "3.2GB/s", &err), LADON_OK);
  EXPECT_EQ(ladon_params_format(p, "latency", buf, sizeof buf), nullptr)
      << "only resolved values";
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
  const char *expect[][2] = {
      {"latency", "1.5us"},       {"buffer", "16KiB"},   {"link_rate", "8GT/s"},
      {"bandwidth", "25.6Gb/s"},  {"clock", "1GHz"},     {"ports", "4"},
      {"weight", "0.5"},          {"acs", "true"},       {"label", ""},
      {"mode", "cut_through"},    {"host", "mh"},
  };
  for (auto &e : expect) {
    ASSERT_NE(ladon_params_format(p, e[0], buf, sizeof buf), nullptr);
    EXPECT_STREQ(buf, e[1]) << e[0];
  }
  EXPECT_EQ(ladon_params_format(p, "nope", buf, sizeof buf), nullptr);
  ladon_params_free(p);
}

TEST(Params, NewChecksTheTable) {
  ladon_param_desc bad[1] = {{"x", LADON_PARAM_TIME, "soon", nullptr, "d",
                              nullptr, nullptr, nullptr}};
  ladon_error err;
  EXPECT_EQ(ladon_params_new(bad, 1, "t", &err), nullptr);
  EXPECT_EQ(err.code, LADON_EINVAL);
  EXPECT_NE(std::string(err.text).find("default: expected a time"),
            std::string::npos)
      << err.text;
  ladon_params *empty = ladon_params_new(nullptr, 0, nullptr, &err);
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(ladon_params_resolve(empty, &err), LADON_OK);
  EXPECT_EQ(ladon_params_set(empty, "x", "1", &err), LADON_ESTATE);
  ladon_params_free(empty);
}

// Getter misuse is a bug in the model: it must stop loudly, not return 0.
TEST(ParamsDeathTest, MisusedGettersAbort) {
  ladon_error err;
  ladon_params *p = new_params(&err);
  ASSERT_EQ(ladon_params_set(p, "host", "h", &err), LADON_OK);
  EXPECT_DEATH(ladon_params_time_ps(p, "latency"), "unresolved");
  ASSERT_EQ(ladon_params_resolve(p, &err), LADON_OK);
  EXPECT_DEATH(ladon_params_bytes(p, "latency"), "declares it as time");
  EXPECT_DEATH(ladon_params_u64(p, "nope"), "declares no such parameter");
  EXPECT_DEATH(ladon_params_enum(p, "label"), "declares it as string");
  ladon_params_free(p);
}

TEST(Suggest, DistanceAndPrefixRules) {
  EXPECT_EQ(ladon__edit_distance("latency", "latency", 2), 0u);
  EXPECT_EQ(ladon__edit_distance("latnecy", "latency", 2), 1u)
      << "one transposition";
  EXPECT_EQ(ladon__edit_distance("lat", "latency", 2), 3u) << "capped";
  EXPECT_EQ(ladon__edit_distance("kitten", "sitting", 5), 3u);
  const char *names[] = {"ab", "mps", "mrrs", "max_payload_size"};
  EXPECT_EQ(ladon__suggest_in("xy", names, 4), nullptr)
      << "2 edits on a 2-letter word suggest nothing";
  EXPECT_STREQ(ladon__suggest_in("mpss", names, 4), "mps");
  EXPECT_STREQ(ladon__suggest_in("max_payload", names, 4), "max_payload_size");
  EXPECT_STREQ(ladon__suggest_in("max_pay", names, 4), "max_payload_size")
      << "prefix of 7 characters, 7 edits away";
  EXPECT_EQ(ladon__suggest_in("maxi", names, 4), nullptr)
      << "3 edits from mps; the common prefix 'max' is too short";
  EXPECT_EQ(ladon__suggest_in("", names, 4), nullptr);
}

// --- ladon list ----------------------------------------------------------

struct ListRun {
  int status;
  std::string out, err;
};

ListRun run_list(std::initializer_list<const char *> args) {
  std::vector<std::string> store(args.begin(), args.end());
  std::vector<char *> argv;
  for (auto &s : store) argv.push_back(&s[0]);
  char *obuf = nullptr, *ebuf = nullptr;
  size_t olen = 0, elen = 0;
  FILE *o = open_memstream(&obuf, &olen);
  FILE *e = open_memstream(&ebuf, &elen);
  ListRun r;
  r.status = list_run((int)argv.size(), argv.data(), o, e);
  fclose(o);
  fclose(e);
  r.out = obuf;
  r.err = ebuf;
  free(obuf);
  free(ebuf);
  return r;
}

TEST_F(Registry, ListPrintsTheWholeTable) {
  ListRun r = run_list({"list", "test_widget"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.err, "");
  // Every row comes from the table: check each parameter, port and stat.
  for (size_t i = 0; i < kNParams; i++) {
    EXPECT_NE(r.out.find(kWidgetParams[i].name), std::string::npos);
    EXPECT_NE(r.out.find(kWidgetParams[i].description), std::string::npos);
  }
  EXPECT_NE(r.out.find("test_widget: a component type that exists only"),
            std::string::npos);
  EXPECT_NE(r.out.find("    NAME       TYPE    DEFAULT      UNIT   RANGE"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("    latency    time    120ns        ps     1ns..10us"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("    mode       enum    cut_through  -      "
                       "cut_through|store_and_forward  forwarding mode"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("    host       string  (required)"), std::string::npos);
  EXPECT_NE(r.out.find("    d[0-31]  downstream ports"), std::string::npos);
  EXPECT_NE(r.out.find("    stall.ps  ps    time stalled on credits"),
            std::string::npos)
      << r.out;
}

TEST_F(Registry, ListWithoutTypePrintsEveryType) {
  ListRun r = run_list({"list"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("test_widget: "), std::string::npos);
  EXPECT_NE(r.out.find("1ns..10us"), std::string::npos);
}

TEST_F(Registry, ListUnknownTypeIsBadInputWithASuggestion) {
  ListRun r = run_list({"list", "test_widgit"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "ladon list: unknown component type 'test_widgit' (did you mean "
            "'test_widget'?)\n");
  r = run_list({"list", "a", "b"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unexpected argument 'b'"), std::string::npos);
  r = run_list({"list", "--bogus"});
  EXPECT_EQ(r.status, 2);
  r = run_list({"list", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("usage: ladon list [TYPE]"), std::string::npos);
}

TEST(ListEmpty, SaysSoWhenNothingIsRegistered) {
  if (ladon_component_count() != 0) GTEST_SKIP() << "models are registered";
  ListRun r = run_list({"list"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "no component types are registered\n");
  r = run_list({"list", "switch"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "ladon list: unknown component type 'switch' (no component types "
            "are registered)\n");
}

// The installed command behaves the same (its registry holds only the
// library's own models).
int run_cli(const std::string &args, std::string *out) {
  std::string cmd = std::string(LADON_CLI) + " " + args + " 2>&1";
  FILE *f = popen(cmd.c_str(), "r");
  if (f == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out->append(buf, n);
  int st = pclose(f);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(ListCommand, ExitStatuses) {
  std::string out;
  EXPECT_EQ(run_cli("list", &out), 0) << out;
  out.clear();
  EXPECT_EQ(run_cli("list no_such_type_here", &out), 2);
  EXPECT_NE(out.find("unknown component type 'no_such_type_here'"),
            std::string::npos)
      << out;
  out.clear();
  EXPECT_EQ(run_cli("--help", &out), 0);
  EXPECT_NE(out.find("list "), std::string::npos);
}

}  // namespace
