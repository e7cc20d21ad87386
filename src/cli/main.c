/* The `ladon` command: dispatches to one subcommand per file. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ladon/ladon.h"

struct command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
#define X(name, summary) {#name, summary, cli_cmd_##name},
    LADON_CLI_COMMANDS(X)
#undef X
};

static void usage(FILE *out) {
  fprintf(out,
          "usage: ladon COMMAND [ARGS...]\n"
          "       ladon COMMAND --help\n\n"
          "Cycle-level PCIe fabric simulator, version %s.\n\ncommands:\n",
          ladon_version_string());
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\nexit status: 0 ok, 1 violations found (check), 2 bad input\n");
}

int cli_cmd_version(int argc, char **argv) {
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    printf("usage: ladon version\n\nPrints the library version.\n");
    return CLI_OK;
  }
  if (argc > 1) {
    fprintf(stderr, "ladon version: unexpected argument '%s'\n", argv[1]);
    return CLI_BAD_INPUT;
  }
  printf("ladon %s\n", ladon_version_string());
  return CLI_OK;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_BAD_INPUT;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
      !strcmp(argv[1], "help")) {
    usage(stdout);
    return CLI_OK;
  }
  if (!strcmp(argv[1], "--version")) return cli_cmd_version(1, argv + 1);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "ladon: unknown command '%s' (see 'ladon --help')\n",
          argv[1]);
  return CLI_BAD_INPUT;
}
