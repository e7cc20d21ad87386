/*
** Writing the fabric graph: a summary for people, Graphviz DOT, JSON.
*/
#include <jansson.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "graph/graph_int.h"

using namespace ladon_graph_int;

namespace {

const char *kind_name(ladon_graph_node_kind k) {
  switch (k) {
    case LADON_GRAPH_FUNCTION: return "function";
    case LADON_GRAPH_VCPUS: return "vcpus";
    case LADON_GRAPH_CPUS: return "cpus";
    case LADON_GRAPH_MEMORY: return "memory";
  }
  return "?";
}

/* DOT ID: a double-quoted string with quotes and backslashes escaped. */
std::string dot_id(const std::string &s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

const char *dot_shape(vkind k) {
  switch (k) {
    case vkind::host: return "box3d";
    case vkind::cpus: case vkind::vcpus: return "component";
    case vkind::memory: return "cylinder";
    case vkind::root_port: case vkind::switch_port: return "circle";
    case vkind::switch_core: return "box";
    case vkind::ntb_side: return "hexagon";
    case vkind::device: return "box";
    case vkind::function: return "ellipse";
  }
  return "ellipse";
}

void matrix(const ladon_graph *gr, FILE *out, bool translated) {
  std::size_t w = 0;
  for (const auto &r : gr->req) w = std::max(w, r.name.size());
  std::fprintf(out, "%-*s ", static_cast<int>(w), "");
  for (std::size_t t = 0; t < gr->tgt.size(); t++)
    std::fprintf(out, "%3zu", t + 1);
  std::fputc('\n', out);
  for (std::size_t r = 0; r < gr->req.size(); r++) {
    std::fprintf(out, "%-*s ", static_cast<int>(w), gr->req[r].name.c_str());
    for (std::size_t t = 0; t < gr->tgt.size(); t++) {
      const ladon_graph_path &p = gr->paths[r * gr->tgt.size() + t].pub;
      std::fprintf(out, "  %c", (translated ? p.translated : p.physical) ? 'X' : '.');
    }
    std::fputc('\n', out);
  }
}

}  // namespace

extern "C" {

ladon_status ladon_graph_write_text(const ladon_graph *gr, FILE *out) {
  if (gr == nullptr || out == nullptr) return LADON_EINVAL;
  std::fprintf(out, "graph: %zu vertices, %zu edges, %zu PCIe domain%s\n",
               boost::num_vertices(gr->g), boost::num_edges(gr->g),
               gr->domains.size(), gr->domains.size() == 1 ? "" : "s");
  std::fprintf(out, "\ndomains:\n");
  for (const auto &d : gr->domains)
    std::fprintf(out, "  %-12s %-8s hosts %zu, vertices %zu, edges %zu\n",
                 d.name, d.is_tree ? "tree" : "NOT-TREE", d.hosts, d.vertices,
                 d.edges);
  for (const auto &f : gr->findings) std::fprintf(out, "finding: %s\n", f.c_str());
  std::fprintf(out, "\npaths (shortest physical path; hops: links/switches/NTBs;"
                    " table: link traversals through the programmed tables):\n");
  for (const auto &p : gr->paths) {
    const ladon_graph_path &q = p.pub;
    if (!q.physical) continue;
    std::fprintf(out, "  %-14s -> %-16s links %u switches %u ntbs %u  table %s",
                 gr->req[q.requester].name.c_str(), gr->tgt[q.target].name.c_str(),
                 q.links, q.switches, q.ntbs, q.translated ? "" : "-");
    if (q.translated) std::fprintf(out, "%u", q.table_links);
    std::fprintf(out, "  %s\n", q.route);
  }
  std::fprintf(out, "\ntargets:\n");
  for (std::size_t t = 0; t < gr->tgt.size(); t++)
    std::fprintf(out, "%5zu  %s (domain %s)\n", t + 1, gr->tgt[t].name.c_str(),
                 gr->tgt[t].domain.c_str());
  std::fprintf(out, "\nreachability before translation (physical path):\n");
  matrix(gr, out, false);
  std::fprintf(out, "\nreachability after translation (programmed tables, static check):\n");
  matrix(gr, out, true);
  std::size_t nd = 0;
  for (const auto &d : gr->domains) nd += d.is_tree ? 0 : 1;
  std::fprintf(out, "\n%s: %zu domains, %zu not a tree, %zu findings\n",
               ladon_graph_ok(gr) ? "every domain is a tree" : "NOT every domain is a tree",
               gr->domains.size(), nd, gr->findings.size());
  return std::ferror(out) ? LADON_EIO : LADON_OK;
}

ladon_status ladon_graph_write_dot(const ladon_graph *gr, FILE *out) {
  if (gr == nullptr || out == nullptr) return LADON_EINVAL;
  const graph_t &g = gr->g;
  std::fprintf(out, "graph %s {\n  node [fontsize=10];\n",
               dot_id("ladon " + gr->topology).c_str());
  for (std::size_t d = 0; d < gr->domains.size(); d++) {
    std::fprintf(out, "  subgraph %s {\n    label=%s;\n",
                 dot_id("cluster_" + std::to_string(d)).c_str(),
                 dot_id(std::string("domain ") + gr->domains[d].name +
                        (gr->domains[d].is_tree ? "" : " (NOT a tree)")).c_str());
    for (auto [v, end] = boost::vertices(g); v != end; ++v)
      if (g[*v].domain == d)
        std::fprintf(out, "    %s [shape=%s];\n", dot_id(g[*v].name).c_str(),
                     dot_shape(g[*v].kind));
    for (auto [e, end] = boost::edges(g); e != end; ++e) {
      const eprop &ep = g[*e];
      if (ep.kind == ekind::ntb || g[boost::source(*e, g)].domain != d) continue;
      std::fprintf(out, "    %s -- %s", dot_id(g[boost::source(*e, g)].name).c_str(),
                   dot_id(g[boost::target(*e, g)].name).c_str());
      if (ep.kind == ekind::link)
        std::fprintf(out, " [label=%s]", dot_id(ep.name).c_str());
      std::fprintf(out, ";\n");
    }
    std::fprintf(out, "  }\n");
  }
  /* NTBs: the only edges between clusters. */
  for (auto [e, end] = boost::edges(g); e != end; ++e)
    if (g[*e].kind == ekind::ntb)
      std::fprintf(out, "  %s -- %s [label=%s, style=bold, color=red];\n",
                   dot_id(g[boost::source(*e, g)].name).c_str(),
                   dot_id(g[boost::target(*e, g)].name).c_str(),
                   dot_id("NTB " + g[*e].name).c_str());
  std::fprintf(out, "}\n");
  return std::ferror(out) ? LADON_EIO : LADON_OK;
}

ladon_status ladon_graph_write_json(const ladon_graph *gr, FILE *out) {
  if (gr == nullptr || out == nullptr) return LADON_EINVAL;
  json_t *root = json_object();
  json_object_set_new(root, "topology", json_string(gr->topology.c_str()));
  json_object_set_new(root, "vertices", json_integer((json_int_t)boost::num_vertices(gr->g)));
  json_object_set_new(root, "edges", json_integer((json_int_t)boost::num_edges(gr->g)));
  json_object_set_new(root, "ok", json_boolean(ladon_graph_ok(gr)));
  json_t *doms = json_array();
  for (const auto &d : gr->domains)
    json_array_append_new(doms, json_pack("{s:s, s:I, s:I, s:I, s:b}", "name", d.name,
                                          "hosts", (json_int_t)d.hosts,
                                          "vertices", (json_int_t)d.vertices,
                                          "edges", (json_int_t)d.edges,
                                          "tree", d.is_tree));
  json_object_set_new(root, "domains", doms);
  json_t *finds = json_array();
  for (const auto &f : gr->findings) json_array_append_new(finds, json_string(f.c_str()));
  json_object_set_new(root, "findings", finds);
  auto ends = [](const std::vector<end_rec> &v) {
    json_t *a = json_array();
    for (const auto &e : v)
      json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", e.name.c_str(),
                                         "kind", kind_name(e.kind),
                                         "domain", e.domain.c_str()));
    return a;
  };
  json_object_set_new(root, "requesters", ends(gr->req));
  json_object_set_new(root, "targets", ends(gr->tgt));
  json_t *paths = json_array();
  for (const auto &p : gr->paths) {
    const ladon_graph_path &q = p.pub;
    json_array_append_new(
        paths, json_pack("{s:s, s:s, s:b, s:i, s:i, s:i, s:s, s:b, s:s, s:i}",
                         "requester", gr->req[q.requester].name.c_str(),
                         "target", gr->tgt[q.target].name.c_str(),
                         "physical", q.physical, "links", (int)q.links,
                         "switches", (int)q.switches, "ntbs", (int)q.ntbs,
                         "route", q.route, "translated", q.translated,
                         "via", q.via, "table_links", (int)q.table_links));
  }
  json_object_set_new(root, "paths", paths);
  int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  std::fputc('\n', out);
  return rc != 0 || std::ferror(out) ? LADON_EIO : LADON_OK;
}

}  // extern "C"
