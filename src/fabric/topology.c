/*
** Reading a topology file into a checked description (topology_int.h).
** Every message is reported at the JSON value it is about.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/topology_int.h"
#include "models/model.h"
#include "sim/component_int.h"
#include "sim/error_int.h"

static const char *const top_keys[] = {"ladon",      "name",  "description",
                                       "seed",       "stop_at", "defaults",
                                       "components", "links", "vms",
                                       "workloads",  "tables"};
static const char *const vm_keys[] = {"host", "memory", "vcpus", "functions"};
static const char *const skip_type[] = {"type"};
static const char *const skip_link[] = {"name", "a", "b"};
static const char *const skip_workload[] = {"type", "on", "target"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* [A-Za-z][A-Za-z0-9_-]*: names never contain the '.' of "comp.port". */
static bool valid_name(const char *s) {
  if (!isalpha((unsigned char)*s)) return false;
  for (s++; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-') return false;
  return true;
}

int32_t ladon__topo_find(const ladon__topo *t, const char *name) {
  for (size_t i = 0; i < t->n_comps; i++)
    if (!strcmp(t->comps[i].name, name)) return (int32_t)i;
  return -1;
}

static const char *comp_name_at(const void *ctx, size_t i) {
  return ((const ladon__topo *)ctx)->comps[i].name;
}

/* The closest component name for a did-you-mean, or NULL. */
static const char *suggest_comp(const ladon__topo *t, const char *name) {
  return ladon__suggest(name, comp_name_at, t, t->n_comps);
}

static ladon_status no_such_component(const ladon__topo *t,
                                      ladon__json_node node, const char *name,
                                      ladon_error *err) {
  const char *s = suggest_comp(t, name);
  if (s)
    return ladon__json_error(t->doc, node, err, LADON_ENOENT,
                             "no component '%s' (did you mean '%s'?)", name, s);
  return ladon__json_error(t->doc, node, err, LADON_ENOENT,
                           "no component '%s'", name);
}

/* Applies defaults.<type> then the instance's own members. */
static ladon_status make_params(ladon__topo *t, ladon__json_node defaults,
                                const ladon_component_type *type,
                                ladon__json_node obj, const char *const *skip,
                                size_t n_skip, ladon_params **out,
                                ladon_error *err) {
  ladon_params *p = ladon_params_new(type->params, type->n_params, type->name,
                                     err);
  if (p == NULL) return err ? err->code : LADON_ENOMEM;
  ladon_status st = LADON_OK;
  ladon__json_node d = defaults == LADON__JSON_NONE
                           ? LADON__JSON_NONE
                           : ladon__json_find(t->doc, defaults, type->name);
  if (d != LADON__JSON_NONE)
    st = ladon__json_params_apply(t->doc, d, p, NULL, 0, err);
  if (st == LADON_OK)
    st = ladon__json_params_apply(t->doc, obj, p, skip, n_skip, err);
  if (st == LADON_OK) st = ladon__json_params_resolve(t->doc, obj, p, err);
  if (st != LADON_OK) {
    ladon_params_free(p);
    return st;
  }
  *out = p;
  return LADON_OK;
}

static ladon_status read_defaults(ladon__topo *t, ladon__json_node root,
                                  ladon__json_node *out, ladon_error *err) {
  ladon_status st = ladon__json_member(t->doc, root, "defaults",
                                       LADON__JSON_OBJECT, false, out, err);
  if (st != LADON_OK || *out == LADON__JSON_NONE) return st;
  for (size_t i = 0; i < ladon__json_size(t->doc, *out); i++) {
    ladon__json_node d = ladon__json_child(t->doc, *out, i);
    const char *type = ladon__json_key(t->doc, d);
    if (ladon_component_find(type) == NULL) {
      const char *s = ladon_component_suggest(type);
      return ladon__json_key_error(
          t->doc, d, err, LADON_ENOENT, "no component type '%s'%s%s%s", type,
          s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    }
    if ((st = ladon__json_expect(t->doc, d, LADON__JSON_OBJECT, err))) return st;
  }
  return LADON_OK;
}

static ladon_status read_components(ladon__topo *t, ladon__json_node root,
                                    ladon__json_node defaults,
                                    ladon_error *err) {
  ladon__json_node comps;
  ladon_status st = ladon__json_member(t->doc, root, "components",
                                       LADON__JSON_OBJECT, true, &comps, err);
  if (st) return st;
  size_t n = ladon__json_size(t->doc, comps);
  t->comps = calloc(n ? n : 1, sizeof *t->comps);
  if (t->comps == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  for (size_t i = 0; i < n; i++) {
    ladon__json_node c = ladon__json_child(t->doc, comps, i);
    const char *name = ladon__json_key(t->doc, c);
    if (!valid_name(name))
      return ladon__json_key_error(
          t->doc, c, err, LADON_EPARSE,
          "component name '%s' must start with a letter and hold only "
          "letters, digits, '_' and '-'",
          name);
    const char *type_name = NULL;
    if ((st = ladon__json_get_string(t->doc, c, "type", true, &type_name, err)))
      return st;
    ladon__json_node tn = ladon__json_find(t->doc, c, "type");
    const ladon_component_type *type = ladon_component_find(type_name);
    if (type == NULL) {
      const char *s = ladon_component_suggest(type_name);
      return ladon__json_error(t->doc, tn, err, LADON_ENOENT,
                               "no component type '%s'%s%s%s", type_name,
                               s ? " (did you mean '" : "", s ? s : "",
                               s ? "'?)" : "");
    }
    const ladon_model_ops *ops = ladon__model_ops(type);
    if (ops == NULL || ops->port == NULL)
      return ladon__json_error(t->doc, tn, err, LADON_EINVAL,
                               "type '%s' is not a device with ports (see "
                               "'ladon list %s')",
                               type_name, type_name);
    ladon__topo_component *tc = &t->comps[t->n_comps];
    tc->name = name;
    tc->type = type;
    tc->node = c;
    if ((st = make_params(t, defaults, type, c, skip_type, N(skip_type),
                          &tc->params, err)))
      return st;
    t->n_comps++;
  }
  return LADON_OK;
}

/* Parses "comp.port" at `node` into `end`. */
static ladon_status read_end(ladon__topo *t, ladon__json_node node,
                             ladon__topo_end *end, ladon_error *err) {
  ladon_status st = ladon__json_expect(t->doc, node, LADON__JSON_STRING, err);
  if (st) return st;
  const char *text = json_string_value(ladon__json_value(t->doc, node));
  const char *dot = strchr(text, '.');
  if (dot == NULL || dot == text || dot[1] == '\0')
    return ladon__json_error(t->doc, node, err, LADON_EPARSE,
                             "expected \"COMPONENT.PORT\" such as \"sw0.d3\", "
                             "got \"%s\"",
                             text);
  char comp[256];
  size_t len = (size_t)(dot - text);
  if (len >= sizeof comp) len = sizeof comp - 1;
  memcpy(comp, text, len);
  comp[len] = '\0';
  int32_t ci = ladon__topo_find(t, comp);
  if (ci < 0) return no_such_component(t, node, comp, err);
  const ladon_component_type *type = t->comps[ci].type;
  if (ladon_component_port_find(type, dot + 1, NULL, NULL) != LADON_OK) {
    char ports[512] = "";
    for (size_t i = 0; i < type->n_ports; i++) {
      size_t used = strlen(ports);
      snprintf(ports + used, sizeof ports - used, "%s%s", i ? ", " : "",
               type->ports[i].name);
    }
    return ladon__json_error(t->doc, node, err, LADON_ENOENT,
                             "component '%s' (type %s) has no port '%s' "
                             "(ports: %s)",
                             comp, type->name, dot + 1, ports);
  }
  end->comp = (uint32_t)ci;
  end->port = dot + 1;
  return LADON_OK;
}

/* Union-find over components: a link inside one tree closes a loop. */
static uint32_t root_of(uint32_t *parent, uint32_t x) {
  while (parent[x] != x) x = parent[x] = parent[parent[x]];
  return x;
}

/* The union-find node of a link end.  An NTB is a PCIe-domain boundary: each
** side is an endpoint of its own domain, so side "b" is a node of its own
** (n + comp) and two domains joined by NTBs never form a loop. */
static uint32_t end_node(const ladon__topo *t, const ladon__topo_end *e) {
  if (!strcmp(t->comps[e->comp].type->name, "ntb") && !strcmp(e->port, "b"))
    return (uint32_t)t->n_comps + e->comp;
  return e->comp;
}

static ladon_status read_links(ladon__topo *t, ladon__json_node root,
                               ladon__json_node defaults, ladon_error *err) {
  ladon__json_node links;
  ladon_status st = ladon__json_member(t->doc, root, "links", LADON__JSON_ARRAY,
                                       true, &links, err);
  if (st) return st;
  const ladon_component_type *link_type = ladon_component_find("link");
  if (link_type == NULL)
    return ladon__error_set(err, LADON_ESTATE, NULL, 0, 0,
                            "component type 'link' is not registered");
  size_t n = ladon__json_size(t->doc, links);
  t->links = calloc(n ? n : 1, sizeof *t->links);
  uint32_t *parent = malloc((t->n_comps ? 2 * t->n_comps : 1) * sizeof *parent);
  if (t->links == NULL || parent == NULL) {
    free(parent);
    return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  }
  for (uint32_t i = 0; i < 2 * t->n_comps; i++) parent[i] = i;
  for (size_t i = 0; i < n && st == LADON_OK; i++) {
    ladon__json_node l = ladon__json_child(t->doc, links, i);
    ladon__topo_link *tl = &t->links[t->n_links];
    tl->node = l;
    const char *name = NULL;
    ladon__json_node a, b;
    if ((st = ladon__json_expect(t->doc, l, LADON__JSON_OBJECT, err)) ||
        (st = ladon__json_get_string(t->doc, l, "name", false, &name, err)) ||
        (st = ladon__json_member(t->doc, l, "a", LADON__JSON_STRING, true, &a, err)) ||
        (st = ladon__json_member(t->doc, l, "b", LADON__JSON_STRING, true, &b, err)) ||
        (st = read_end(t, a, &tl->a, err)) || (st = read_end(t, b, &tl->b, err)))
      break;
    if (name && !valid_name(name)) {
      st = ladon__json_error(t->doc, ladon__json_find(t->doc, l, "name"), err,
                             LADON_EPARSE, "link name '%s' must start with a "
                             "letter and hold only letters, digits, '_' and '-'",
                             name);
      break;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "l%zu", i);
    tl->name = strdup(name ? name : buf);
    if (tl->name == NULL) {
      st = ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
      break;
    }
    t->n_links++;
    /* Two links on one port. */
    const ladon__topo_end *ends[2] = {&tl->a, &tl->b};
    ladon__json_node nodes[2] = {a, b};
    for (size_t j = 0; j + 1 < t->n_links && st == LADON_OK; j++)
      for (int e = 0; e < 2 && st == LADON_OK; e++) {
        const ladon__topo_link *o = &t->links[j];
        if ((o->a.comp == ends[e]->comp && !strcmp(o->a.port, ends[e]->port)) ||
            (o->b.comp == ends[e]->comp && !strcmp(o->b.port, ends[e]->port)))
          st = ladon__json_error(
              t->doc, nodes[e], err, LADON_EEXIST,
              "port '%s.%s' is already joined by link '%s' (line %d)",
              t->comps[ends[e]->comp].name, ends[e]->port, o->name,
              ladon__json_line(t->doc, o->node));
      }
    if (st) break;
    if (tl->a.comp == tl->b.comp) {
      st = ladon__json_error(t->doc, l, err, LADON_EINVAL,
                             "link '%s' joins component '%s' to itself",
                             tl->name, t->comps[tl->a.comp].name);
      break;
    }
    uint32_t ra = root_of(parent, end_node(t, &tl->a)),
             rb = root_of(parent, end_node(t, &tl->b));
    if (ra == rb) {
      st = ladon__json_error(
          t->doc, l, err, LADON_EINVAL,
          "link '%s' closes a loop: '%s' and '%s' are already connected, and "
          "a PCIe domain must be a tree",
          tl->name, t->comps[tl->a.comp].name, t->comps[tl->b.comp].name);
      break;
    }
    parent[ra] = rb;
    st = make_params(t, defaults, link_type, l, skip_link, N(skip_link),
                     &tl->params, err);
  }
  free(parent);
  return st;
}

/* Parses "nic0.vf3" / "nic0.pf" at `node`. */
static ladon_status read_function(ladon__topo *t, ladon__json_node node,
                                  ladon__topo_function *fn, ladon_error *err) {
  ladon_status st = ladon__json_expect(t->doc, node, LADON__JSON_STRING, err);
  if (st) return st;
  const char *text = json_string_value(ladon__json_value(t->doc, node));
  const char *dot = strchr(text, '.');
  char comp[256];
  size_t len = dot ? (size_t)(dot - text) : strlen(text);
  if (len >= sizeof comp) len = sizeof comp - 1;
  memcpy(comp, text, len);
  comp[len] = '\0';
  int32_t ci = ladon__topo_find(t, comp);
  if (ci < 0) return no_such_component(t, node, comp, err);
  const ladon__topo_component *c = &t->comps[ci];
  fn->comp = (uint32_t)ci;
  fn->node = node;
  int has_vfs = ladon_params_is_set(c->params, "num_vfs") >= 0;
  if (dot == NULL || !strcmp(dot + 1, "pf")) {
    fn->vf = -1;
    return LADON_OK;
  }
  char *end = NULL;
  unsigned long vf = 0;
  if (!strncmp(dot + 1, "vf", 2) && isdigit((unsigned char)dot[3]))
    vf = strtoul(dot + 3, &end, 10);
  if (end == NULL || *end != '\0')
    return ladon__json_error(t->doc, node, err, LADON_EPARSE,
                             "expected a function such as \"%s.vf0\" or "
                             "\"%s.pf\", got \"%s\"",
                             comp, comp, text);
  if (!has_vfs)
    return ladon__json_error(t->doc, node, err, LADON_EINVAL,
                             "'%s' (type %s) has no virtual functions", comp,
                             c->type->name);
  uint64_t num_vfs = ladon_params_u64(c->params, "num_vfs");
  if (vf >= num_vfs)
    return ladon__json_error(t->doc, node, err, LADON_ERANGE,
                             "'%s' enables %llu virtual functions (vf0..vf%llu)"
                             ", so vf%lu does not exist",
                             comp, (unsigned long long)num_vfs,
                             (unsigned long long)(num_vfs ? num_vfs - 1 : 0),
                             vf);
  fn->vf = (int32_t)vf;
  return LADON_OK;
}

static bool same_function(const ladon__topo_function *a,
                          const ladon__topo_function *b) {
  return a->comp == b->comp && a->vf == b->vf;
}

static ladon_status read_vms(ladon__topo *t, ladon__json_node root,
                             ladon_error *err) {
  ladon__json_node vms;
  ladon_status st = ladon__json_member(t->doc, root, "vms", LADON__JSON_OBJECT,
                                       false, &vms, err);
  if (st || vms == LADON__JSON_NONE) return st;
  size_t n = ladon__json_size(t->doc, vms);
  t->vms = calloc(n ? n : 1, sizeof *t->vms);
  if (t->vms == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  for (size_t i = 0; i < n; i++) {
    ladon__json_node v = ladon__json_child(t->doc, vms, i);
    ladon__topo_vm *vm = &t->vms[t->n_vms];
    vm->name = ladon__json_key(t->doc, v);
    vm->node = v;
    vm->vcpus = 1;
    const char *host = NULL;
    ladon__json_node fns;
    if ((st = ladon__json_expect(t->doc, v, LADON__JSON_OBJECT, err)) ||
        (st = ladon__json_check_keys(t->doc, v, vm_keys, N(vm_keys), err)) ||
        (st = ladon__json_get_string(t->doc, v, "host", true, &host, err)) ||
        (st = ladon__json_get_size_bytes(t->doc, v, "memory", true,
                                         &vm->memory_bytes, err)) ||
        (st = ladon__json_get_u64(t->doc, v, "vcpus", false, &vm->vcpus, err)) ||
        (st = ladon__json_member(t->doc, v, "functions", LADON__JSON_ARRAY,
                                 false, &fns, err)))
      return st;
    if (!valid_name(vm->name))
      return ladon__json_key_error(t->doc, v, err, LADON_EPARSE,
                                   "VM name '%s' must start with a letter and "
                                   "hold only letters, digits, '_' and '-'",
                                   vm->name);
    if (ladon__topo_find(t, vm->name) >= 0)
      return ladon__json_key_error(t->doc, v, err, LADON_EEXIST,
                                   "VM '%s' has the name of a component",
                                   vm->name);
    ladon__json_node hn = ladon__json_find(t->doc, v, "host");
    int32_t hi = ladon__topo_find(t, host);
    if (hi < 0) return no_such_component(t, hn, host, err);
    if (strcmp(t->comps[hi].type->name, "host") != 0)
      return ladon__json_error(t->doc, hn, err, LADON_EINVAL,
                               "'%s' is a %s, not a host", host,
                               t->comps[hi].type->name);
    if (vm->memory_bytes == 0)
      return ladon__json_error(t->doc, ladon__json_find(t->doc, v, "memory"),
                               err, LADON_ERANGE, "a VM needs some memory");
    vm->host = (uint32_t)hi;
    size_t nf = fns == LADON__JSON_NONE ? 0 : ladon__json_size(t->doc, fns);
    vm->functions = calloc(nf ? nf : 1, sizeof *vm->functions);
    if (vm->functions == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    t->n_vms++;
    for (size_t k = 0; k < nf; k++) {
      ladon__topo_function *fn = &vm->functions[vm->n_functions];
      if ((st = read_function(t, ladon__json_child(t->doc, fns, k), fn, err)))
        return st;
      vm->n_functions++;
      for (size_t o = 0; o < t->n_vms; o++)
        for (size_t g = 0; g < t->vms[o].n_functions; g++) {
          const ladon__topo_function *other = &t->vms[o].functions[g];
          if (other != fn && same_function(other, fn))
            return ladon__json_error(
                t->doc, fn->node, err, LADON_EEXIST,
                "%s is already assigned to VM '%s' (line %d)",
                json_string_value(ladon__json_value(t->doc, fn->node)),
                t->vms[o].name, ladon__json_line(t->doc, other->node));
        }
    }
  }
  return LADON_OK;
}

static ladon_status read_workloads(ladon__topo *t, ladon__json_node root,
                                   ladon__json_node defaults,
                                   ladon_error *err) {
  ladon__json_node wls;
  ladon_status st = ladon__json_member(t->doc, root, "workloads",
                                       LADON__JSON_OBJECT, false, &wls, err);
  if (st || wls == LADON__JSON_NONE) return st;
  size_t n = ladon__json_size(t->doc, wls);
  t->workloads = calloc(n ? n : 1, sizeof *t->workloads);
  if (t->workloads == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  for (size_t i = 0; i < n; i++) {
    ladon__json_node w = ladon__json_child(t->doc, wls, i);
    ladon__topo_workload *wl = &t->workloads[t->n_workloads];
    wl->name = ladon__json_key(t->doc, w);
    wl->node = w;
    wl->target_vm = -1;
    const char *type_name = NULL, *target = NULL;
    ladon__json_node on;
    if ((st = ladon__json_expect(t->doc, w, LADON__JSON_OBJECT, err)) ||
        (st = ladon__json_get_string(t->doc, w, "type", true, &type_name, err)) ||
        (st = ladon__json_member(t->doc, w, "on", LADON__JSON_STRING, true, &on, err)) ||
        (st = ladon__json_get_string(t->doc, w, "target", false, &target, err)))
      return st;
    if (!valid_name(wl->name))
      return ladon__json_key_error(t->doc, w, err, LADON_EPARSE,
                                   "workload name '%s' must start with a letter "
                                   "and hold only letters, digits, '_' and '-'",
                                   wl->name);
    ladon__json_node tn = ladon__json_find(t->doc, w, "type");
    wl->type = ladon_component_find(type_name);
    const ladon_model_ops *ops = ladon__model_ops(wl->type);
    if (wl->type == NULL || (ops && ops->port)) {
      const char *s = wl->type ? NULL : ladon_component_suggest(type_name);
      return ladon__json_error(t->doc, tn, err, LADON_ENOENT,
                               "no workload type '%s'%s%s%s", type_name,
                               s ? " (did you mean '" : "", s ? s : "",
                               s ? "'?)" : "");
    }
    if ((st = read_function(t, on, &wl->on, err))) return st;
    if (target) {
      ladon__json_node tg = ladon__json_find(t->doc, w, "target");
      for (size_t v = 0; v < t->n_vms; v++)
        if (!strcmp(t->vms[v].name, target)) wl->target_vm = (int32_t)v;
      if (wl->target_vm < 0)
        return ladon__json_error(t->doc, tg, err, LADON_ENOENT, "no VM '%s'",
                                 target);
    }
    t->n_workloads++;
    if ((st = make_params(t, defaults, wl->type, w, skip_workload,
                          N(skip_workload), &wl->params, err)))
      return st;
  }
  return LADON_OK;
}

static ladon__topo *load(ladon__json_doc *doc, ladon_error *err) {
  if (doc == NULL) return NULL;
  ladon__topo *t = calloc(1, sizeof *t);
  if (t == NULL) {
    ladon__json_free(doc);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
  }
  t->doc = doc;
  ladon__json_node root = 0, defaults = LADON__JSON_NONE;
  uint64_t format = 0;
  ladon_status st;
  if ((st = ladon__json_expect(doc, root, LADON__JSON_OBJECT, err)) ||
      (st = ladon__json_check_keys(doc, root, top_keys, N(top_keys), err)) ||
      (st = ladon__json_get_u64(doc, root, "ladon", true, &format, err)))
    goto fail;
  if (format != LADON__TOPO_FORMAT) {
    st = ladon__json_error(doc, ladon__json_find(doc, root, "ladon"), err,
                           LADON_ENOTSUP,
                           "topology format %llu is not supported (this "
                           "version reads format %d)",
                           (unsigned long long)format, LADON__TOPO_FORMAT);
    goto fail;
  }
  t->has_seed = ladon__json_find(doc, root, "seed") != LADON__JSON_NONE;
  if ((st = ladon__json_get_string(doc, root, "name", false, &t->name, err)) ||
      (st = ladon__json_get_u64(doc, root, "seed", false, &t->seed, err)) ||
      (st = ladon__json_get_time_ps(doc, root, "stop_at", false,
                                    &t->stop_at_ps, err)) ||
      (st = read_defaults(t, root, &defaults, err)) ||
      (st = read_components(t, root, defaults, err)) ||
      (st = read_links(t, root, defaults, err)) ||
      (st = read_vms(t, root, err)) ||
      (st = read_workloads(t, root, defaults, err)))
    goto fail;
  return t;
fail:
  ladon__topo_free(t);
  return NULL;
}

ladon__topo *ladon__topo_load(const char *path, ladon_error *err) {
  return load(ladon__json_load_file(path, err), err);
}

ladon__topo *ladon__topo_load_buffer(const char *name, const char *text,
                                     size_t len, ladon_error *err) {
  return load(ladon__json_load_buffer(name, text, len, err), err);
}

void ladon__topo_free(ladon__topo *t) {
  if (t == NULL) return;
  for (size_t i = 0; i < t->n_comps; i++) ladon_params_free(t->comps[i].params);
  for (size_t i = 0; i < t->n_links; i++) {
    ladon_params_free(t->links[i].params);
    free(t->links[i].name);
  }
  for (size_t i = 0; i < t->n_vms; i++) free(t->vms[i].functions);
  for (size_t i = 0; i < t->n_workloads; i++)
    ladon_params_free(t->workloads[i].params);
  free(t->comps);
  free(t->links);
  free(t->vms);
  free(t->workloads);
  ladon__json_free(t->doc);
  free(t);
}
