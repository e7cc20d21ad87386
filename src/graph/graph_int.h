/*
** The fabric graph's internal structures (C++17, Boost.Graph).  The graph
** is built from the topology file and the configured fabric's static check;
** ladon_graph (include/ladon/graph.h) owns copies of every string it hands
** out, so nothing borrowed outlives the fabric.
*/
#ifndef LADON_GRAPH_INT_H
#define LADON_GRAPH_INT_H

#include <boost/graph/adjacency_list.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "ladon/graph.h"

namespace ladon_graph_int {

/* What a vertex stands for. */
enum class vkind { host, cpus, vcpus, memory, root_port, switch_core,
                   switch_port, ntb_side, device, function };

/* What an edge stands for: a PCIe link, the inside of one component, or
** the crossing of an NTB between its two sides. */
enum class ekind { link, internal, ntb };

struct vprop {
  std::string name;
  vkind kind = vkind::device;
  std::size_t domain = 0;  /* index into ladon_graph::domains */
};

struct eprop {
  ekind kind = ekind::internal;
  std::string name;        /* the link's or the NTB's name */
};

using graph_t = boost::adjacency_list<boost::vecS, boost::vecS,
                                      boost::undirectedS, vprop, eprop>;
using vertex_t = graph_t::vertex_descriptor;

/* A requester or target with the strings ladon_graph_end points into. */
struct end_rec {
  std::string name, domain;
  ladon_graph_node_kind kind;
  vertex_t v;
};

/* A record of the static check that reaches memory or a BAR. */
struct reach_rec {
  std::string requester, target, via;  /* graph names, the check's target */
  unsigned table_links;                /* link traversals of its chain */
};

struct path_rec {
  std::string route, via;
  ladon_graph_path pub{};
};

}  // namespace ladon_graph_int

struct ladon_graph {
  ladon_graph_int::graph_t g;
  std::string topology;                      /* the file as given */
  std::vector<std::string> domain_names;
  std::vector<ladon_graph_domain> domains;   /* .name points into domain_names */
  std::vector<std::string> findings;
  std::vector<ladon_graph_int::end_rec> req, tgt;
  std::vector<ladon_graph_end> req_pub, tgt_pub;
  std::vector<ladon_graph_int::path_rec> paths;  /* req-major */
  std::vector<ladon_graph_int::reach_rec> reaches;
};

namespace ladon_graph_int {
/* graph_build.cpp: vertices and edges from the topology and the check. */
bool build(ladon_graph *gr, const char *path, ladon_error *err);
/* graph_analyse.cpp: domains, tree check, paths, hop counts. */
void analyse(ladon_graph *gr);
/* Fills `err` (may be NULL) without a position. */
void set_error(ladon_error *err, ladon_status code, const char *file,
               const std::string &text);
}  // namespace ladon_graph_int

#endif
