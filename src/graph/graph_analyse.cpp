/*
** Analysing the fabric graph: PCIe domains and the tree check, shortest
** physical paths with hop counts, and the two reachability matrices.
*/
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/graph/filtered_graph.hpp>

#include <limits>
#include <numeric>

#include "graph/graph_int.h"

namespace ladon_graph_int {

namespace {

/* Keeps every edge but an NTB crossing: what a root complex reaches
** without crossing an NTB is its domain (PCIe Base 5.0 §1.3.1, a hierarchy
** below one root complex; an NTB's sides are endpoints of two). */
struct no_ntb {
  const graph_t *g = nullptr;
  bool operator()(graph_t::edge_descriptor e) const {
    return (*g)[e].kind != ekind::ntb;
  }
};

void find_domains(ladon_graph *gr) {
  graph_t &g = gr->g;
  no_ntb pred{&g};
  boost::filtered_graph<graph_t, no_ntb> fg(g, pred);
  std::vector<std::size_t> comp(boost::num_vertices(g));
  std::size_t n = boost::connected_components(fg, comp.data());
  /* Number domains in order of their first vertex, so the order follows
  ** the topology's. */
  std::vector<std::size_t> order(n, std::numeric_limits<std::size_t>::max());
  std::size_t next = 0;
  for (std::size_t v = 0; v < comp.size(); v++)
    if (order[comp[v]] == std::numeric_limits<std::size_t>::max())
      order[comp[v]] = next++;
  gr->domains.assign(n, ladon_graph_domain{});
  gr->domain_names.assign(n, std::string());
  std::vector<std::vector<std::string>> hosts(n);
  for (std::size_t v = 0; v < comp.size(); v++) {
    std::size_t d = order[comp[v]];
    g[v].domain = d;
    gr->domains[d].vertices++;
    if (gr->domain_names[d].empty()) gr->domain_names[d] = g[v].name;
    if (g[v].kind == vkind::host) hosts[d].push_back(g[v].name);
  }
  /* A loop is an edge whose ends a union-find already joined. */
  std::vector<std::size_t> parent(boost::num_vertices(g));
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<std::string> loops;
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    if (g[*e].kind == ekind::ntb) continue;
    std::size_t a = boost::source(*e, g), b = boost::target(*e, g);
    gr->domains[g[a].domain].edges++;
    std::size_t ra = find(a), rb = find(b);
    if (ra == rb) {
      std::string what = g[*e].kind == ekind::link ? "link '" + g[*e].name + "'"
                                                   : "an internal edge";
      gr->findings.push_back("loop: " + what + " joins '" + g[a].name +
                             "' and '" + g[b].name +
                             "', already connected in the domain");
    } else {
      parent[ra] = rb;
    }
  }
  for (std::size_t d = 0; d < n; d++) {
    ladon_graph_domain &dom = gr->domains[d];
    dom.hosts = hosts[d].size();
    if (!hosts[d].empty()) gr->domain_names[d] = hosts[d][0];
    for (std::size_t h = 1; h < hosts[d].size(); h++)
      gr->findings.push_back("domain '" + gr->domain_names[d] +
                             "': a second host '" + hosts[d][h] +
                             "' (one root complex per hierarchy, PCIe Base "
                             "5.0 §1.3.1)");
    dom.is_tree = dom.edges + 1 == dom.vertices && dom.hosts <= 1;
  }
  for (std::size_t d = 0; d < n; d++) gr->domains[d].name = gr->domain_names[d].c_str();
}

void find_paths(ladon_graph *gr) {
  graph_t &g = gr->g;
  std::size_t nv = boost::num_vertices(g);
  for (auto &r : gr->req) r.domain = gr->domain_names[g[r.v].domain];
  for (auto &t : gr->tgt) t.domain = gr->domain_names[g[t.v].domain];
  gr->paths.assign(gr->req.size() * gr->tgt.size(), path_rec{});
  for (std::size_t ri = 0; ri < gr->req.size(); ri++) {
    std::vector<vertex_t> pred(nv);
    std::vector<graph_t::edge_descriptor> pred_e(nv);
    std::vector<bool> seen(nv, false);
    for (std::size_t v = 0; v < nv; v++) pred[v] = v;
    vertex_t src = gr->req[ri].v;
    seen[src] = true;
    /* Records the tree edge to each vertex: the shortest path in links and
    ** component-internal steps alike (every edge weighs one). */
    struct rec : boost::default_bfs_visitor {
      std::vector<vertex_t> *pred;
      std::vector<graph_t::edge_descriptor> *pe;
      std::vector<bool> *seen;
      void tree_edge(graph_t::edge_descriptor e, const graph_t &gg) const {
        vertex_t t = boost::target(e, gg);
        (*pred)[t] = boost::source(e, gg);
        (*pe)[t] = e;
        (*seen)[t] = true;
      }
    } vis;
    vis.pred = &pred;
    vis.pe = &pred_e;
    vis.seen = &seen;
    boost::breadth_first_search(g, src, boost::visitor(vis));
    for (std::size_t ti = 0; ti < gr->tgt.size(); ti++) {
      path_rec &p = gr->paths[ri * gr->tgt.size() + ti];
      p.pub.requester = ri;
      p.pub.target = ti;
      vertex_t dst = gr->tgt[ti].v;
      if (!seen[dst]) continue;
      p.pub.physical = true;
      std::vector<vertex_t> vs{dst};
      std::vector<graph_t::edge_descriptor> es;
      for (vertex_t v = dst; v != src; v = pred[v]) {
        es.push_back(pred_e[v]);
        vs.push_back(pred[v]);
      }
      std::string route = g[vs.back()].name;
      for (std::size_t k = es.size(); k-- > 0;) {
        const eprop &ep = g[es[k]];
        vertex_t v = vs[k];
        if (ep.kind == ekind::link) {
          p.pub.links++;
          route += " -[" + ep.name + "]- ";
        } else if (ep.kind == ekind::ntb) {
          p.pub.ntbs++;
          route += " =NTB " + ep.name + "= ";
        } else {
          route += " > ";
        }
        if (g[v].kind == vkind::switch_core) p.pub.switches++;
        route += g[v].name;
      }
      /* The requester and target themselves are never switches. */
      p.route = route;
    }
  }
  /* After translation: the first record reaching each target. */
  for (const auto &r : gr->reaches) {
    std::size_t ri = ladon_graph_requester_find(gr, r.requester.c_str());
    std::size_t ti = ladon_graph_target_find(gr, r.target.c_str());
    if (ri == static_cast<std::size_t>(-1) || ti == static_cast<std::size_t>(-1))
      continue;
    path_rec &p = gr->paths[ri * gr->tgt.size() + ti];
    if (!p.pub.translated) {
      p.pub.translated = true;
      p.via = r.via;
      p.pub.table_links = r.table_links;
    } else if (r.table_links < p.pub.table_links) {
      p.pub.table_links = r.table_links;
    }
  }
  for (auto &p : gr->paths) {
    p.pub.route = p.route.c_str();
    p.pub.via = p.via.c_str();
  }
}

}  // namespace

void analyse(ladon_graph *gr) {
  find_domains(gr);
  find_paths(gr);
  gr->req_pub.clear();
  gr->tgt_pub.clear();
  for (const auto &r : gr->req)
    gr->req_pub.push_back({r.name.c_str(), r.kind, r.domain.c_str()});
  for (const auto &t : gr->tgt)
    gr->tgt_pub.push_back({t.name.c_str(), t.kind, t.domain.c_str()});
}

}  // namespace ladon_graph_int
