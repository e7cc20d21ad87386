/* `ladon tlp decode|encode`: TLP headers to text and back (docs/tlp.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ladon/error.h"
#include "ladon/tlp.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: ladon tlp decode [--lenient] HEX...\n"
          "       ladon tlp encode FIELD=VALUE...\n\n"
          "decode: each argument is one TLP in hex (spaces, '_' and 0x are\n"
          "  allowed inside an argument): its prefixes and header, or the whole\n"
          "  TLP with payload and ECRC.  Prints one line per TLP.  --lenient\n"
          "  ignores Reserved bits as a receiver does.\n"
          "encode: builds one TLP from fields and prints its header in hex, e.g.\n"
          "  ladon tlp encode type=MWr addr=0x1000 len=64 req=03:10.6 tag=5\n"
          "  fields: type req tag addr len fbe lbe tc attr at th ph st td ep\n"
          "          to reg (Cfg) cpl status bc la bcm (Cpl) route code data\n"
          "          (Msg) pasid er pmr; see docs/tlp.md\n\n"
          "exit status: 0 ok, 2 bad input or a PCIe rule violated\n");
}

static int fail(const ladon_error *err) {
  char msg[LADON_ERROR_TEXT_MAX + LADON_ERROR_FILE_MAX + 32];
  fprintf(stderr, "ladon tlp: %s\n", ladon_error_format(err, msg, sizeof msg));
  return CLI_BAD_INPUT;
}

/* Decodes argv[i] into `tlp` (payload bytes in `bytes`); fills `err`. */
static ladon_status decode_arg(const char *hex, uint8_t *bytes, size_t cap,
                               unsigned flags, ladon_tlp *tlp,
                               ladon_error *err) {
  size_t len = 0;
  ladon_status s = ladon_tlp_hex_parse(hex, bytes, cap, &len, err);
  if (s == LADON_OK) s = ladon_tlp_decode(bytes, len, flags, tlp, err);
  return s;
}

static int decode(int argc, char **argv) {
  unsigned flags = 0;
  int first = 1;
  if (first < argc && !strcmp(argv[first], "--lenient"))
    flags |= LADON_TLP_DECODE_LENIENT, first++;
  if (first >= argc) {
    fprintf(stderr, "ladon tlp: decode needs at least one hex TLP\n");
    return CLI_BAD_INPUT;
  }
  /* A whole TLP: prefixes, header, up to 4096 bytes of payload, ECRC. */
  size_t cap = LADON_TLP_HEADER_MAX_BYTES + 4096 + 4;
  uint8_t *bytes = malloc(cap);
  if (bytes == NULL) {
    fprintf(stderr, "ladon tlp: out of memory\n");
    return CLI_BAD_INPUT;
  }
  ladon_error err;
  ladon_tlp tlp;
  /* Every argument is checked before anything is printed: all or nothing. */
  for (int i = first; i < argc; i++) {
    ladon_error_clear(&err);
    if (decode_arg(argv[i], bytes, cap, flags, &tlp, &err) != LADON_OK) {
      if (argc - first > 1)
        snprintf(err.file, sizeof err.file, "argument %d", i - first + 1);
      free(bytes);
      return fail(&err);
    }
  }
  char line[512];
  for (int i = first; i < argc; i++) {
    decode_arg(argv[i], bytes, cap, flags, &tlp, &err);
    ladon_tlp_format(&tlp, line, sizeof line); /* a line is < 200 chars */
    printf("%s\n", line);
  }
  free(bytes);
  return CLI_OK;
}

static int encode(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "ladon tlp: encode needs FIELD=VALUE items\n");
    return CLI_BAD_INPUT;
  }
  size_t total = 1;
  for (int i = 1; i < argc; i++) total += strlen(argv[i]) + 1;
  char *text = malloc(total);
  if (text == NULL) {
    fprintf(stderr, "ladon tlp: out of memory\n");
    return CLI_BAD_INPUT;
  }
  text[0] = 0;
  for (int i = 1; i < argc; i++) {
    strcat(text, argv[i]);
    strcat(text, " ");
  }
  ladon_error err;
  ladon_error_clear(&err);
  ladon_tlp tlp;
  uint8_t hdr[LADON_TLP_HEADER_MAX_BYTES];
  size_t len = 0;
  ladon_status s = ladon_tlp_parse_fields(text, &tlp, &err);
  free(text);
  if (s == LADON_OK) s = ladon_tlp_encode(&tlp, hdr, sizeof hdr, &len, &err);
  if (s != LADON_OK) return fail(&err);
  char hex[3 * LADON_TLP_HEADER_MAX_BYTES];
  ladon_tlp_hex_format(hdr, len, hex, sizeof hex);
  printf("%s\n", hex);
  return CLI_OK;
}

int cli_cmd_tlp(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "ladon tlp: decode or encode expected\n\n");
    usage(stderr);
    return CLI_BAD_INPUT;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(stdout);
    return CLI_OK;
  }
  for (int i = 2; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return CLI_OK;
    }
  if (!strcmp(argv[1], "decode")) return decode(argc - 1, argv + 1);
  if (!strcmp(argv[1], "encode")) return encode(argc - 1, argv + 1);
  fprintf(stderr, "ladon tlp: unknown subcommand '%s' (decode or encode)\n",
          argv[1]);
  return CLI_BAD_INPUT;
}
