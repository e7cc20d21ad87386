/* Helpers shared by the command's subcommands. */
#ifndef LADON_CLI_UTIL_H
#define LADON_CLI_UTIL_H

#include <stdio.h>

#include "ladon/fabric.h"

/* SHA-256 of a file as 64 hex digits; 0 on success, -1 if unreadable. */
int cli_sha256_file(const char *path, char hex[65]);

/*
** An output file that appears only when complete: written to a temporary
** name in the same directory and renamed by cli_out_commit().
*/
typedef struct cli_out {
  FILE *f;
  char path[4096];
  char tmp[4096];
} cli_out;

/* Opens `path` for writing; -1 with a message on stderr on failure. */
int cli_out_open(cli_out *o, const char *path);
/* Closes and renames into place; -1 (and removes the temporary) on error. */
int cli_out_commit(cli_out *o);
/* Closes and removes the temporary. */
void cli_out_abort(cli_out *o);

/*
** Writes one of a run's outputs (`fn`: ladon_fabric_write_stats_json,
** _stats_csv, _resolved) to `path` atomically; -1 with a message naming
** the subcommand `cmd` on failure.
*/
int cli_write_run_file(const char *cmd, const char *path,
                       ladon_status (*fn)(ladon_fabric *, const ladon_run_meta *, FILE *),
                       ladon_fabric *f, const ladon_run_meta *meta);

/* Creates directory `dir` and its parents; -1 with a message on failure. */
int cli_mkdirs(const char *dir);

/*
** Reports a usage error of subcommand `cmd` on stderr: "ladon CMD: " then
** `fmt` formatted with `arg`, then a pointer to its --help.  Returns
** CLI_BAD_INPUT, for `return cli_usage_error(...)`.
*/
int cli_usage_error(const char *cmd, const char *fmt, const char *arg);

/* Whether `s` ends with `suffix`. */
int cli_ends_with(const char *s, const char *suffix);

#endif
