/*
** Loading a JSON document and indexing the position of every value.
**
** jansson validates the text first; the index pass then trusts the grammar
** but still checks every step against the text's bounds and jansson's tree,
** and fails cleanly (never reads out of bounds) if they ever disagree.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/json_int.h"
#include "sim/error_int.h"

/* jansson's flags: reject duplicate keys, accept any top-level value;
   strings with \u0000 stay rejected (the default) so keys and strings are
   always C strings. */
#define JSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

/* The reader's position in the text. */
struct cursor {
  const char *text;
  size_t len, pos;
  uint32_t line, col;
};

static void advance(struct cursor *c, size_t k) {
  for (size_t end = c->pos + k; c->pos < end && c->pos < c->len; c->pos++) {
    unsigned char b = (unsigned char)c->text[c->pos];
    if (b == '\n') {
      c->line++;
      c->col = 1;
    } else if ((b & 0xC0) != 0x80) {
      /* UTF-8 continuation bytes do not start a new column. */
      c->col++;
    }
  }
}

static void skip_ws(struct cursor *c) {
  while (c->pos < c->len) {
    char b = c->text[c->pos];
    if (b != ' ' && b != '\t' && b != '\n' && b != '\r') break;
    advance(c, 1);
  }
}

static int peek(const struct cursor *c) {
  return c->pos < c->len ? (unsigned char)c->text[c->pos] : -1;
}

/* Skips a string token starting at '"'; returns its length or 0. */
static size_t string_len(const struct cursor *c) {
  size_t i = c->pos + 1;
  while (i < c->len) {
    char b = c->text[i];
    if (b == '\\') i += 2;
    else if (b == '"') return i + 1 - c->pos;
    else i++;
  }
  return 0;
}

static size_t scalar_len(const struct cursor *c) {
  size_t i = c->pos;
  while (i < c->len && !strchr(",]} \t\n\r", c->text[i])) i++;
  return i - c->pos;
}

/* `p` with room for `need` elements (capacity doubled), or NULL with `p`
   untouched. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return p;
  size_t n = *cap ? *cap : 64;
  while (n < need) n *= 2;
  void *q = realloc(p, n * elem);
  if (q != NULL) *cap = n;
  return q;
}

/* Grows array `arr` of the indexer `ix` or returns 0 from the caller. */
#define IX_GROW(ix, arr, cap, need)                                           \
  do {                                                                        \
    void *q_ = grow((arr), (cap), (need), sizeof *(arr));                     \
    if (q_ == NULL) {                                                         \
      (ix)->nomem = 1;                                                        \
      return 0;                                                               \
    }                                                                         \
    (arr) = q_;                                                               \
  } while (0)

struct frame {
  uint32_t node;
  uint32_t count;        /* members or elements read so far */
  size_t pending_base;   /* where this container's children start */
};

struct indexer {
  ladon__json_doc *doc;
  struct cursor c;
  size_t cap_nodes, cap_kids;
  uint32_t *pending;
  size_t n_pending, cap_pending;
  struct frame *frames;
  size_t n_frames, cap_frames;
  char *scratch;
  size_t cap_scratch;
  int nomem; /* a failure was out of memory, not a disagreement */
};


/* Adds a node for the value at the cursor; opens a frame for containers. */
static int add_value(struct indexer *ix, json_t *json, uint32_t parent,
                     const char *key, uint32_t index, uint32_t key_line,
                     uint32_t key_col) {
  ladon__json_doc *doc = ix->doc;
  if (json == NULL || doc->n_nodes >= UINT32_MAX - 1) return 0;
  IX_GROW(ix, doc->nodes, &ix->cap_nodes, doc->n_nodes + 1);
  uint32_t id = (uint32_t)doc->n_nodes++;
  struct ladon__json_node_rec *n = &doc->nodes[id];
  n->json = json;
  n->parent = parent;
  n->key = key;
  n->index = index;
  n->first_kid = 0;
  n->n_kids = 0;
  n->line = ix->c.line;
  n->col = ix->c.col;
  n->key_line = key ? key_line : ix->c.line;
  n->key_col = key ? key_col : ix->c.col;
  if (parent != LADON__JSON_NONE) {
    IX_GROW(ix, ix->pending, &ix->cap_pending, ix->n_pending + 1);
    ix->pending[ix->n_pending++] = id;
  }
  int b = peek(&ix->c);
  if (b == '{' || b == '[') {
    if ((b == '{') != json_is_object(json) ||
        (b == '[') != json_is_array(json))
      return 0;
    IX_GROW(ix, ix->frames, &ix->cap_frames, ix->n_frames + 1);
    struct frame *f = &ix->frames[ix->n_frames++];
    f->node = id;
    f->count = 0;
    f->pending_base = ix->n_pending;
    advance(&ix->c, 1);
    return 1;
  }
  if (json_is_object(json) || json_is_array(json)) return 0;
  size_t k = b == '"' ? string_len(&ix->c) : scalar_len(&ix->c);
  if (k == 0 || (b == '"') != json_is_string(json)) return 0;
  advance(&ix->c, k);
  return 1;
}

/* Reads the key at the cursor (a string token) and finds the member. */
static int read_member(struct indexer *ix, json_t *obj, const char **key,
                       json_t **value) {
  size_t k = string_len(&ix->c);
  if (k < 2) return 0;
  const char *raw = ix->c.text + ix->c.pos;
  IX_GROW(ix, ix->scratch, &ix->cap_scratch, k);
  if (memchr(raw, '\\', k) == NULL) {
    memcpy(ix->scratch, raw + 1, k - 2);
    ix->scratch[k - 2] = '\0';
  } else {
    /* Escapes: let jansson decode the key exactly as it did before.  The
       decoded text is never longer than the escaped one. */
    json_t *s = json_loadb(raw, k, JSON_DECODE_ANY, NULL);
    const char *v = s ? json_string_value(s) : NULL;
    if (v == NULL || strlen(v) + 1 > k) {
      json_decref(s);
      return 0;
    }
    memcpy(ix->scratch, v, strlen(v) + 1);
    json_decref(s);
  }
  void *it = json_object_iter_at(obj, ix->scratch);
  if (it == NULL) return 0;
  *key = json_object_iter_key(it);
  *value = json_object_iter_value(it);
  advance(&ix->c, k);
  return 1;
}

static int close_frame(struct indexer *ix) {
  ladon__json_doc *doc = ix->doc;
  struct frame *f = &ix->frames[ix->n_frames - 1];
  size_t n = ix->n_pending - f->pending_base;
  IX_GROW(ix, doc->kids, &ix->cap_kids, doc->n_kids + n + 1);
  struct ladon__json_node_rec *node = &doc->nodes[f->node];
  node->first_kid = (uint32_t)doc->n_kids;
  node->n_kids = (uint32_t)n;
  if (n > 0) /* pending is NULL until the first child */
    memcpy(doc->kids + doc->n_kids, ix->pending + f->pending_base,
           n * sizeof *ix->pending);
  doc->n_kids += n;
  ix->n_pending = f->pending_base;
  ix->n_frames--;
  advance(&ix->c, 1);
  return 1;
}

/* One pass over the text in step with jansson's tree.  Returns 1, 0 when
   the text and the tree disagree, -1 when out of memory. */
static int build_index(ladon__json_doc *doc) {
  struct indexer ix;
  memset(&ix, 0, sizeof ix);
  ix.doc = doc;
  ix.c.text = doc->text;
  ix.c.len = doc->len;
  ix.c.line = 1;
  ix.c.col = 1;
  int ok = 0;
  skip_ws(&ix.c);
  if (!add_value(&ix, doc->root, LADON__JSON_NONE, NULL, 0, 0, 0)) goto done;
  while (ix.n_frames > 0) {
    struct frame *f = &ix.frames[ix.n_frames - 1];
    json_t *container = doc->nodes[f->node].json;
    skip_ws(&ix.c);
    int b = peek(&ix.c);
    if (b == '}' || b == ']') {
      size_t want = json_is_object(container) ? json_object_size(container)
                                              : json_array_size(container);
      if (f->count != want || !close_frame(&ix)) goto done;
      continue;
    }
    if (f->count > 0) {
      if (b != ',') goto done;
      advance(&ix.c, 1);
      skip_ws(&ix.c);
    }
    uint32_t parent = f->node, index = f->count++;
    const char *key = NULL;
    json_t *child;
    uint32_t kl = ix.c.line, kc = ix.c.col;
    if (json_is_object(container)) {
      if (peek(&ix.c) != '"' || !read_member(&ix, container, &key, &child))
        goto done;
      skip_ws(&ix.c);
      if (peek(&ix.c) != ':') goto done;
      advance(&ix.c, 1);
      skip_ws(&ix.c);
    } else {
      child = json_array_get(container, index);
    }
    /* add_value may move ix.frames: f is not used after this. */
    if (!add_value(&ix, child, parent, key, index, kl, kc)) goto done;
  }
  ok = 1;
done:
  free(ix.pending);
  free(ix.frames);
  free(ix.scratch);
  return ok ? 1 : ix.nomem ? -1 : 0;
}

/* Line and column of byte `offset`, counted as the index counts them. */
static void position_of(const char *text, size_t len, size_t offset,
                        int *line, int *col) {
  struct cursor c = {text, len, 0, 1, 1};
  advance(&c, offset < len ? offset : len);
  *line = (int)c.line;
  *col = (int)c.col;
}

/*
** Where a jansson syntax error really is.  jansson's position is the byte
** after the offending token (or the undecodable byte, or the end); its
** "near 'TOKEN'" names the token, so the token starts `strlen(TOKEN)` bytes
** earlier.  A long duplicate key has no "near": walk back to its quote.
*/
static size_t syntax_error_offset(const char *text, size_t len,
                                  const json_error_t *je) {
  size_t pos = je->position > 0 ? (size_t)je->position : 0;
  if (pos > len) pos = len;
  for (const char *p = strstr(je->text, " near '"); p;
       p = strstr(p + 1, " near '")) {
    const char *tok = p + 7;
    size_t tl = strlen(tok);
    if (tl == 0 || tok[tl - 1] != '\'') continue;
    tl--;
    if (tl <= pos && memcmp(text + pos - tl, tok, tl) == 0) return pos - tl;
  }
  if (strncmp(je->text, "duplicate object key", 20) == 0 && pos >= 2 &&
      text[pos - 1] == '"') {
    /* The opening quote is the first quote before the closing one that is
       not escaped, i.e. not preceded by an odd run of backslashes. */
    for (size_t i = pos - 1; i-- > 0;) {
      if (text[i] != '"') continue;
      size_t bs = 0;
      while (bs < i && text[i - 1 - bs] == '\\') bs++;
      if (bs % 2 == 0) return i;
    }
  }
  return pos;
}

static ladon__json_doc *fail_syntax(const char *name, const char *text,
                                    size_t len, const json_error_t *je,
                                    ladon_error *err) {
  int line, col;
  position_of(text, len, syntax_error_offset(text, len, je), &line, &col);
  /* jansson quotes the raw token: keep control bytes out of the message. */
  char msg[sizeof je->text];
  size_t i = 0;
  for (; je->text[i] && i + 1 < sizeof msg; i++)
    msg[i] = (unsigned char)je->text[i] < 0x20 ? '?' : je->text[i];
  msg[i] = '\0';
  ladon__error_set(err, LADON_EPARSE, name, line, col, "invalid JSON: %s",
                   msg);
  return NULL;
}

/* Loads `text` (len bytes plus a terminator), taking ownership of it. */
static ladon__json_doc *load_owned(const char *name, char *text, size_t len,
                                   ladon_error *err) {
  ladon__json_doc *doc = calloc(1, sizeof *doc);
  if (doc == NULL) {
    free(text);
    goto nomem;
  }
  doc->text = text;
  doc->len = len;
  doc->name = strdup(name ? name : "");
  if (doc->name == NULL) goto nomem;
  /* JSON text never holds a raw NUL byte (RFC 8259 §7 requires it escaped
     in strings; it is not whitespace), but jansson's number lexer takes
     one for the end of input and accepts "[-0\0,1]": refuse it first. */
  const char *nul = memchr(text, '\0', len);
  if (nul != NULL) {
    int line, col;
    position_of(text, len, (size_t)(nul - text), &line, &col);
    ladon__error_set(err, LADON_EPARSE, name, line, col,
                     "invalid JSON: NUL byte");
    ladon__json_free(doc);
    return NULL;
  }
  json_error_t je;
  memset(&je, 0, sizeof je);
  doc->root = json_loadb(doc->text, len, JSON_FLAGS, &je);
  if (doc->root == NULL) {
    fail_syntax(name, doc->text, len, &je, err);
    ladon__json_free(doc);
    return NULL;
  }
  int built = build_index(doc);
  if (built < 0) goto nomem;
  if (built == 0) {
    /* jansson accepted what the index pass could not follow: a bug here,
       reported rather than trusted. */
    ladon__error_set(err, LADON_EPARSE, name, 0, 0,
                     "internal error: could not index the JSON positions");
    ladon__json_free(doc);
    return NULL;
  }
  return doc;
nomem:
  ladon__json_free(doc);
  ladon__error_set(err, LADON_ENOMEM, name, 0, 0, "out of memory");
  return NULL;
}

ladon__json_doc *ladon__json_load_buffer(const char *name, const char *text,
                                         size_t len, ladon_error *err) {
  char *copy = malloc(len + 1);
  if (copy == NULL) {
    ladon__error_set(err, LADON_ENOMEM, name, 0, 0, "out of memory");
    return NULL;
  }
  if (len) memcpy(copy, text, len);
  copy[len] = '\0';
  return load_owned(name, copy, len, err);
}

ladon__json_doc *ladon__json_load_file(const char *path, ladon_error *err) {
  if (path == NULL) {
    ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, "no file name given");
    return NULL;
  }
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    ladon__error_set(err, LADON_EIO, path, 0, 0, "cannot open: %s",
                     strerror(errno));
    return NULL;
  }
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    char *more = grow(buf, &cap, len + 65536, 1);
    if (more == NULL) {
      free(buf);
      fclose(f);
      ladon__error_set(err, LADON_ENOMEM, path, 0, 0, "out of memory");
      return NULL;
    }
    buf = more;
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  int failed = ferror(f);
  int saved = errno;
  fclose(f);
  if (failed) {
    free(buf);
    ladon__error_set(err, LADON_EIO, path, 0, 0, "cannot read: %s",
                     strerror(saved));
    return NULL;
  }
  buf[len] = '\0'; /* grow() left at least 64 KiB of room */
  return load_owned(path, buf, len, err);
}

void ladon__json_free(ladon__json_doc *doc) {
  if (doc == NULL) return;
  json_decref(doc->root);
  free(doc->nodes);
  free(doc->kids);
  free(doc->text);
  free(doc->name);
  free(doc);
}
