/* Text helpers for messages: quoting user input and "did you mean". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/component_int.h"

char *ladon__quote(char *buf, size_t size, const char *text) {
  if (buf == NULL || size == 0) return buf;
  if (text == NULL) {
    snprintf(buf, size, "(null)");
    return buf;
  }
  size_t o = 0;
  size_t in_len = strlen(text);
  size_t take = in_len;
  if (take > LADON__QUOTE_MAX) {
    take = LADON__QUOTE_MAX;
    /* Never cut a UTF-8 sequence: back off over continuation bytes. */
    while (take > 0 && ((unsigned char)text[take] & 0xC0) == 0x80) take--;
  }
  /* Worst case per input byte is 4 output bytes (\xNN). */
  if (size < 3) {
    buf[0] = '\0';
    return buf;
  }
  buf[o++] = '"';
  for (size_t i = 0; i < take && o + 8 < size; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c == '"' || c == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)c;
    } else if (c < 0x20 || c == 0x7F) {
      o += (size_t)snprintf(buf + o, size - o, "\\x%02X", c);
    } else {
      buf[o++] = (char)c;
    }
  }
  buf[o++] = '"';
  if (take < in_len && o + 4 < size) {
    memcpy(buf + o, "...", 3);
    o += 3;
  }
  buf[o] = '\0';
  return buf;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

size_t ladon__edit_distance(const char *a, const char *b, size_t cap) {
  size_t la = strlen(a), lb = strlen(b);
  if ((la > lb ? la - lb : lb - la) > cap) return cap + 1;
  /* Three rolling rows of the optimal-string-alignment table. */
  size_t *rows = malloc(3 * (lb + 1) * sizeof *rows);
  if (rows == NULL) return cap + 1;
  size_t *pp = rows, *p = rows + lb + 1, *c = rows + 2 * (lb + 1);
  for (size_t j = 0; j <= lb; j++) p[j] = j;
  for (size_t i = 1; i <= la; i++) {
    c[0] = i;
    size_t row_min = c[0];
    for (size_t j = 1; j <= lb; j++) {
      size_t cost = lower((unsigned char)a[i - 1]) ==
                            lower((unsigned char)b[j - 1])
                        ? 0
                        : 1;
      size_t v = p[j - 1] + cost;
      if (p[j] + 1 < v) v = p[j] + 1;
      if (c[j - 1] + 1 < v) v = c[j - 1] + 1;
      if (i > 1 && j > 1 &&
          lower((unsigned char)a[i - 1]) == lower((unsigned char)b[j - 2]) &&
          lower((unsigned char)a[i - 2]) == lower((unsigned char)b[j - 1]) &&
          pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      c[j] = v;
      if (v < row_min) row_min = v;
    }
    if (row_min > cap) {
      free(rows);
      return cap + 1;
    }
    size_t *t = pp;
    pp = p;
    p = c;
    c = t;
  }
  size_t d = p[lb];
  free(rows);
  return d > cap ? cap + 1 : d;
}

const char *ladon__suggest(const char *word, ladon__name_at_fn name_at,
                           const void *ctx, size_t n) {
  if (word == NULL || word[0] == '\0') return NULL;
  size_t wlen = strlen(word);
  /* A distance must leave something of the word: "ab" is 2 edits from
     every two-letter name, which suggests nothing useful. */
  size_t cap = wlen > 2 ? 2 : wlen - 1;
  const char *best = NULL;
  size_t best_d = cap + 1;
  for (size_t i = 0; i < n; i++) {
    const char *cand = name_at(ctx, i);
    if (cand == NULL) continue;
    size_t d = ladon__edit_distance(word, cand, cap);
    if (d < best_d) {
      best_d = d;
      best = cand;
    }
  }
  if (best != NULL) return best;
  size_t best_p = 0;
  for (size_t i = 0; i < n; i++) {
    const char *cand = name_at(ctx, i);
    if (cand == NULL) continue;
    size_t k = 0;
    while (word[k] && cand[k] && lower((unsigned char)word[k]) ==
                                     lower((unsigned char)cand[k]))
      k++;
    if (k > best_p) {
      best_p = k;
      best = cand;
    }
  }
  if (best_p >= 4 && 2 * best_p >= wlen) return best;
  return NULL;
}

static const char *array_name_at(const void *ctx, size_t i) {
  return ((const char *const *)ctx)[i];
}

const char *ladon__suggest_in(const char *word, const char *const *names,
                              size_t n) {
  return ladon__suggest(word, array_name_at, names, n);
}

int ladon__is_identifier(const char *s) {
  if (s == NULL) return 0;
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
    return 0;
  for (s++; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
          (*s >= '0' && *s <= '9') || *s == '_'))
      return 0;
  return 1;
}
