/*
** A topology file, read and checked: the components with their resolved
** parameters, the links between named ports, the VMs and the workloads.
** Nothing is instantiated here (see build.c); every error is reported as
** FILE:LINE:COL: message (JSON path) through the document's positions.
*/
#ifndef LADON_FABRIC_TOPOLOGY_INT_H
#define LADON_FABRIC_TOPOLOGY_INT_H

#include <stdint.h>

#include "fabric/json_int.h"
#include "ladon/component.h"
#include "ladon/sim.h"

#define LADON__TOPO_FORMAT 1 /* the "ladon" key's value this reader accepts */

typedef struct ladon__topo_component {
  const char *name;                  /* borrowed from the document */
  const ladon_component_type *type;  /* registered type */
  ladon_params *params;              /* resolved, owned */
  ladon__json_node node;
} ladon__topo_component;

typedef struct ladon__topo_end {
  uint32_t comp;     /* index into components */
  const char *port;  /* port name, borrowed */
} ladon__topo_end;

typedef struct ladon__topo_link {
  char *name;             /* "l3" unless named; owned */
  ladon__topo_end a, b;   /* a is the upstream end */
  ladon_params *params;   /* the "link" type's parameters, resolved, owned */
  ladon__json_node node;
} ladon__topo_link;

/* A function of a device: "nic0.pf" or "nic0.vf3". */
typedef struct ladon__topo_function {
  uint32_t comp;
  int32_t vf; /* -1 for the physical function */
  ladon__json_node node;
} ladon__topo_function;

typedef struct ladon__topo_vm {
  const char *name;
  uint32_t host;         /* index of a component of type "host" */
  uint64_t memory_bytes;
  uint64_t vcpus;
  ladon__topo_function *functions;
  size_t n_functions;
  ladon__json_node node;
} ladon__topo_vm;

typedef struct ladon__topo_workload {
  const char *name;
  const ladon_component_type *type;
  ladon_params *params;
  ladon__topo_function on; /* the function that issues the requests */
  int32_t target_vm;       /* index into vms, or -1 (the host's memory) */
  ladon__json_node node;
} ladon__topo_workload;

typedef struct ladon__topo {
  ladon__json_doc *doc; /* owned; names above point into it */
  const char *name;
  uint64_t seed;
  bool has_seed;
  ladon_time_ps stop_at_ps; /* 0 = not given */
  ladon__topo_component *comps;
  size_t n_comps;
  ladon__topo_link *links;
  size_t n_links;
  ladon__topo_vm *vms;
  size_t n_vms;
  ladon__topo_workload *workloads;
  size_t n_workloads;
} ladon__topo;

/*
** Reads and checks the topology file `path`.  Returns a new topology owned
** by the caller, or NULL with `err` filled (file, line, column, message and
** JSON path).  Checks: JSON syntax, unknown keys (with a suggestion), types
** and units of every parameter against the registered tables, dangling
** references, two links on one port, loops within one PCIe domain, VMs
** assigned functions that do not exist or belong to another VM.
*/
ladon__topo *ladon__topo_load(const char *path, ladon_error *err);

/* Same, from text in memory; `name` is used in messages. */
ladon__topo *ladon__topo_load_buffer(const char *name, const char *text,
                                     size_t len, ladon_error *err);

void ladon__topo_free(ladon__topo *topo);

/* Index of the component called `name`, or -1. */
int32_t ladon__topo_find(const ladon__topo *topo, const char *name);

#endif
