/*
** The `ladon` command's subcommands.  Each lives in its own cmd_<name>.c and
** uses only the public headers.  X(name, summary): append a line to add one.
*/
#ifndef LADON_CLI_COMMANDS_H
#define LADON_CLI_COMMANDS_H

#define LADON_CLI_COMMANDS(X)                                                  \
  X(run, "simulate a topology's workloads and print a summary")               \
  X(check, "configure a fabric and verify isolation, statically and with probes") \
  X(version, "print the library version")                                      \
  X(tlp, "decode and encode TLP headers")                                      \
  X(trace, "convert trace files and print their statistics")                   \
  X(replay, "inject a trace's requests at the requesters of a fabric")         \
  X(compare, "the same traffic on two fabrics, side by side")                 \
  X(graph, "topology analysis: PCIe domains, paths, hop counts, reachability") \
  X(list, "component types with their parameters, ports and statistics")

/* Exit statuses shared by every subcommand (DESIGN §5). */
enum { CLI_OK = 0, CLI_VIOLATION = 1, CLI_BAD_INPUT = 2 };

#define X(name, summary) int cli_cmd_##name(int argc, char **argv);
LADON_CLI_COMMANDS(X)
#undef X

#endif
