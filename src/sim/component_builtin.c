/*
** The library's own component types.  They are registered on the first use
** of any registry function, so a program linking the static library gets
** them without relying on constructors (which the linker drops from
** unreferenced objects).
**
** A model adds one line to LADON_BUILTIN_COMPONENTS, naming the
** `const ladon_component_type` it defines: X(ladon__model_switch_type).
** The registry knows only the symbol, never the model's internals.
*/
#include <stddef.h>

#include "ladon/component.h"

#define LADON_BUILTIN_COMPONENTS(X) \
  X(ladon__link_type) \
  X(ladon__model_switch_type) \
  X(ladon__model_host_type) \
  X(ladon__model_sriov_type) \
  X(ladon__workload_dma_type) \
  X(ladon__workload_nic_type) \
  X(ladon__model_ntb_type)

#define X(sym) extern const ladon_component_type sym;
LADON_BUILTIN_COMPONENTS(X)
#undef X

/* NULL-terminated, so that an empty list is still a valid array. */
const ladon_component_type *const ladon__builtin_components[] = {
#define X(sym) &sym,
    LADON_BUILTIN_COMPONENTS(X)
#undef X
    NULL};
