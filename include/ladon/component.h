/*
** Component types: the registry that the topology loader and `ladon list`
** both read, so that documentation and behaviour cannot drift.
**
** A component type (root complex, switch, NTB, IOMMU, SR-IOV endpoint, link,
** workload, ...) is a static table: a name, a description, the parameters
** it accepts (name, type, default, unit, description, choices, bounds), the
** ports it has and the statistics it records, plus the callbacks that create
** and destroy one instance.  The topology JSON's "type" finds the table by
** name; its parameters are resolved and checked against the table before
** the model ever sees them, so a model reads its parameters through getters
** that cannot fail.
**
** The registry is process wide.  The library's own models are registered
** on first use of any registry function; users may add their own types.
** Registering and unregistering are not thread safe: do them before
** simulations start running in other threads.  Looking types up and
** iterating are safe from any number of threads when nobody registers.
*/
#ifndef LADON_COMPONENT_H
#define LADON_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/export.h"
#include "ladon/sim.h"
#include "ladon/units.h"

LADON_BEGIN_DECLS

/* What a parameter holds, and which syntax of docs/units.md its text uses. */
typedef enum ladon_param_type {
  LADON_PARAM_BOOL,   /* true / false */
  LADON_PARAM_U64,    /* unsigned integer, decimal or 0x hex */
  LADON_PARAM_DOUBLE, /* real number */
  LADON_PARAM_STRING, /* any text */
  LADON_PARAM_ENUM,   /* one of `choices` */
  LADON_PARAM_TIME,   /* "120ns", held in ps */
  LADON_PARAM_SIZE,   /* "4KiB", held in bytes */
  LADON_PARAM_RATE,   /* "8GT/s", "25Gb/s", "3.2GB/s", held per second */
  LADON_PARAM_FREQ    /* "1GHz", held in Hz; period must be whole ps */
} ladon_param_type;

/*
** One parameter.  Every string is borrowed and must outlive the registry
** entry (static tables).  Text fields use the syntax of the type.
**
**   name           identifier [A-Za-z_][A-Za-z0-9_]*, unique in the table
**   default_value  NULL makes the parameter required
**   unit           TIME "ps", SIZE "B", FREQ "Hz" (or NULL for those);
**                  RATE must say what it counts: "T/s", "bit/s" or "B/s"
**                  (bit/s parameters accept bytes too and vice versa when
**                  exact); U64/DOUBLE any display text ("credits") or NULL;
**                  BOOL/STRING/ENUM NULL
**   choices        ENUM: NULL-terminated list of allowed words; else NULL
**   min, max       optional inclusive bounds (U64, DOUBLE, TIME, SIZE, RATE,
**                  FREQ), e.g. "1ns" and "10us"; NULL for none
*/
typedef struct ladon_param_desc {
  const char *name;
  ladon_param_type type;
  const char *default_value;
  const char *unit;
  const char *description;
  const char *const *choices;
  const char *min;
  const char *max;
} ladon_param_desc;

/*
** One port, or a numbered family of ports.  A name is an identifier, or an
** identifier followed by one decimal range "[lo-hi]": "d[0-31]" declares
** d0, d1, ..., d31 (no leading zeros: "d7", never "d07").  A model may use
** fewer of the family than the range allows, depending on its parameters.
*/
typedef struct ladon_port_desc {
  const char *name;
  const char *description;
} ladon_port_desc;

/*
** One statistic.  `name` is [A-Za-z_][A-Za-z0-9_.]*; `unit` is display
** text ("ps", "bytes", "TLPs") or NULL for a pure count.
*/
typedef struct ladon_stat_desc {
  const char *name;
  const char *unit;
  const char *description;
} ladon_stat_desc;

/* Resolved parameter values for one instance (see ladon_params_new()). */
typedef struct ladon_params ladon_params;

/*
** Creates one instance named `instance_name` (borrowed, valid during the
** call) from resolved `params` (borrowed, valid during the call; copy what
** you keep).  On success stores the instance in *out_instance and returns
** LADON_OK; otherwise fills `err` and returns its code.
*/
typedef ladon_status (*ladon_component_create_fn)(ladon_sim *sim,
                                                  const char *instance_name,
                                                  const ladon_params *params,
                                                  void **out_instance,
                                                  ladon_error *err);

/* Destroys an instance made by the create callback. */
typedef void (*ladon_component_destroy_fn)(void *instance);

/*
** A component type.  `name` is [A-Za-z][A-Za-z0-9_.-]*.  Tables may be NULL
** when their count is 0.  The struct and everything it points to are
** borrowed by the registry.
*/
typedef struct ladon_component_type {
  const char *name;
  const char *description;
  const ladon_param_desc *params;
  size_t n_params;
  const ladon_port_desc *ports;
  size_t n_ports;
  const ladon_stat_desc *stats;
  size_t n_stats;
  ladon_component_create_fn create;
  ladon_component_destroy_fn destroy;
  /* Operations of the layer that instantiates the type (for the library's
     models: a `ladon_model_ops`, models/model.h); NULL if none.  Borrowed. */
  const void *ext;
} ladon_component_type;

/*
** Adds `type` to the registry.  The registry keeps the pointer (borrowed):
** the table must stay valid until it is unregistered or the process ends.
** Errors: LADON_EEXIST when the name is taken; LADON_EINVAL for an invalid
** table (bad names, unknown parameter type, a default or bound that does not
** parse or is out of bounds, duplicate parameter, port or statistic names,
** overlapping port ranges, missing callbacks); LADON_ENOMEM.  `err` names
** the offending entry.
*/
LADON_API ladon_status ladon_component_register(
    const ladon_component_type *type, ladon_error *err);

/*
** Removes the type called `name`.  Instances already created are not
** affected.  Returns LADON_OK or LADON_ENOENT.
*/
LADON_API ladon_status ladon_component_unregister(const char *name);

/* The type called `name` (exact match), or NULL.  Borrowed. */
LADON_API const ladon_component_type *ladon_component_find(const char *name);

/* Number of registered types. */
LADON_API size_t ladon_component_count(void);

/*
** The i-th registered type in byte-wise order of name, i < count; NULL
** beyond.  Borrowed; indices shift when types are (un)registered.
*/
LADON_API const ladon_component_type *ladon_component_at(size_t i);

/*
** The registered type name closest to `name` for a "did you mean" hint
** (edit distance <= 2, or a long common prefix), or NULL.  Borrowed.
*/
LADON_API const char *ladon_component_suggest(const char *name);

/*
** Matches a port name such as "d7" against the type's port table.  On a
** match stores the table index in *out_desc (may be NULL) and the number
** inside the range in *out_number (may be NULL; 0 for a plain name) and
** returns LADON_OK; otherwise LADON_ENOENT.
*/
LADON_API ladon_status ladon_component_port_find(
    const ladon_component_type *type, const char *port_name,
    size_t *out_desc, uint32_t *out_number);

/* "bool", "u64", "double", "string", "enum", "time", "size", "rate",
   "freq"; "?" for an unknown value.  Static. */
LADON_API const char *ladon_param_type_name(ladon_param_type type);

/*
** The unit a parameter is shown in: the desc's unit, or the type's base
** unit ("ps", "B", "Hz") when NULL; "" when there is none.  Borrowed.
*/
LADON_API const char *ladon_param_unit(const ladon_param_desc *desc);

/* --- Resolved parameters -------------------------------------------- */

/*
** Starts a parameter set for the table `descs[0..n)` (borrowed: it must
** outlive the set).  `owner` (copied; may be NULL) names the table in
** messages, e.g. the component type.  The table is checked as by
** ladon_component_register().  Returns a new set owned by the caller, or
** NULL with `err` filled (LADON_EINVAL, LADON_ENOMEM).
*/
LADON_API ladon_params *ladon_params_new(const ladon_param_desc *descs,
                                         size_t n, const char *owner,
                                         ladon_error *err);

/* Frees a parameter set.  NULL is a no-op. */
LADON_API void ladon_params_free(ladon_params *params);

/*
** Sets parameter `name` from text in its type's syntax ("120ns", "0x10",
** "true", a choice of an enum).  The value is parsed and checked against
** the type, unit, choices and bounds now.  Setting a parameter again
** replaces the value.  Errors: LADON_ENOENT for an unknown name (the message
** suggests the closest name), LADON_EPARSE / LADON_ERANGE for a bad value,
** LADON_ESTATE after ladon_params_resolve().  The message starts with
** "parameter 'NAME': ".
*/
LADON_API ladon_status ladon_params_set(ladon_params *params,
                                        const char *name, const char *text,
                                        ladon_error *err);

/*
** Typed setters for values that are not text (JSON numbers and booleans).
** _u64 sets a U64 parameter, _double a DOUBLE one, _bool a BOOL one; any
** other type is LADON_EINVAL with a message saying how to write it.  Bounds
** are checked.  Errors otherwise as ladon_params_set().
*/
LADON_API ladon_status ladon_params_set_u64(ladon_params *params,
                                            const char *name, uint64_t value,
                                            ladon_error *err);
LADON_API ladon_status ladon_params_set_double(ladon_params *params,
                                               const char *name, double value,
                                               ladon_error *err);
LADON_API ladon_status ladon_params_set_bool(ladon_params *params,
                                             const char *name, bool value,
                                             ladon_error *err);

/*
** Fills every parameter that was not set with its default and freezes the
** set.  Errors: LADON_EINVAL when a required parameter (no default) was not
** set; the message names it.  Resolving twice is a no-op.
*/
LADON_API ladon_status ladon_params_resolve(ladon_params *params,
                                            ladon_error *err);

/* The parameter table the set was made from, and its size.  Borrowed. */
LADON_API const ladon_param_desc *ladon_params_descs(const ladon_params *params,
                                                     size_t *out_n);

/*
** Whether parameter `name` was set by the user (1) or took its default (0);
** -1 for an unknown name.
*/
LADON_API int ladon_params_is_set(const ladon_params *params,
                                  const char *name);

/*
** Typed getters for a resolved set.  They cannot fail on valid use: asking
** an unresolved set, for a name not in the table, or with the getter of
** another type is a bug in the calling model, reported on stderr followed by
** abort().  _time_ps reads TIME; _bytes SIZE; _u64 U64; _bool BOOL;
** _double DOUBLE; _string STRING and ENUM (the choice's text; borrowed,
** valid while the set lives); _enum ENUM (the index into choices); _rate
** RATE (per second, in the kind the desc's unit names); _freq_hz FREQ;
** _period_ps FREQ (the exact clock period).
*/
LADON_API ladon_time_ps ladon_params_time_ps(const ladon_params *params,
                                             const char *name);
LADON_API uint64_t ladon_params_bytes(const ladon_params *params,
                                      const char *name);
LADON_API uint64_t ladon_params_u64(const ladon_params *params,
                                    const char *name);
LADON_API bool ladon_params_bool(const ladon_params *params, const char *name);
LADON_API double ladon_params_double(const ladon_params *params,
                                     const char *name);
LADON_API const char *ladon_params_string(const ladon_params *params,
                                          const char *name);
LADON_API size_t ladon_params_enum(const ladon_params *params,
                                   const char *name);
LADON_API uint64_t ladon_params_rate(const ladon_params *params,
                                     const char *name);
LADON_API uint64_t ladon_params_freq_hz(const ladon_params *params,
                                        const char *name);
LADON_API ladon_time_ps ladon_params_period_ps(const ladon_params *params,
                                               const char *name);

/*
** The resolved value of `name` as text that parses back to the same value,
** in the shortest exact form ("120ns", "16GiB", "8GT/s", "true"), for the
** resolved-configuration output.  Writes at most `size` bytes into `buf`;
** strings longer than that are cut.  Returns `buf`, or NULL when the set is
** not resolved or the name is unknown.
*/
LADON_API char *ladon_params_format(const ladon_params *params,
                                    const char *name, char *buf, size_t size);

LADON_END_DECLS

#endif /* LADON_COMPONENT_H */
