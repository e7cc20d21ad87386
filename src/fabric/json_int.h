/*
** Strict JSON reading for user files, with FILE:LINE:COL errors.
**
** jansson parses and validates the text (duplicate keys rejected, any
** top-level value, no NUL in strings).  jansson keeps no positions for
** values, so after it accepts the text a second, linear pass walks the text
** and jansson's tree in step and records a node for every value: its
** json_t, its line and column (1-based; columns count Unicode code points,
** as jansson's own do), its parent and, for object members, the key and the
** key's position.  A node is a small index, so loaders can keep it and
** report an error about the value much later, with the JSON path rebuilt
** from the parents ("$.links[3].b").
**
** Errors are "message (JSON path)" in ladon_error.text with the file, line
** and column of the value, so that ladon_error_format() prints
**   topo.json:12:7: expected a string, got an integer ($.links[3].b)
*/
#ifndef LADON_FABRIC_JSON_INT_H
#define LADON_FABRIC_JSON_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladon/component.h"
#include "ladon/error.h"

typedef struct ladon__json_doc ladon__json_doc;

/* A value of a document: 0 is the root. */
typedef uint32_t ladon__json_node;
#define LADON__JSON_NONE UINT32_MAX

/* Kinds of value, as a mask for type checks. */
enum {
  LADON__JSON_OBJECT = 1 << 0,
  LADON__JSON_ARRAY = 1 << 1,
  LADON__JSON_STRING = 1 << 2,
  LADON__JSON_INTEGER = 1 << 3,
  LADON__JSON_REAL = 1 << 4,
  LADON__JSON_BOOL = 1 << 5,
  LADON__JSON_NULL = 1 << 6,
  LADON__JSON_NUMBER = LADON__JSON_INTEGER | LADON__JSON_REAL,
  LADON__JSON_ANY = 0x7F
};

/*
** Loads and indexes a file.  `path` is also the name used in messages.
** Returns a new document owned by the caller, or NULL with `err` filled:
** LADON_EIO (cannot read), LADON_EPARSE (syntax, with jansson's message and
** the position of the offending token), LADON_ENOMEM.
*/
ladon__json_doc *ladon__json_load_file(const char *path, ladon_error *err);

/*
** Like ladon__json_load_file() for text in memory (`len` bytes, need not
** be NUL-terminated; copied).  `name` (may be NULL) is used in messages.
*/
ladon__json_doc *ladon__json_load_buffer(const char *name, const char *text,
                                         size_t len, ladon_error *err);

/* Frees a document and its jansson tree.  NULL is a no-op. */
void ladon__json_free(ladon__json_doc *doc);

/* The name given at load time ("" for none).  Borrowed. */
const char *ladon__json_name(const ladon__json_doc *doc);

/* Number of values in the document (the root included). */
size_t ladon__json_count(const ladon__json_doc *doc);

/* The jansson value of `node`.  Borrowed: valid while `doc` lives. */
json_t *ladon__json_value(const ladon__json_doc *doc, ladon__json_node node);

/* Where the value starts, 1-based. */
int ladon__json_line(const ladon__json_doc *doc, ladon__json_node node);
int ladon__json_column(const ladon__json_doc *doc, ladon__json_node node);

/* Where a member's key starts (the value's position for other nodes). */
int ladon__json_key_line(const ladon__json_doc *doc, ladon__json_node node);
int ladon__json_key_column(const ladon__json_doc *doc, ladon__json_node node);

/* The containing value, LADON__JSON_NONE for the root. */
ladon__json_node ladon__json_parent(const ladon__json_doc *doc,
                                    ladon__json_node node);

/* A member's key (borrowed), or NULL when the parent is not an object. */
const char *ladon__json_key(const ladon__json_doc *doc, ladon__json_node node);

/* Number of members or elements of a container; 0 for scalars. */
size_t ladon__json_size(const ladon__json_doc *doc, ladon__json_node node);

/* The i-th member or element in document order, or LADON__JSON_NONE. */
ladon__json_node ladon__json_child(const ladon__json_doc *doc,
                                   ladon__json_node node, size_t i);

/* The member called `key` of an object node, or LADON__JSON_NONE. */
ladon__json_node ladon__json_find(const ladon__json_doc *doc,
                                  ladon__json_node obj, const char *key);

/*
** Writes the JSON path of `node` ("$", "$.links[3].b", "$[\"odd key\"]")
** into `buf` (at most `size` bytes).  A path that does not fit keeps its
** end and starts with "$...".  Returns the length of the full path.
*/
size_t ladon__json_path(const ladon__json_doc *doc, ladon__json_node node,
                        char *buf, size_t size);

/* "an object", "an array", "a string", "an integer", "a number",
   "a boolean", "null".  Static. */
const char *ladon__json_kind_name(const json_t *value);

/* The LADON__JSON_* bit of a value. */
unsigned ladon__json_kind(const json_t *value);

/*
** Fills `err` with `code` at the position of `node`'s value and the text
** "MESSAGE (PATH)".  Returns `code`.
*/
ladon_status ladon__json_error(const ladon__json_doc *doc,
                               ladon__json_node node, ladon_error *err,
                               ladon_status code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Like ladon__json_error() at the position of a member's key. */
ladon_status ladon__json_key_error(const ladon__json_doc *doc,
                                   ladon__json_node node, ladon_error *err,
                                   ladon_status code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
** Checks that `node` is one of `kinds`; otherwise LADON_EPARSE with
** "expected a string, got an integer".
*/
ladon_status ladon__json_expect(const ladon__json_doc *doc,
                                ladon__json_node node, unsigned kinds,
                                ladon_error *err);

/*
** The member `key` of object `obj`, type-checked against `kinds`.  A
** missing member is LADON_ENOENT with "missing required key "x"" at the
** object when `required`, else LADON_OK with *out = LADON__JSON_NONE.
** `obj` not being an object is LADON_EPARSE at `obj`.
*/
ladon_status ladon__json_member(const ladon__json_doc *doc,
                                ladon__json_node obj, const char *key,
                                unsigned kinds, bool required,
                                ladon__json_node *out, ladon_error *err);

/*
** Typed members.  When the member is absent and not required, *out is left
** unchanged (so it can hold a default) and LADON_OK is returned.
**   _string: a JSON string (borrowed, valid while `doc` lives);
**   _u64:    a non-negative JSON integer, or a string "42" / "0x2a";
**   _bool:   true or false;
**   _time_ps, _size_bytes: a string in the syntax of docs/units.md.
** Bad values are reported at the value with the unit parser's message.
*/
ladon_status ladon__json_get_string(const ladon__json_doc *doc,
                                    ladon__json_node obj, const char *key,
                                    bool required, const char **out,
                                    ladon_error *err);
ladon_status ladon__json_get_u64(const ladon__json_doc *doc,
                                 ladon__json_node obj, const char *key,
                                 bool required, uint64_t *out,
                                 ladon_error *err);
ladon_status ladon__json_get_bool(const ladon__json_doc *doc,
                                  ladon__json_node obj, const char *key,
                                  bool required, bool *out, ladon_error *err);
ladon_status ladon__json_get_time_ps(const ladon__json_doc *doc,
                                     ladon__json_node obj, const char *key,
                                     bool required, uint64_t *out,
                                     ladon_error *err);
ladon_status ladon__json_get_size_bytes(const ladon__json_doc *doc,
                                        ladon__json_node obj, const char *key,
                                        bool required, uint64_t *out,
                                        ladon_error *err);

/*
** Rejects any key of object `obj` not in `allowed[0..n)`: LADON_EPARSE at
** the first unknown key, "unknown key "lenght" (did you mean "length"?)",
** or listing the allowed keys when nothing is close.
*/
ladon_status ladon__json_check_keys(const ladon__json_doc *doc,
                                    ladon__json_node obj,
                                    const char *const *allowed, size_t n,
                                    ladon_error *err);

/*
** Sets `params` from the members of object `obj`, skipping the keys in
** `skip[0..n_skip)` (e.g. "name", "type" when parameters sit beside them).
** Strings go through ladon_params_set(); JSON integers, reals and booleans
** through the typed setters.  Errors are reported at the value (bad value)
** or the key (unknown parameter, with a suggestion among the parameters and
** the skipped keys).  Does not resolve.
*/
ladon_status ladon__json_params_apply(const ladon__json_doc *doc,
                                      ladon__json_node obj,
                                      ladon_params *params,
                                      const char *const *skip, size_t n_skip,
                                      ladon_error *err);

/*
** ladon_params_resolve() with a failure (a missing required parameter)
** reported at object `obj`.
*/
ladon_status ladon__json_params_resolve(const ladon__json_doc *doc,
                                        ladon__json_node obj,
                                        ladon_params *params,
                                        ladon_error *err);

/* --- Private to json_*.c ------------------------------------------- */

struct ladon__json_node_rec {
  json_t *json;        /* borrowed from the tree */
  const char *key;     /* member name (jansson's copy), NULL otherwise */
  uint32_t parent;     /* LADON__JSON_NONE for the root */
  uint32_t index;      /* position among the parent's children */
  uint32_t first_kid;  /* children: kids[first_kid .. first_kid + n_kids) */
  uint32_t n_kids;
  uint32_t line, col;  /* where the value starts */
  uint32_t key_line, key_col;
};

struct ladon__json_doc {
  char *name;   /* for messages */
  char *text;   /* the bytes parsed, NUL-terminated */
  size_t len;
  json_t *root; /* owned */
  struct ladon__json_node_rec *nodes;
  size_t n_nodes;
  uint32_t *kids; /* children of each container, in document order */
  size_t n_kids;
};

#endif
