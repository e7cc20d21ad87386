/* Nodes of an indexed JSON document: navigation, paths and errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/json_int.h"
#include "sim/error_int.h"

/* Out-of-range nodes read as an empty root-less value, never crash. */
static const struct ladon__json_node_rec *rec(const ladon__json_doc *doc,
                                              ladon__json_node node) {
  if (doc == NULL || node >= doc->n_nodes) return NULL;
  return &doc->nodes[node];
}

const char *ladon__json_name(const ladon__json_doc *doc) {
  return doc && doc->name ? doc->name : "";
}

size_t ladon__json_count(const ladon__json_doc *doc) {
  return doc ? doc->n_nodes : 0;
}

json_t *ladon__json_value(const ladon__json_doc *doc, ladon__json_node node) {
  const struct ladon__json_node_rec *r = rec(doc, node);
  return r ? r->json : NULL;
}

int ladon__json_line(const ladon__json_doc *doc, ladon__json_node node) {
  const struct ladon__json_node_rec *r = rec(doc, node);
  return r ? (int)r->line : 0;
}

int ladon__json_column(const ladon__json_doc *doc, ladon__json_node node) {
  const struct ladon__json_node_rec *r = rec(doc, node);
  return r ? (int)r->col : 0;
}

int ladon__json_key_line(const ladon__json_doc *doc, ladon__json_node node) {
  const struct ladon__json_node_rec *r = rec(doc, node);
  return r ? (int)r->key_line : 0;
}

int ladon__json_key_column(const ladon__json_doc *doc, ladon__json_node node) {
  const struct ladon__json_node_rec *r = rec(doc, node);
  return r ? (int)r->key_col : 0;
}

ladon__json_node ladon__json_parent(const ladon__json_doc *doc,
                                    ladon__json_node node) {
  const struct ladon__json_node_rec *r = rec(doc, node);
  return r ? r->parent : LADON__JSON_NONE;
}

const char *ladon__json_key(const ladon__json_doc *doc, ladon__json_node node) {
  const struct ladon__json_node_rec *r = rec(doc, node);
  return r ? r->key : NULL;
}

size_t ladon__json_size(const ladon__json_doc *doc, ladon__json_node node) {
  const struct ladon__json_node_rec *r = rec(doc, node);
  return r ? r->n_kids : 0;
}

ladon__json_node ladon__json_child(const ladon__json_doc *doc,
                                   ladon__json_node node, size_t i) {
  const struct ladon__json_node_rec *r = rec(doc, node);
  if (r == NULL || i >= r->n_kids) return LADON__JSON_NONE;
  return doc->kids[r->first_kid + i];
}

ladon__json_node ladon__json_find(const ladon__json_doc *doc,
                                  ladon__json_node obj, const char *key) {
  const struct ladon__json_node_rec *r = rec(doc, obj);
  if (r == NULL || key == NULL || !json_is_object(r->json))
    return LADON__JSON_NONE;
  /* Objects in configuration files are small; a scan beats a hash. */
  for (uint32_t i = 0; i < r->n_kids; i++) {
    ladon__json_node k = doc->kids[r->first_kid + i];
    if (strcmp(doc->nodes[k].key, key) == 0) return k;
  }
  return LADON__JSON_NONE;
}

/* Whether a key can be written ".key" in a path. */
static int plain_key(const char *k) {
  if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || *k == '_'))
    return 0;
  for (; *k; k++)
    if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
          (*k >= '0' && *k <= '9') || *k == '_'))
      return 0;
  return 1;
}

struct sbuf {
  char *p;
  size_t len, cap;
  int failed;
};

static void put(struct sbuf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 128;
    while (cap < b->len + n + 1) cap *= 2;
    char *q = realloc(b->p, cap);
    if (q == NULL) {
      b->failed = 1;
      return;
    }
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void put_key(struct sbuf *b, const char *k) {
  if (plain_key(k)) {
    put(b, ".", 1);
    put(b, k, strlen(k));
    return;
  }
  put(b, "[\"", 2);
  for (; *k; k++) {
    unsigned char c = (unsigned char)*k;
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      put(b, esc, 2);
    } else if (c < 0x20 || c == 0x7F) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      put(b, esc, 6);
    } else {
      put(b, (const char *)&c, 1);
    }
  }
  put(b, "\"]", 2);
}

size_t ladon__json_path(const ladon__json_doc *doc, ladon__json_node node,
                        char *buf, size_t size) {
  struct sbuf b = {NULL, 0, 0, 0};
  put(&b, "$", 1);
  /* The chain root..node, at most as deep as jansson allows (2048). */
  size_t depth = 0;
  for (ladon__json_node n = node; rec(doc, n) && doc->nodes[n].parent !=
                                                     LADON__JSON_NONE;
       n = doc->nodes[n].parent)
    depth++;
  ladon__json_node *chain = depth ? malloc(depth * sizeof *chain) : NULL;
  if (depth && chain == NULL) b.failed = 1;
  size_t i = depth;
  if (chain)
    for (ladon__json_node n = node; i > 0; n = doc->nodes[n].parent)
      chain[--i] = n;
  for (i = 0; chain && i < depth; i++) {
    const struct ladon__json_node_rec *r = &doc->nodes[chain[i]];
    if (r->key) {
      put_key(&b, r->key);
    } else {
      char idx[24];
      int n = snprintf(idx, sizeof idx, "[%u]", (unsigned)r->index);
      put(&b, idx, (size_t)n);
    }
  }
  free(chain);
  const char *full = b.failed || b.p == NULL ? "$" : b.p;
  size_t len = strlen(full);
  if (buf && size > 0) {
    if (len < size) {
      memcpy(buf, full, len + 1);
    } else if (size > 5) {
      /* Keep the end, which says which value; do not split a character. */
      size_t keep = size - 5, from = len - keep;
      while (from < len && ((unsigned char)full[from] & 0xC0) == 0x80) from++;
      snprintf(buf, size, "$...%s", full + from);
    } else {
      snprintf(buf, size, "%s", "$");
    }
  }
  free(b.p);
  return len;
}

unsigned ladon__json_kind(const json_t *v) {
  switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_OBJECT: return LADON__JSON_OBJECT;
    case JSON_ARRAY: return LADON__JSON_ARRAY;
    case JSON_STRING: return LADON__JSON_STRING;
    case JSON_INTEGER: return LADON__JSON_INTEGER;
    case JSON_REAL: return LADON__JSON_REAL;
    case JSON_TRUE:
    case JSON_FALSE: return LADON__JSON_BOOL;
    default: return LADON__JSON_NULL;
  }
}

const char *ladon__json_kind_name(const json_t *v) {
  switch (ladon__json_kind(v)) {
    case LADON__JSON_OBJECT: return "an object";
    case LADON__JSON_ARRAY: return "an array";
    case LADON__JSON_STRING: return "a string";
    case LADON__JSON_INTEGER: return "an integer";
    case LADON__JSON_REAL: return "a number";
    case LADON__JSON_BOOL: return "a boolean";
    default: return "null";
  }
}

/* Room for the path in a message; the rest is for the message itself. */
#define PATH_MAX_CHARS 160

static ladon_status verror(const ladon__json_doc *doc, ladon__json_node node,
                           int at_key, ladon_error *err, ladon_status code,
                           const char *fmt, va_list ap) {
  if (err == NULL) return code;
  char path[PATH_MAX_CHARS];
  ladon__json_path(doc, node, path, sizeof path);
  char msg[LADON_ERROR_TEXT_MAX - PATH_MAX_CHARS - 4];
  vsnprintf(msg, sizeof msg, fmt, ap);
  int line = at_key ? ladon__json_key_line(doc, node)
                    : ladon__json_line(doc, node);
  int col = at_key ? ladon__json_key_column(doc, node)
                   : ladon__json_column(doc, node);
  return ladon__error_set(err, code, ladon__json_name(doc), line, col,
                          "%s (%s)", msg, path);
}

ladon_status ladon__json_error(const ladon__json_doc *doc,
                               ladon__json_node node, ladon_error *err,
                               ladon_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ladon_status st = verror(doc, node, 0, err, code, fmt, ap);
  va_end(ap);
  return st;
}

ladon_status ladon__json_key_error(const ladon__json_doc *doc,
                                   ladon__json_node node, ladon_error *err,
                                   ladon_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ladon_status st = verror(doc, node, 1, err, code, fmt, ap);
  va_end(ap);
  return st;
}
