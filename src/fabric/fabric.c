/*
** Building a fabric from a checked topology: instances through the
** registry, links between their ports, then enumeration and the tables.
*/
#include <stdlib.h>
#include <string.h>

#include "fabric/fabric_int.h"
#include "fabric/ladon_mgr_int.h"
#include "fabric/tables_int.h"
#include "models/model.h"
#include "pcie/link_type_int.h"
#include "sim/error_int.h"

ladon_status ladon__fabric_error_at(const ladon_fabric *f,
                                    ladon__json_node node, const char *what,
                                    ladon_error *err) {
  if (err == NULL) return LADON_EINVAL;
  ladon_status code = err->code != LADON_OK ? err->code : LADON_EINVAL;
  char text[LADON_ERROR_TEXT_MAX];
  memcpy(text, err->text, sizeof text);
  return ladon__json_error(f->topo->doc, node, err, code, "%s: %s", what, text);
}

/*
** A model's or the link layer's own message at its topology object `obj`
** named `name`: without a second "WHAT:" prefix when the message already
** names the object, and at the parameter the message starts with ("'nic':
** width 12 ...") when the object has such a member.
*/
static ladon_status model_error_at(const ladon_fabric *f, ladon__json_node obj,
                                   const char *name, const char *what,
                                   ladon_error *err) {
  char quoted[300];
  snprintf(quoted, sizeof quoted, "'%s'", name);
  const char *named = strstr(err->text, quoted);
  if (named == NULL) return ladon__fabric_error_at(f, obj, what, err);
  ladon__json_node at = obj;
  const char *p = named + strlen(quoted);
  if (p[0] == ':' && p[1] == ' ') {
    char key[64];
    size_t n = 0;
    for (p += 2; n + 1 < sizeof key && (p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z')); n++)
      key[n] = p[n];
    key[n] = '\0';
    ladon__json_node k = n ? ladon__json_find(f->topo->doc, obj, key) : LADON__JSON_NONE;
    if (k != LADON__JSON_NONE) at = k;
  }
  ladon_status code = err->code != LADON_OK ? err->code : LADON_EINVAL;
  char text[LADON_ERROR_TEXT_MAX];
  memcpy(text, err->text, sizeof text);
  return ladon__json_error(f->topo->doc, at, err, code, "%s", text);
}

static ladon_status build_components(ladon_fabric *f, ladon_error *err) {
  const ladon__topo *t = f->topo;
  f->inst = calloc(t->n_comps ? t->n_comps : 1, sizeof *f->inst);
  if (f->inst == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  for (size_t i = 0; i < t->n_comps; i++) {
    const ladon__topo_component *c = &t->comps[i];
    ladon_error_clear(err);
    ladon_status st = c->type->create(f->sim, c->name, c->params, &f->inst[i], err);
    if (st != LADON_OK) {
      if (err) err->code = st;
      f->inst[i] = NULL;
      char what[300];
      snprintf(what, sizeof what, "component '%s'", c->name);
      return model_error_at(f, c->node, c->name, what, err);
    }
  }
  return LADON_OK;
}

static ladon_port *port_of(ladon_fabric *f, const ladon__topo_end *end) {
  const ladon__topo_component *c = &f->topo->comps[end->comp];
  return ladon__model_ops(c->type)->port(f->inst[end->comp], end->port);
}

static ladon_status build_links(ladon_fabric *f, ladon_error *err) {
  const ladon__topo *t = f->topo;
  f->links = calloc(t->n_links ? t->n_links : 1, sizeof *f->links);
  if (f->links == NULL) return ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
  for (size_t i = 0; i < t->n_links; i++) {
    const ladon__topo_link *l = &t->links[i];
    ladon_port *a = port_of(f, &l->a), *b = port_of(f, &l->b);
    const ladon__topo_end *missing = a == NULL ? &l->a : b == NULL ? &l->b : NULL;
    if (missing) {
      const char *key = missing == &l->a ? "a" : "b";
      return ladon__json_error(
          t->doc, ladon__json_find(t->doc, l->node, key), err, LADON_ENOENT,
          "component '%s' is not configured with a port '%s' (see its "
          "parameters)",
          t->comps[missing->comp].name, missing->port);
    }
    ladon_link_config cfg;
    ladon__link_config_from_params(l->params, &cfg);
    ladon_error_clear(err);
    f->links[i] = ladon_link_new(f->sim, l->name, &cfg, a, b, err);
    if (f->links[i] == NULL) return model_error_at(f, l->node, l->name, "link", err);
  }
  return LADON_OK;
}

ladon_fabric *ladon_fabric_load(const char *path,
                                const ladon_fabric_options *opts,
                                ladon_error *err) {
  ladon_error_clear(err);
  ladon__topo *topo = ladon__topo_load(path, err);
  if (topo == NULL) return NULL;
  ladon_fabric *f = calloc(1, sizeof *f);
  if (f == NULL) {
    ladon__topo_free(topo);
    ladon__error_set(err, LADON_ENOMEM, NULL, 0, 0, "out of memory");
    return NULL;
  }
  f->topo = topo;
  f->cfg_latency_ps = LADON__LMGR_CFG_LATENCY_PS;
  f->seed = opts && opts->seed_set ? opts->seed : topo->has_seed ? topo->seed : 1;
  ladon_sim_config cfg = {.seed = f->seed, .expected_events = 0};
  f->sim = ladon_sim_new(&cfg, err);
  if (f->sim == NULL || build_components(f, err) != LADON_OK ||
      build_links(f, err) != LADON_OK ||
      ladon__fabric_enumerate(f, err) != LADON_OK ||
      ladon__fabric_program(f, err) != LADON_OK ||
      ladon__fabric_tables(f, err) != LADON_OK ||
      ladon__fabric_start(f, err) != LADON_OK) {
    ladon_fabric_free(f);
    return NULL;
  }
  return f;
}

void ladon_fabric_free(ladon_fabric *f) {
  if (f == NULL) return;
  const ladon__topo *t = f->topo;
  if (f->links)
    for (size_t i = 0; i < t->n_links; i++) ladon_link_free(f->links[i]);
  if (f->workloads)
    for (size_t i = 0; i < t->n_workloads; i++)
      if (f->workloads[i]) t->workloads[i].type->destroy(f->workloads[i]);
  if (f->inst)
    for (size_t i = 0; i < t->n_comps; i++)
      if (f->inst[i]) t->comps[i].type->destroy(f->inst[i]);
  free(f->links);
  free(f->inst);
  free(f->workloads);
  free(f->link_busy0_ps);
  for (size_t i = 0; i < f->n_domains; i++) free(f->domains[i].fns);
  free(f->domains);
  ladon__lmgr_free_ops(f);
  free(f->assigns);
  ladon_sim_free(f->sim);
  ladon__topo_free(f->topo);
  free(f);
}

ladon_sim *ladon_fabric_sim(ladon_fabric *f) { return f->sim; }
const char *ladon_fabric_name(const ladon_fabric *f) {
  return f->topo->name ? f->topo->name : "";
}
ladon_time_ps ladon_fabric_stop_at(const ladon_fabric *f) {
  return f->topo->stop_at_ps;
}
uint64_t ladon_fabric_seed(const ladon_fabric *f) { return f->seed; }
ladon_time_ps ladon_fabric_start_ps(const ladon_fabric *f) { return f->start_ps; }

uint64_t ladon_fabric_run(ladon_fabric *f, ladon_time_ps until) {
  return ladon_sim_run_until(f->sim, until);
}

size_t ladon_fabric_link_count(const ladon_fabric *f) {
  return f ? f->topo->n_links : 0;
}

ladon_link *ladon_fabric_link(ladon_fabric *f, size_t i) {
  return f && i < f->topo->n_links ? f->links[i] : NULL;
}

ladon_link *ladon_fabric_link_find(ladon_fabric *f, const char *name) {
  size_t i;
  if (f == NULL || name == NULL) return NULL;
  for (i = 0; i < f->topo->n_links; i++)
    if (f->links[i] && !strcmp(ladon_link_name(f->links[i]), name))
      return f->links[i];
  return NULL;
}
