/*
** A topology with another file's workloads, or with none: what replay
** (only the trace's traffic) and compare (A's traffic on B) load.
**
** Both files are checked where they are, so every message points into the
** file it concerns: the topology is first loaded as it is, and each
** borrowed workload's function and VM are looked up in it at the
** workload's position.  Only then is the combined document written to a
** temporary file and loaded.
*/
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/sriov.h"
#include "sim/error_int.h"
#include "trace/replay_int.h"

/* Checks that every workload of `from` can run on `to`. */
static ladon_status check_workloads(const ladon__topo *from, const ladon_fabric *to,
                                    ladon_error *err) {
  const ladon__topo *t = to->topo;
  for (size_t i = 0; i < from->n_workloads; i++) {
    const ladon__topo_workload *w = &from->workloads[i];
    const char *dev = from->comps[w->on.comp].name;
    char fn[16];
    if (w->on.vf < 0)
      snprintf(fn, sizeof fn, "pf");
    else
      snprintf(fn, sizeof fn, "vf%d", (int)w->on.vf);
    int32_t c = ladon__topo_find(t, dev);
    if (c < 0 || strcmp(t->comps[c].type->name, from->comps[w->on.comp].type->name) ||
        ladon__sriov_fn_of((ladon__sriov *)to->inst[c], w->on.vf) == NULL)
      return ladon__json_error(from->doc, w->on.node, err, LADON_ENOENT,
                               "workload '%s' runs on '%s.%s', which the other topology does "
                               "not have",
                               w->name, dev, fn);
    if (w->target_vm >= 0) {
      const char *vm = from->vms[w->target_vm].name;
      bool found = false;
      for (size_t k = 0; k < t->n_vms && !found; k++) found = !strcmp(t->vms[k].name, vm);
      if (!found)
        return ladon__json_error(from->doc, w->node, err, LADON_ENOENT,
                                 "workload '%s' targets VM '%s', which the other topology "
                                 "does not have",
                                 w->name, vm);
    }
  }
  return LADON_OK;
}

/* Writes `path`'s JSON with "workloads" replaced by `from`'s to a temporary
** file; its name goes to `tmp`.  LADON_EIO / LADON_ENOMEM. */
static ladon_status write_combined(const char *path, const char *from, char *tmp, size_t size,
                                   ladon_error *err) {
  json_error_t je;
  json_t *b = json_load_file(path, JSON_DECODE_ANY, &je);
  json_t *a = from ? json_load_file(from, JSON_DECODE_ANY, &je) : NULL;
  ladon_status st = LADON_OK;
  if (!b || (from && !a) || !json_is_object(b) || (a && !json_is_object(a))) {
    st = ladon__error_set(err, LADON_EIO, NULL, 0, 0, "cannot re-read %s",
                          b ? from : path);
  } else {
    json_t *w = a ? json_object_get(a, "workloads") : NULL;
    if (w)
      json_object_set(b, "workloads", w);
    else
      json_object_del(b, "workloads");
    const char *dir = getenv("TMPDIR");
    snprintf(tmp, size, "%s/ladon-topology-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(tmp);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (out == NULL) {
      if (fd >= 0) close(fd);
      if (fd >= 0) remove(tmp);
      tmp[0] = '\0';
      st = ladon__error_set(err, LADON_EIO, NULL, 0, 0, "cannot create a temporary file");
    } else {
      int bad = json_dumpf(b, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
      if (fclose(out) != 0 || bad) {
        remove(tmp);
        tmp[0] = '\0';
        st = ladon__error_set(err, LADON_EIO, NULL, 0, 0, "cannot write a temporary file");
      }
    }
  }
  json_decref(a);
  json_decref(b);
  return st;
}

ladon_fabric *ladon_fabric_load_with_workloads(const char *path, const char *workloads_from,
                                               const ladon_fabric_options *opts,
                                               ladon_error *err) {
  ladon_error_clear(err);
  if (path == NULL) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "NULL topology path");
    return NULL;
  }
  ladon_fabric *alone = ladon_fabric_load(path, opts, err);
  if (alone == NULL) return NULL;
  ladon__topo *from = NULL;
  if (workloads_from) {
    from = ladon__topo_load(workloads_from, err);
    if (from == NULL || check_workloads(from, alone, err) != LADON_OK) {
      ladon__topo_free(from);
      ladon_fabric_free(alone);
      return NULL;
    }
  }
  bool unchanged = from == NULL ? alone->topo->n_workloads == 0 : false;
  ladon__topo_free(from);
  if (unchanged) return alone;
  ladon_fabric_free(alone);
  char tmp[4096];
  if (write_combined(path, workloads_from, tmp, sizeof tmp, err) != LADON_OK) return NULL;
  ladon_fabric *f = ladon_fabric_load(tmp, opts, err);
  remove(tmp);
  if (f == NULL && err) {
    /* Both parts were checked where they came from; what is left is a
       combination neither file shows alone (e.g. memory for the borrowed
       workloads' buffers). */
    char text[LADON_ERROR_TEXT_MAX];
    snprintf(text, sizeof text, "%s", err->text);
    ladon__error_set(err, err->code, path, 0, 0, "with the workloads of %s: %s",
                     workloads_from ? workloads_from : "(none)", text);
  }
  return f;
}
