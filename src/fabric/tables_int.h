/* The topology's "tables" edits (tables.c, docs/topology.md). */
#ifndef LADON_FABRIC_TABLES_INT_H
#define LADON_FABRIC_TABLES_INT_H

#include "fabric/fabric_int.h"

/*
** Applies the edits of the topology's optional "tables" array, after the
** manager programmed the fabric and before the workloads start.  Errors
** are reported at the edit, FILE:LINE:COL (JSON path).
*/
ladon_status ladon__fabric_tables(ladon_fabric *f, ladon_error *err);

#endif
