// The fabric graph (Boost.Graph add-on): PCIe domains and the tree check,
// hop counts of physical paths, reachability before and after translation,
// on the shipped configurations.  Every expected number is counted from the
// topology file named in the test (its components, links and VMs).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "ladon/graph.h"

namespace {

std::string cfg(const char *rel) { return std::string(LADON_SOURCE_DIR) + "/" + rel; }

struct graph_ptr {
  ladon_graph *g;
  explicit graph_ptr(const std::string &path) {
    ladon_error err;
    g = ladon_graph_load(path.c_str(), &err);
    if (g == nullptr) ADD_FAILURE() << path << ": " << err.text;
  }
  ~graph_ptr() { ladon_graph_free(g); }
};

const ladon_graph_path *path(const ladon_graph *g, const char *r, const char *t) {
  size_t ri = ladon_graph_requester_find(g, r), ti = ladon_graph_target_find(g, t);
  EXPECT_NE(ri, static_cast<size_t>(-1)) << r;
  EXPECT_NE(ti, static_cast<size_t>(-1)) << t;
  return ladon_graph_path_get(g, ri, ti);
}

size_t count(const std::string &s, const char *needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) n++;
  return n;
}

std::string write_temp(const char *name, const char *text) {
  std::string p = std::string(LADON_BINARY_DIR) + "/" + name;
  FILE *f = std::fopen(p.c_str(), "w");
  EXPECT_NE(f, nullptr);
  std::fputs(text, f);
  std::fclose(f);
  return p;
}

}  // namespace

// configs/ladon/ladon-2ch.json: mh -> sw0 (3 downstream ports) -> nic0 (12
// VFs), sw0.d1 -> ntb0 -> ch0, sw0.d2 -> ntb1 -> ch1; vm0 on ch0, vm1 on ch1.
TEST(Graph, Ladon2chHasThreeTreeDomains) {
  graph_ptr gp(cfg("configs/ladon/ladon-2ch.json"));
  ASSERT_NE(gp.g, nullptr);
  ASSERT_EQ(ladon_graph_domain_count(gp.g), 3u);
  const char *names[] = {"mh", "ch0", "ch1"};
  // mh: mh, its CPUs and memory, mh.rp0 (4); sw0 core + up + d0..d2 (5);
  // nic0 + PF + 12 VFs (14); ntb0.a, ntb1.a (2) = 25 vertices.
  // chN: chN, CPUs, memory, chN.rp0, ntbN.b, vmN vCPUs = 6 vertices.
  size_t vertices[] = {25, 6, 6};
  for (size_t i = 0; i < 3; i++) {
    const ladon_graph_domain *d = ladon_graph_domain_at(gp.g, i);
    ASSERT_NE(d, nullptr);
    EXPECT_STREQ(d->name, names[i]);
    EXPECT_TRUE(d->is_tree) << d->name;
    EXPECT_EQ(d->hosts, 1u);
    EXPECT_EQ(d->vertices, vertices[i]) << d->name;
    EXPECT_EQ(d->edges + 1, d->vertices) << d->name;  // a tree
  }
  EXPECT_TRUE(ladon_graph_ok(gp.g));
  EXPECT_EQ(ladon_graph_finding_count(gp.g), 0u);
  // Whole graph: 37 vertices; 34 edges inside domains + 2 NTB crossings.
  EXPECT_EQ(ladon_graph_vertex_count(gp.g), 37u);
  EXPECT_EQ(ladon_graph_edge_count(gp.g), 36u);
  EXPECT_EQ(ladon_graph_domain_at(gp.g, 3), nullptr);
}

TEST(Graph, Ladon2chVfCrossesOneNtbToItsVmsHost) {
  graph_ptr gp(cfg("configs/ladon/ladon-2ch.json"));
  ASSERT_NE(gp.g, nullptr);
  // nic0.vf0 -> ch0 memory: links nic, ntb0-a, ntb0-b (3); switch sw0 (1);
  // NTB ntb0 (1).
  const ladon_graph_path *p = path(gp.g, "nic0.vf0", "ch0 memory");
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->physical);
  EXPECT_EQ(p->links, 3u);
  EXPECT_EQ(p->switches, 1u);
  EXPECT_EQ(p->ntbs, 1u);
  EXPECT_EQ(count(p->route, "-["), p->links);
  EXPECT_EQ(count(p->route, "=NTB"), p->ntbs);
  // Through the tables the DMA goes up to the management host's IOMMU and
  // back down (flow (b) of DESIGN §4): links nic, mh-up, mh-up, ntb0-a,
  // ntb0-b = 5 traversals.
  EXPECT_TRUE(p->translated);
  EXPECT_EQ(p->table_links, 5u);
  EXPECT_NE(std::strstr(p->via, "vm0 memory"), nullptr) << p->via;
  // ch0's CPUs to ch1's memory cross both NTBs: links ntb0-b, ntb0-a,
  // ntb1-a, ntb1-b (4), sw0 (1).
  p = path(gp.g, "ch0 CPUs", "ch1 memory");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->links, 4u);
  EXPECT_EQ(p->switches, 1u);
  EXPECT_EQ(p->ntbs, 2u);
  EXPECT_FALSE(p->translated);
  // The management host's own memory: links nic, mh-up; no NTB.
  p = path(gp.g, "nic0.vf0", "mh memory");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->links, 2u);
  EXPECT_EQ(p->ntbs, 0u);
}

TEST(Graph, Ladon2chTranslationLeavesOnlyTheVmsMemory) {
  graph_ptr gp(cfg("configs/ladon/ladon-2ch.json"));
  ASSERT_NE(gp.g, nullptr);
  const char *mem[] = {"mh memory", "ch0 memory", "ch1 memory"};
  // vf0 and vf2 belong to vm0 (ch0), vf1 to vm1 (ch1); vf3 to no VM.
  struct { const char *fn; int host; } vfs[] = {
      {"nic0.vf0", 1}, {"nic0.vf1", 2}, {"nic0.vf2", 1}, {"nic0.vf3", -1}};
  for (const auto &v : vfs)
    for (int h = 0; h < 3; h++) {
      const ladon_graph_path *p = path(gp.g, v.fn, mem[h]);
      ASSERT_NE(p, nullptr);
      EXPECT_TRUE(p->physical) << v.fn << " " << mem[h];
      EXPECT_EQ(p->translated, h == v.host) << v.fn << " " << mem[h];
    }
  // A VF reaches no BAR (peer-to-peer is redirected to the IOMMU, which
  // maps no BAR); vm0's vCPUs reach exactly their two VFs' BARs.
  size_t nt = ladon_graph_target_count(gp.g);
  size_t vm0 = ladon_graph_requester_find(gp.g, "vm0 vCPUs");
  size_t vf0 = ladon_graph_requester_find(gp.g, "nic0.vf0");
  size_t bars_vm0 = 0, bars_vf0 = 0;
  for (size_t t = 0; t < nt; t++) {
    if (ladon_graph_target_at(gp.g, t)->kind != LADON_GRAPH_FUNCTION) continue;
    bars_vm0 += ladon_graph_path_get(gp.g, vm0, t)->translated;
    bars_vf0 += ladon_graph_path_get(gp.g, vf0, t)->translated;
  }
  EXPECT_EQ(bars_vm0, 2u);
  EXPECT_EQ(bars_vf0, 0u);
  EXPECT_TRUE(path(gp.g, "vm0 vCPUs", "nic0.vf2 BARs")->translated);
  EXPECT_FALSE(path(gp.g, "vm0 vCPUs", "nic0.vf1 BARs")->translated);
}

// configs/default.json: mh -> sw0 -> nic0 (12 VFs), vm0 <- vf0, vm1 <- vf11,
// both on mh: one domain, no NTB.
TEST(Graph, DefaultIsOneDomain) {
  graph_ptr gp(cfg("configs/default.json"));
  ASSERT_NE(gp.g, nullptr);
  ASSERT_EQ(ladon_graph_domain_count(gp.g), 1u);
  const ladon_graph_domain *d = ladon_graph_domain_at(gp.g, 0);
  EXPECT_STREQ(d->name, "mh");
  EXPECT_TRUE(d->is_tree);
  // Requesters: PF + 12 VFs, 2 VMs' vCPUs, mh's CPUs; targets: mh memory
  // and 13 functions' BARs.
  EXPECT_EQ(ladon_graph_requester_count(gp.g), 16u);
  EXPECT_EQ(ladon_graph_target_count(gp.g), 14u);
  const ladon_graph_path *p = path(gp.g, "nic0.vf0", "mh memory");
  EXPECT_EQ(p->links, 2u);  // nic, up
  EXPECT_EQ(p->switches, 1u);
  EXPECT_EQ(p->ntbs, 0u);
  EXPECT_TRUE(p->translated);
  EXPECT_NE(std::strstr(p->via, "vm0 memory"), nullptr);
  // A VF without a VM has no IOMMU mapping: physically there, not after.
  p = path(gp.g, "nic0.vf5", "mh memory");
  EXPECT_TRUE(p->physical);
  EXPECT_FALSE(p->translated);
}

// configs/switch-tree.json: mh -> top -> {left -> nic0, nic1; right -> nic2,
// nic3}: a VF's DMA crosses three links and two switches.
TEST(Graph, SwitchTreeHopCounts) {
  graph_ptr gp(cfg("configs/switch-tree.json"));
  ASSERT_NE(gp.g, nullptr);
  ASSERT_EQ(ladon_graph_domain_count(gp.g), 1u);
  EXPECT_TRUE(ladon_graph_domain_at(gp.g, 0)->is_tree);
  const ladon_graph_path *p = path(gp.g, "nic2.vf0", "mh memory");
  EXPECT_EQ(p->links, 3u);
  EXPECT_EQ(p->switches, 2u);
  EXPECT_TRUE(p->translated);
  // nic0 to nic3: left.d0 up to top and down right: links 4, switches 3.
  p = path(gp.g, "nic0.vf0", "nic3.vf1 BARs");
  EXPECT_EQ(p->links, 4u);
  EXPECT_EQ(p->switches, 3u);
  EXPECT_FALSE(p->translated);
  // The host's CPUs reach every function's BAR through the windows.
  size_t cpu = ladon_graph_requester_find(gp.g, "mh CPUs");
  for (size_t t = 0; t < ladon_graph_target_count(gp.g); t++)
    EXPECT_TRUE(ladon_graph_path_get(gp.g, cpu, t)->translated)
        << ladon_graph_target_at(gp.g, t)->name;
}

// Two hosts below one switch without an NTB: the loader accepts it, the
// graph reports the domain as not a tree (PCIe Base 5.0 §1.3.1).
TEST(Graph, SecondHostInADomainIsAFinding) {
  std::string p = write_temp("test_graph_twohost.json",
      "{\"ladon\":1,\"components\":{\"h0\":{\"type\":\"host\"},"
      "\"h1\":{\"type\":\"host\"},\"sw0\":{\"type\":\"switch\","
      "\"downstream_ports\":2}},\"links\":["
      "{\"name\":\"l0\",\"a\":\"h0.rp0\",\"b\":\"sw0.up\"},"
      "{\"name\":\"l1\",\"a\":\"h1.rp0\",\"b\":\"sw0.d0\"}]}\n");
  graph_ptr gp(p);
  ASSERT_NE(gp.g, nullptr);
  ASSERT_EQ(ladon_graph_domain_count(gp.g), 1u);
  const ladon_graph_domain *d = ladon_graph_domain_at(gp.g, 0);
  EXPECT_EQ(d->hosts, 2u);
  EXPECT_FALSE(d->is_tree);
  EXPECT_FALSE(ladon_graph_ok(gp.g));
  ASSERT_EQ(ladon_graph_finding_count(gp.g), 1u);
  EXPECT_NE(std::strstr(ladon_graph_finding_at(gp.g, 0), "second host 'h1'"), nullptr);
  std::remove(p.c_str());
}

// Two NTBs between the same two hosts: a cycle in the whole graph, but
// each domain is still a tree.
TEST(Graph, CycleThroughNtbsIsNotALoopInADomain) {
  std::string p = write_temp("test_graph_ntbpair.json",
      "{\"ladon\":1,\"components\":{\"h0\":{\"type\":\"host\",\"root_ports\":2},"
      "\"h1\":{\"type\":\"host\",\"root_ports\":2},\"n0\":{\"type\":\"ntb\"},"
      "\"n1\":{\"type\":\"ntb\"}},\"links\":["
      "{\"name\":\"l0\",\"a\":\"h0.rp0\",\"b\":\"n0.a\"},"
      "{\"name\":\"l1\",\"a\":\"h1.rp0\",\"b\":\"n0.b\"},"
      "{\"name\":\"l2\",\"a\":\"h0.rp1\",\"b\":\"n1.a\"},"
      "{\"name\":\"l3\",\"a\":\"h1.rp1\",\"b\":\"n1.b\"}]}\n");
  graph_ptr gp(p);
  ASSERT_NE(gp.g, nullptr);
  EXPECT_EQ(ladon_graph_domain_count(gp.g), 2u);
  EXPECT_TRUE(ladon_graph_ok(gp.g));
  const ladon_graph_path *q = path(gp.g, "h0 CPUs", "h1 memory");
  EXPECT_EQ(q->links, 2u);
  EXPECT_EQ(q->ntbs, 1u);
  std::remove(p.c_str());
}

TEST(Graph, BadInputIsAPositionedError) {
  std::string p = write_temp("test_graph_bad.json", "{\"ladon\": 1,\n  \"links\": [}\n");
  ladon_error err;
  EXPECT_EQ(ladon_graph_load(p.c_str(), &err), nullptr);
  EXPECT_NE(err.code, LADON_OK);
  EXPECT_EQ(err.line, 2);
  EXPECT_GT(err.column, 0);
  std::remove(p.c_str());
  EXPECT_EQ(ladon_graph_load(nullptr, &err), nullptr);
  EXPECT_EQ(err.code, LADON_EINVAL);
  EXPECT_EQ(ladon_graph_load("/nonexistent/topology.json", nullptr), nullptr);
  ladon_graph_free(nullptr);
}

TEST(Graph, DotHasOneClusterPerDomainAndNtbsBetween) {
  graph_ptr gp(cfg("configs/ladon/ladon-2ch.json"));
  ASSERT_NE(gp.g, nullptr);
  char *buf = nullptr;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT_EQ(ladon_graph_write_dot(gp.g, f), LADON_OK);
  std::fclose(f);
  std::string dot(buf, len);
  std::free(buf);
  EXPECT_EQ(count(dot, "subgraph \"cluster_"), 3u);
  EXPECT_EQ(count(dot, "{"), count(dot, "}"));
  EXPECT_EQ(count(dot, "\"ntb0.a\" -- \"ntb0.b\""), 1u);
  EXPECT_EQ(count(dot, "color=red"), 2u);  // the two NTBs
}
