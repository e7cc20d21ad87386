/* Read-only accessors of what the Ladon manager programmed (ladon_int.h). */
#include "fabric/fabric_int.h"

size_t ladon__lmgr_count(const ladon_fabric *f) { return f ? f->n_assigns : 0; }

const ladon__lmgr_assign *ladon__lmgr_at(const ladon_fabric *f, size_t i) {
  return f && i < f->n_assigns ? &f->assigns[i] : NULL;
}

const ladon__lmgr_assign *ladon__lmgr_find(const ladon_fabric *f, uint32_t vm,
                                           uint32_t fn) {
  for (size_t i = 0; f && i < f->n_assigns; i++)
    if (f->assigns[i].vm == vm && f->assigns[i].fn == fn) return &f->assigns[i];
  return NULL;
}

void *ladon__fabric_instance(const ladon_fabric *f, uint32_t comp) {
  return f && comp < f->topo->n_comps ? f->inst[comp] : NULL;
}
