/*
** The contract between a model and the fabric that builds it.
**
** A model is a component type registered by name (include/ladon/component.h)
** whose `ext` points at a `ladon_model_ops`.  The fabric
**   1. creates every instance through the registry (parameters resolved and
**      checked against the type's table before the model sees them);
**   2. asks each instance for its ports by name and joins them with links;
**   3. enumerates each PCIe domain with configuration TLPs (the models
**      answer CfgRd/CfgWr from their configuration space registers);
**   4. programs tables through the models' own headers (models/<kind>.h);
**   5. calls `start` on every instance, in topology order, then runs the
**      simulation;
**   6. destroys the links, then the instances.
**
** TLPs travel as `ladon_tlp *` from the pool (include/ladon/tlp_pool.h);
** the receiver owns what it is delivered, and whoever ends a TLP's life
** frees it.  Models never call each other directly across a link: every
** interaction that hardware does with TLPs, the model does with TLPs.
*/
#ifndef LADON_MODELS_MODEL_H
#define LADON_MODELS_MODEL_H

#include "ladon/component.h"
#include "ladon/error.h"
#include "ladon/link.h"

typedef struct ladon_model_ops {
  /*
  ** The instance's port called `name` (one of the type's port table, e.g.
  ** "up", "d3"), or NULL when the instance has no such port (a port family
  ** larger than the instance was configured for).  Borrowed: the instance
  ** owns its ports.
  */
  ladon_port *(*port)(void *instance, const char *name);

  /*
  ** Starts the instance's own activity (workloads, timers) once the fabric
  ** is configured.  May be NULL.  Errors are configuration errors of the
  ** instance, reported like bad input.
  */
  ladon_status (*start)(void *instance, ladon_error *err);
} ladon_model_ops;

/* The model operations of a registered type, or NULL if it has none. */
static inline const ladon_model_ops *ladon__model_ops(
    const ladon_component_type *type) {
  return type ? (const ladon_model_ops *)type->ext : NULL;
}

#endif /* LADON_MODELS_MODEL_H */
