// ladon_compare_run(): ratios are B/A, the per-hop breakdown's link times
// are the spec's serialisation plus the link latency, an extra switch level
// adds the switch's latency, and a fabric against itself gives ratios of 1.
#include "test_temp_file.h"
#include <gtest/gtest.h>
#include <jansson.h>

#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" {
#include "ladon/compare.h"
}

namespace {

std::string TempFile(const std::string &text) { return tmpf::Write(text); }

// A host, `levels` switches in a chain (120 ns each), a NIC; one VF writes
// 256 B to its VM, paced so that nothing queues.
std::string Topology(int levels) {
  std::string comps, links;
  std::string up = "mh.rp0";
  for (int i = 0; i < levels; i++) {
    std::string sw = "sw" + std::to_string(i);
    comps += "\"" + sw + "\": {\"type\": \"switch\", \"downstream_ports\": 2, \"latency\": \"120ns\"},";
    links += "{\"name\": \"l" + std::to_string(i) + "\", \"a\": \"" + up + "\", \"b\": \"" + sw +
             ".up\"},";
    up = sw + ".d0";
  }
  return R"({"ladon": 1, "seed": 1,
  "defaults": {"link": {"gen": 3, "width": 8, "latency": "10ns"}},
  "components": {
    "mh": {"type": "host", "root_ports": 1, "memory": "4GiB", "iommu": true},)" +
         comps + R"(
    "nic0": {"type": "sriov_nic", "total_vfs": 2, "num_vfs": 1}},
  "links": [)" + links +
         R"({"name": "nic", "a": ")" + up + R"(", "b": "nic0.up"}],
  "vms": {"vm0": {"host": "mh", "memory": "1GiB", "functions": ["nic0.vf0"]}},
  "workloads": {"wr": {"type": "dma", "on": "nic0.vf0", "target": "vm0", "op": "write",
                       "size": "256B", "count": 100, "rate": "1GB/s", "outstanding": 1}}
})";
}

struct Result {
  json_t *root = nullptr;
  ladon_status st = LADON_EINVAL;
  ladon_error err{};
  Result(const std::string &a, const std::string &b) {
    FILE *js = std::tmpfile();
    ladon_compare_options o{};
    st = ladon_compare_run(a.c_str(), b.c_str(), &o, nullptr, js, &err);
    std::rewind(js);
    json_error_t je;
    if (st == LADON_OK) root = json_loadf(js, 0, &je);
    std::fclose(js);
  }
  ~Result() { json_decref(root); }
  json_t *flow() { return json_array_get(json_object_get(root, "flows"), 0); }
  json_t *hops(const char *side) {
    return json_object_get(json_object_get(flow(), side), "hops");
  }
};

double Num(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

TEST(Compare, HopsShowLinkAndSwitchTimes) {
  std::string a = TempFile(Topology(1)), b = TempFile(Topology(2));
  Result r(a, b);
  ASSERT_EQ(r.st, LADON_OK) << r.err.text;
  ASSERT_NE(r.root, nullptr);
  ASSERT_EQ(json_array_size(r.hops("a")), 2u);  // nic.up, l0.up
  ASSERT_EQ(json_array_size(r.hops("b")), 3u);  // nic.up, l1.up, l0.up
  // On the NIC's link: a MWr of 256 B with a 3 DW header (the VM's
  // addresses are below 4 GiB, §2.2.4.1): 12 B header + 256 B payload + 8 B
  // framing (STP token with sequence number, LCRC; §4.2.2.3.1) = 276 B, on
  // 8 lanes of 8 GT/s with 128b/130b encoding: 276 B / 8 lanes = 34.5
  // symbol times of 1 ns, rounded up to whole symbols (35 ns) -- plus the
  // sync headers, 2 bits per 128 (35 x 130/128 = 35.55 ns) -- plus the 10 ns
  // link latency: 45.5 ns (within 0.5 ns for the symbol-clock alignment).
  for (const char *side : {"a", "b"}) {
    json_t *first = json_array_get(r.hops(side), 0);
    EXPECT_STREQ(json_string_value(json_object_get(first, "link")), "nic");
    EXPECT_STREQ(json_string_value(json_object_get(first, "kind")), "request");
    EXPECT_EQ(json_integer_value(json_object_get(first, "tlps")), 100);
    EXPECT_NEAR(Num(first, "on_link_ns"), 45.5, 0.5) << side;
  }
  // Each switch holds the write for its configured 120 ns latency (cut-
  // through from the header, docs/models/switch.md) less the part of the
  // serialisation it overlaps: the switch time on B's extra level equals
  // the one on A's only level, and B's path is longer by one switch and one
  // link.
  json_t *a_sw = json_array_get(r.hops("a"), 1), *b_sw1 = json_array_get(r.hops("b"), 1),
         *b_sw0 = json_array_get(r.hops("b"), 2);
  EXPECT_STREQ(json_string_value(json_object_get(b_sw1, "component")), "sw1");
  EXPECT_STREQ(json_string_value(json_object_get(b_sw0, "component")), "sw0");
  EXPECT_NEAR(Num(b_sw1, "in_component_ns"), Num(a_sw, "in_component_ns"), 0.5);
  EXPECT_NEAR(Num(b_sw0, "in_component_ns"), Num(a_sw, "in_component_ns"), 0.5);
  EXPECT_NEAR(Num(b_sw0, "cumulative_ns") - Num(a_sw, "cumulative_ns"),
              Num(b_sw1, "in_component_ns") + Num(b_sw1, "on_link_ns"), 0.5);
  // Ratios are B over A.
  json_t *fa = json_object_get(r.flow(), "a"), *fb = json_object_get(r.flow(), "b"),
         *ratio = json_object_get(r.flow(), "ratio");
  EXPECT_DOUBLE_EQ(Num(ratio, "p50"), Num(fb, "p50_ns") / Num(fa, "p50_ns"));
  EXPECT_DOUBLE_EQ(Num(ratio, "throughput"),
                   Num(fb, "throughput_gbps") / Num(fa, "throughput_gbps"));
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST(Compare, AFabricAgainstItselfGivesRatiosOfOne) {
  std::string a = TempFile(Topology(2));
  Result r(a, a);
  ASSERT_EQ(r.st, LADON_OK) << r.err.text;
  json_t *ratio = json_object_get(r.flow(), "ratio");
  EXPECT_DOUBLE_EQ(Num(ratio, "p50"), 1.0);
  EXPECT_DOUBLE_EQ(Num(ratio, "p99"), 1.0);
  EXPECT_DOUBLE_EQ(Num(ratio, "throughput"), 1.0);
  EXPECT_TRUE(json_equal(r.hops("a"), r.hops("b")));
  std::remove(a.c_str());
}

TEST(Compare, BadInputWritesNothing) {
  std::string a = TempFile(Topology(1));
  FILE *js = std::tmpfile();
  ladon_compare_options o{};
  ladon_error err{};
  EXPECT_EQ(ladon_compare_run(a.c_str(), "/nonexistent/b.json", &o, js, js, &err), LADON_EIO);
  EXPECT_EQ(std::ftell(js), 0L);
  std::fclose(js);
  std::remove(a.c_str());
}

}  // namespace
