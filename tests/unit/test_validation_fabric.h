// Whole fabrics for the validation tests: a topology whose "defaults" are a
// calibrated preset (configs/presets/*.json), loaded through the public
// loader, run in steps, with workload goodput measured between two instants
// of steady state from the flow counters.
#ifndef LADON_TESTS_VALIDATION_FABRIC_H
#define LADON_TESTS_VALIDATION_FABRIC_H

#include "test_temp_file.h"
#include <gtest/gtest.h>
#include <jansson.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" {
#include "fabric/fabric_int.h"
#include "ladon/fabric.h"
#include "ladon/stats.h"
#include "models/host.h"
#include "models/iommu.h"
}

namespace vt {

// The "defaults" object of configs/presets/NAME.json, as JSON text.
inline std::string PresetDefaults(const char *name) {
  std::string path = std::string(LADON_SOURCE_DIR) + "/configs/presets/" + name + ".json";
  json_error_t e;
  json_t *doc = json_load_file(path.c_str(), 0, &e);
  if (doc == nullptr) {
    ADD_FAILURE() << path << ":" << e.line << ": " << e.text;
    return "{}";
  }
  char *text = json_dumps(json_object_get(doc, "defaults"), JSON_COMPACT | JSON_SORT_KEYS);
  std::string out = text ? text : "{}";
  std::free(text);
  json_decref(doc);
  return out;
}

// A preset's defaults with one member of one type's block replaced (or
// added), e.g. Override(d, "host", "cpl_split", "\"rcb\"").
inline std::string Override(const std::string &defaults, const char *type, const char *key,
                            const char *json_value) {
  json_error_t e;
  json_t *d = json_loads(defaults.c_str(), 0, &e);
  json_t *v = json_loads(json_value, JSON_DECODE_ANY, &e);
  if (d == nullptr || v == nullptr) {
    ADD_FAILURE() << "bad JSON in override: " << e.text;
    json_decref(d);
    json_decref(v);
    return defaults;
  }
  json_t *block = json_object_get(d, type);
  if (block == nullptr) {
    block = json_object();
    json_object_set_new(d, type, block);
  }
  json_object_set_new(block, key, v);
  char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
  std::string out = text;
  std::free(text);
  json_decref(d);
  return out;
}

// A loaded fabric; the topology file is private to the test process.
struct Fabric {
  ladon_fabric *f = nullptr;
  ladon_error err{};

  explicit Fabric(const std::string &text) {
    f = tmpf::LoadTopology(text, &err);
  }
  ~Fabric() { ladon_fabric_free(f); }
  Fabric(const Fabric &) = delete;
  Fabric &operator=(const Fabric &) = delete;

  // Runs to `t` after the end of configuration.
  void run_to(ladon_time_ps t) { ladon_fabric_run(f, ladon_fabric_start_ps(f) + t); }

  uint64_t counter(const std::string &name) const {
    const ladon_stat *s = ladon_stats_find(ladon_sim_stats(f->sim), name.c_str());
    const ladon_counter *c = s ? ladon_stat_as_counter(s) : nullptr;
    EXPECT_NE(c, nullptr) << name;
    return c ? ladon_counter_value(c) : 0;
  }

  // Goodput of workload `wl` in Gb/s (completed bytes) between `from` and
  // `to` after the start: steady state, no warm-up or drain in it.
  double gbps(const char *wl, ladon_time_ps from, ladon_time_ps to) {
    std::string key = std::string("flow.") + wl + ".bytes";
    run_to(from);
    uint64_t b0 = counter(key);
    run_to(to);
    uint64_t b1 = counter(key);
    EXPECT_EQ(counter(std::string("flow.") + wl + ".errors"), 0u) << wl;
    return (double)(b1 - b0) * 8.0 / ((double)(to - from) / 1000.0);  // bits per ns
  }

  void *inst(const char *comp) const { return f->inst[ladon__topo_find(f->topo, comp)]; }
  ladon__host *host(const char *comp) const { return ladon__host_of(inst(comp)); }
};

// Relative error of `sim` against `published`, in percent.
inline double ErrPct(double sim, double published) { return 100.0 * (sim / published - 1.0); }

// One machine-readable line per validated figure; scripts/validation-table.sh
// collects them from the test output into docs/validation.md's table.  The
// error is relative, except for figures that are themselves percentages
// (unit "%"), whose error is the difference in percentage points.
inline void Row(const char *id, const char *scenario, double published, double simulated,
                const char *unit) {
  char err[32];
  if (std::string(unit) == "%")
    std::snprintf(err, sizeof err, "%+.1f points", simulated - published);
  else
    std::snprintf(err, sizeof err, "%+.1f %%", ErrPct(simulated, published));
  std::printf("VALIDATION|%s|%s|%.3f|%.3f|%s|%s\n", id, scenario, published, simulated, unit,
              err);
  std::fflush(stdout);
}

}  // namespace vt

#endif
