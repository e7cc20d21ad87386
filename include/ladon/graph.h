/*
** The fabric graph (Boost.Graph add-on, library ladon-graph).
**
** ladon_graph_load() loads a topology like ladon_fabric_load() does (so bad
** input gives the same positioned errors), builds an undirected graph of
** its components -- each host's root complex with its CPUs and memory and
** its root ports, each switch's core and ports, the two sides of each NTB,
** each device and its functions -- joined by the topology's links, and
** analyses it:
**
**  - PCIe domains: what a host's root complex reaches without crossing an
**    NTB (an NTB's two sides are endpoints of two domains, PCIe Base 5.0
**    §1.3: a hierarchy is a tree below one root complex).  A domain with a
**    loop or with a second host is not a tree: a finding.
**  - Paths: for each requester (each function of each device, each VM's
**    vCPUs, each host's CPUs) to each target (each host's memory, each
**    function's BARs) the shortest physical path and its hop counts:
**    links, switches and NTBs crossed.
**  - Reachability before translation (physical connectivity: a path exists
**    over links, switches and NTBs) and after translation (the static part
**    of ladon_check_run() on the configured fabric: the target is reached
**    through the programmed tables), see include/ladon/check.h.
**
** docs/graph.md describes the output.
*/
#ifndef LADON_GRAPH_H
#define LADON_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ladon/error.h"
#include "ladon/export.h"

/*
** The add-on exports its own symbols (libladon-graph is built with hidden
** visibility and LADON_GRAPH_BUILDING); libladon's export list stays its own.
*/
#if defined(LADON_GRAPH_BUILDING) && defined(__GNUC__)
#define LADON_GRAPH_API __attribute__((visibility("default")))
#else
#define LADON_GRAPH_API
#endif

LADON_BEGIN_DECLS

typedef struct ladon_graph ladon_graph;

/* One PCIe domain.  Strings are owned by the graph. */
typedef struct ladon_graph_domain {
  const char *name;      /* the host's name; a hostless domain: its first
                            component's name */
  size_t hosts;          /* host root complexes in the domain (1 expected) */
  size_t vertices;       /* graph vertices in the domain */
  size_t edges;          /* graph edges inside the domain */
  bool is_tree;          /* edges == vertices - 1 and hosts == 1 */
} ladon_graph_domain;

typedef enum ladon_graph_node_kind {
  LADON_GRAPH_FUNCTION = 0, /* a function of a device (requester; BAR target) */
  LADON_GRAPH_VCPUS = 1,    /* a VM's vCPUs (requester) */
  LADON_GRAPH_CPUS = 2,     /* a host's CPUs (requester) */
  LADON_GRAPH_MEMORY = 3    /* a host's memory (target) */
} ladon_graph_node_kind;

/* A requester or a target of the matrices. */
typedef struct ladon_graph_end {
  const char *name;      /* "nic0.vf3", "vm0 vCPUs", "mh CPUs", "mh memory",
                            "nic0.vf3 BARs" */
  ladon_graph_node_kind kind;
  const char *domain;    /* the name of its PCIe domain */
} ladon_graph_end;

/* The path from requester `requester` to target `target`. */
typedef struct ladon_graph_path {
  size_t requester, target;  /* indices (ladon_graph_requester_at/target_at) */
  bool physical;             /* a physical path exists */
  uint32_t links;            /* PCIe links crossed on the shortest path */
  uint32_t switches;         /* switches crossed */
  uint32_t ntbs;             /* NTBs crossed */
  const char *route;         /* "nic0.vf0 > nic0 =nic= sw0.d0 > sw0 ..." or "" */
  bool translated;           /* reached through the programmed tables */
  const char *via;           /* the check's target text ("vm0 memory [...]")
                                of the first record reaching it, or "" */
  uint32_t table_links;      /* link traversals of that record's chain
                                (the translated route, e.g. up to the
                                management host's IOMMU and back down) */
} ladon_graph_path;

/*
** Loads the topology `path`, configures the fabric (ladon_fabric_load()),
** runs the static isolation check (no probes), builds the graph and
** analyses it.  Returns a new graph owned by the caller, or NULL with `err`
** filled (may be NULL): the loader's errors (FILE:LINE:COL with the JSON
** path, LADON_EPARSE, LADON_ENOENT, ...), LADON_EIO, LADON_ENOMEM,
** LADON_EINVAL for a NULL path.  A domain that is not a tree is a finding,
** not an error.  Uses ladon_check_run(), so one graph load at a time per
** process.
*/
LADON_GRAPH_API ladon_graph *ladon_graph_load(const char *path, ladon_error *err);

/* Frees a graph.  NULL is a no-op. */
LADON_GRAPH_API void ladon_graph_free(ladon_graph *graph);

/* The number of vertices and edges of the whole graph. */
LADON_GRAPH_API size_t ladon_graph_vertex_count(const ladon_graph *graph);
LADON_GRAPH_API size_t ladon_graph_edge_count(const ladon_graph *graph);

/* The PCIe domains, in order of their first component (borrowed; NULL out
** of range). */
LADON_GRAPH_API size_t ladon_graph_domain_count(const ladon_graph *graph);
LADON_GRAPH_API const ladon_graph_domain *ladon_graph_domain_at(
    const ladon_graph *graph, size_t i);

/* Findings ("domain 'h0': second host 'h1'", "domain 'mh': loop ..."),
** borrowed; NULL out of range. */
LADON_GRAPH_API size_t ladon_graph_finding_count(const ladon_graph *graph);
LADON_GRAPH_API const char *ladon_graph_finding_at(const ladon_graph *graph, size_t i);

/* True when every domain is a tree (no findings). */
LADON_GRAPH_API bool ladon_graph_ok(const ladon_graph *graph);

/* Requesters and targets of the matrices (borrowed; NULL out of range). */
LADON_GRAPH_API size_t ladon_graph_requester_count(const ladon_graph *graph);
LADON_GRAPH_API const ladon_graph_end *ladon_graph_requester_at(
    const ladon_graph *graph, size_t i);
LADON_GRAPH_API size_t ladon_graph_target_count(const ladon_graph *graph);
LADON_GRAPH_API const ladon_graph_end *ladon_graph_target_at(const ladon_graph *graph,
                                                       size_t i);

/* Index of the requester / target named `name`, or (size_t)-1. */
LADON_GRAPH_API size_t ladon_graph_requester_find(const ladon_graph *graph,
                                            const char *name);
LADON_GRAPH_API size_t ladon_graph_target_find(const ladon_graph *graph,
                                         const char *name);

/*
** The path from requester `r` to target `t` (borrowed), NULL when out of
** range.  Its `physical` and `translated` are the two matrices' cells.
*/
LADON_GRAPH_API const ladon_graph_path *ladon_graph_path_get(const ladon_graph *graph,
                                                       size_t r, size_t t);

/*
** Writes the summary for people: domains and the tree check, findings, the
** path table (physical paths with hop counts), the two matrices.
** LADON_EIO when writing failed.
*/
LADON_GRAPH_API ladon_status ladon_graph_write_text(const ladon_graph *graph,
                                              FILE *out);

/*
** Writes Graphviz DOT: one cluster per domain, NTBs as the edges between
** clusters, links as edges labelled with their names.  LADON_EIO when
** writing failed.
*/
LADON_GRAPH_API ladon_status ladon_graph_write_dot(const ladon_graph *graph,
                                             FILE *out);

/* Writes the whole analysis as JSON (docs/graph.md).  LADON_EIO on failure. */
LADON_GRAPH_API ladon_status ladon_graph_write_json(const ladon_graph *graph,
                                              FILE *out);

LADON_END_DECLS

#endif /* LADON_GRAPH_H */
