/* The public handle of the fabric graph (include/ladon/graph.h). */
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "graph/graph_int.h"

extern "C" {

ladon_graph *ladon_graph_load(const char *path, ladon_error *err) {
  if (err != nullptr) ladon_error_clear(err);
  if (path == nullptr) {
    ladon_graph_int::set_error(err, LADON_EINVAL, nullptr, "no topology given");
    return nullptr;
  }
  ladon_graph *gr = new (std::nothrow) ladon_graph();
  if (gr == nullptr) {
    ladon_graph_int::set_error(err, LADON_ENOMEM, path, "out of memory");
    return nullptr;
  }
  try {
    gr->topology = path;
    if (!ladon_graph_int::build(gr, path, err)) {
      delete gr;
      return nullptr;
    }
    ladon_graph_int::analyse(gr);
  } catch (const std::bad_alloc &) {
    delete gr;
    ladon_graph_int::set_error(err, LADON_ENOMEM, path, "out of memory");
    return nullptr;
  } catch (const std::exception &e) {
    /* A topology the loader accepted but the graph cannot place (a link
    ** end naming no component): reported, never thrown across the C API. */
    delete gr;
    ladon_graph_int::set_error(err, LADON_EINVAL, path,
                               std::string("cannot build the graph: ") + e.what());
    return nullptr;
  }
  return gr;
}

void ladon_graph_free(ladon_graph *graph) { delete graph; }

size_t ladon_graph_vertex_count(const ladon_graph *graph) {
  return graph ? boost::num_vertices(graph->g) : 0;
}

size_t ladon_graph_edge_count(const ladon_graph *graph) {
  return graph ? boost::num_edges(graph->g) : 0;
}

size_t ladon_graph_domain_count(const ladon_graph *graph) {
  return graph ? graph->domains.size() : 0;
}

const ladon_graph_domain *ladon_graph_domain_at(const ladon_graph *graph,
                                                size_t i) {
  return graph && i < graph->domains.size() ? &graph->domains[i] : nullptr;
}

size_t ladon_graph_finding_count(const ladon_graph *graph) {
  return graph ? graph->findings.size() : 0;
}

const char *ladon_graph_finding_at(const ladon_graph *graph, size_t i) {
  return graph && i < graph->findings.size() ? graph->findings[i].c_str()
                                             : nullptr;
}

bool ladon_graph_ok(const ladon_graph *graph) {
  if (graph == nullptr || !graph->findings.empty()) return false;
  for (const auto &d : graph->domains)
    if (!d.is_tree) return false;
  return true;
}

size_t ladon_graph_requester_count(const ladon_graph *graph) {
  return graph ? graph->req_pub.size() : 0;
}

const ladon_graph_end *ladon_graph_requester_at(const ladon_graph *graph,
                                                size_t i) {
  return graph && i < graph->req_pub.size() ? &graph->req_pub[i] : nullptr;
}

size_t ladon_graph_target_count(const ladon_graph *graph) {
  return graph ? graph->tgt_pub.size() : 0;
}

const ladon_graph_end *ladon_graph_target_at(const ladon_graph *graph,
                                             size_t i) {
  return graph && i < graph->tgt_pub.size() ? &graph->tgt_pub[i] : nullptr;
}

size_t ladon_graph_requester_find(const ladon_graph *graph, const char *name) {
  if (graph != nullptr && name != nullptr)
    for (size_t i = 0; i < graph->req.size(); i++)
      if (graph->req[i].name == name) return i;
  return static_cast<size_t>(-1);
}

size_t ladon_graph_target_find(const ladon_graph *graph, const char *name) {
  if (graph != nullptr && name != nullptr)
    for (size_t i = 0; i < graph->tgt.size(); i++)
      if (graph->tgt[i].name == name) return i;
  return static_cast<size_t>(-1);
}

const ladon_graph_path *ladon_graph_path_get(const ladon_graph *graph, size_t r,
                                             size_t t) {
  if (graph == nullptr || r >= graph->req.size() || t >= graph->tgt.size())
    return nullptr;
  return &graph->paths[r * graph->tgt.size() + t].pub;
}

}  // extern "C"
