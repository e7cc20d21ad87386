/*
** Building the fabric graph: the configured fabric (ladon_fabric_load(), so
** bad input is rejected with the loader's positioned errors), the static
** part of its isolation check (the functions that enumeration created and
** what each requester reaches through the programmed tables), and the
** topology's components, links and VMs, read again with jansson once the
** loader has accepted the file.
*/
#include <jansson.h>

#include <cstring>
#include <map>
#include <string>

#include "graph/graph_int.h"
#include "ladon/check.h"
#include "ladon/fabric.h"

namespace ladon_graph_int {

void set_error(ladon_error *err, ladon_status code, const char *file,
               const std::string &text) {
  if (err == nullptr) return;
  ladon_error_clear(err);
  err->code = code;
  if (file != nullptr) std::snprintf(err->file, sizeof err->file, "%s", file);
  std::snprintf(err->text, sizeof err->text, "%s", text.c_str());
}

namespace {

struct builder {
  ladon_graph *gr;
  std::map<std::string, vertex_t> by_name;
  std::map<std::string, std::string> comp_type;  /* component -> type */

  vertex_t vertex(const std::string &name, vkind kind) {
    auto it = by_name.find(name);
    if (it != by_name.end()) return it->second;
    vertex_t v = boost::add_vertex(gr->g);
    gr->g[v].name = name;
    gr->g[v].kind = kind;
    by_name.emplace(name, v);
    return v;
  }
  void edge(vertex_t a, vertex_t b, ekind kind, const std::string &name) {
    auto e = boost::add_edge(a, b, gr->g).first;
    gr->g[e].kind = kind;
    gr->g[e].name = name;
  }
  /* The vertex a link's end "comp.port" attaches to. */
  vertex_t port(const std::string &ref) {
    std::size_t dot = ref.find('.');
    std::string comp = ref.substr(0, dot);
    const std::string &type = comp_type[comp];
    if (type == "host") {
      vertex_t rp = vertex(ref, vkind::root_port);
      if (boost::out_degree(rp, gr->g) == 0)
        edge(by_name.at(comp), rp, ekind::internal, "");
      return rp;
    }
    if (type == "switch") {
      vertex_t p = vertex(ref, vkind::switch_port);
      if (boost::out_degree(p, gr->g) == 0)
        edge(by_name.at(comp), p, ekind::internal, "");
      return p;
    }
    if (type == "ntb") return vertex(ref, vkind::ntb_side);
    return by_name.at(comp);  /* a device: its one upstream port */
  }
};

/* "nic0.vf3 (03:10.6)" and "nic0.vf3 (03:10.6) as 04:00.0" -> "nic0.vf3";
** "vm0 vCPUs" and "mh CPUs" stay as they are. */
std::string requester_name(const char *s) {
  const char *p = std::strstr(s, " (");
  return p ? std::string(s, static_cast<std::size_t>(p - s)) : std::string(s);
}

std::string first_word(const char *s) {
  const char *p = std::strchr(s, ' ');
  return p ? std::string(s, static_cast<std::size_t>(p - s)) : std::string(s);
}

/* The memory target's host: "vm0 memory [...] (ch0 RAM)" -> ch0, "mh
** memory [...]" -> mh. */
std::string memory_host(const char *s) {
  const char *ram = std::strstr(s, " RAM)");
  if (ram != nullptr) {
    const char *open = ram;
    while (open > s && *open != '(') open--;
    if (*open == '(')
      return std::string(open + 1, static_cast<std::size_t>(ram - open - 1));
  }
  return first_word(s);
}

/* Link traversals in a check chain: its steps "link NAME". */
unsigned chain_links(const char *chain) {
  unsigned n = 0;
  for (const char *p = chain; (p = std::strstr(p, "link ")) != nullptr; p += 5)
    if (p == chain || (p >= chain + 3 && std::strncmp(p - 3, "-> ", 3) == 0)) n++;
  return n;
}

const char *str_of(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : nullptr;
}

}  // namespace

bool build(ladon_graph *gr, const char *path, ladon_error *err) {
  ladon_fabric *f = ladon_fabric_load(path, nullptr, err);
  if (f == nullptr) return false;
  ladon_check_options co{};
  co.no_probes = true;
  ladon_check *c = nullptr;
  if (ladon_check_run(f, &co, &c, err) != LADON_OK) {
    ladon_fabric_free(f);
    return false;
  }
  /* Functions in the check's requester order; reaches through the tables. */
  std::vector<std::string> functions;
  for (std::size_t i = 0; i < ladon_check_reach_count(c); i++) {
    const ladon_check_reach *r = ladon_check_reach_at(c, i);
    std::string who = requester_name(r->requester);
    if (who.find('.') != std::string::npos &&
        (functions.empty() || functions.back() != who)) {
      bool seen = false;
      for (const auto &fn : functions) seen = seen || fn == who;
      if (!seen) functions.push_back(who);
    }
    if (r->verdict == LADON_CHECK_STOPPED) continue;
    std::string target;
    if (r->kind == LADON_CHECK_MEMORY)
      target = memory_host(r->target) + " memory";
    else if (r->kind == LADON_CHECK_BAR)
      target = first_word(r->target) + " BARs";
    else
      continue;
    gr->reaches.push_back({who, target, r->target, chain_links(r->chain)});
  }
  ladon_check_free(c);
  /* The fabric's link names (unnamed links get theirs from the loader), in
  ** topology order, so that routes and check chains name links alike. */
  std::vector<std::string> link_names;
  for (std::size_t i = 0; i < ladon_fabric_link_count(f); i++)
    link_names.push_back(ladon_link_name(ladon_fabric_link(f, i)));
  ladon_fabric_free(f);

  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr);
  if (root == nullptr) {
    set_error(err, LADON_EIO, path, std::string("cannot read: ") + jerr.text);
    return false;
  }
  builder b{gr, {}, {}};
  json_t *comps = json_object_get(root, "components");
  const char *key;
  json_t *val;
  std::vector<std::string> hosts;
  json_object_foreach(comps, key, val) {
    const char *type = str_of(val, "type");
    std::string name = key;
    b.comp_type[name] = type ? type : "";
    std::string t = b.comp_type[name];
    if (t == "host") {
      vertex_t h = b.vertex(name, vkind::host);
      b.edge(h, b.vertex(name + " CPUs", vkind::cpus), ekind::internal, "");
      b.edge(h, b.vertex(name + " memory", vkind::memory), ekind::internal, "");
      hosts.push_back(name);
    } else if (t == "switch") {
      b.vertex(name, vkind::switch_core);
    } else if (t == "ntb") {
      /* The two sides are endpoints in two domains; crossing is one NTB
      ** (DESIGN §4). */
      b.edge(b.vertex(name + ".a", vkind::ntb_side),
             b.vertex(name + ".b", vkind::ntb_side), ekind::ntb, name);
    } else {
      b.vertex(name, vkind::device);
    }
  }
  json_t *links = json_object_get(root, "links");
  std::size_t i;
  json_array_foreach(links, i, val) {
    const char *a = str_of(val, "a"), *bb = str_of(val, "b");
    const char *name = str_of(val, "name");
    if (a == nullptr || bb == nullptr) continue;
    std::string ln = i < link_names.size() ? link_names[i]
                     : name ? name : ("links[" + std::to_string(i) + "]");
    b.edge(b.port(a), b.port(bb), ekind::link, ln);
  }
  for (const auto &fn : functions) {
    std::string dev = fn.substr(0, fn.find('.'));
    auto it = b.by_name.find(dev);
    if (it == b.by_name.end()) continue;
    b.edge(it->second, b.vertex(fn, vkind::function), ekind::internal, "");
    gr->req.push_back({fn, "", LADON_GRAPH_FUNCTION, b.by_name.at(fn)});
  }
  json_t *vms = json_object_get(root, "vms");
  json_object_foreach(vms, key, val) {
    const char *host = str_of(val, "host");
    if (host == nullptr || b.by_name.count(std::string(host) + " CPUs") == 0)
      continue;
    vertex_t v = b.vertex(std::string(key) + " vCPUs", vkind::vcpus);
    b.edge(b.by_name.at(std::string(host) + " CPUs"), v, ekind::internal, "");
    gr->req.push_back({std::string(key) + " vCPUs", "", LADON_GRAPH_VCPUS, v});
  }
  for (const auto &h : hosts)
    gr->req.push_back({h + " CPUs", "", LADON_GRAPH_CPUS, b.by_name.at(h + " CPUs")});
  for (const auto &h : hosts)
    gr->tgt.push_back({h + " memory", "", LADON_GRAPH_MEMORY,
                       b.by_name.at(h + " memory")});
  for (const auto &fn : functions)
    if (b.by_name.count(fn))
      gr->tgt.push_back({fn + " BARs", "", LADON_GRAPH_FUNCTION, b.by_name.at(fn)});
  json_decref(root);
  return true;
}

}  // namespace ladon_graph_int
