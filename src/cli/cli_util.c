/* Output files that are never left half-written, and directories. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"

int cli_out_open(cli_out *o, const char *path) {
  memset(o, 0, sizeof *o);
  if (snprintf(o->path, sizeof o->path, "%s", path) >= (int)sizeof o->path ||
      snprintf(o->tmp, sizeof o->tmp, "%s.tmpXXXXXX", path) >= (int)sizeof o->tmp) {
    fprintf(stderr, "ladon: %s: path too long\n", path);
    return -1;
  }
  int fd = mkstemp(o->tmp);
  if (fd < 0 || (o->f = fdopen(fd, "w")) == NULL) {
    fprintf(stderr, "ladon: %s: cannot write: %s\n", path, strerror(errno));
    if (fd >= 0) {
      close(fd);
      unlink(o->tmp);
    }
    return -1;
  }
  return 0;
}

int cli_out_commit(cli_out *o) {
  int bad = ferror(o->f);
  if (fclose(o->f) != 0) bad = 1;
  o->f = NULL;
  if (!bad && chmod(o->tmp, 0644) == 0 && rename(o->tmp, o->path) == 0) return 0;
  fprintf(stderr, "ladon: %s: cannot write: %s\n", o->path, strerror(errno));
  unlink(o->tmp);
  return -1;
}

void cli_out_abort(cli_out *o) {
  if (o->f) fclose(o->f);
  o->f = NULL;
  unlink(o->tmp);
}

int cli_mkdirs(const char *dir) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) return -1;
  for (char *p = buf + 1; ; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "ladon: cannot create directory %s: %s\n", buf, strerror(errno));
        return -1;
      }
      *p = c;
      if (c == '\0') break;
    }
  }
  return 0;
}

int cli_ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

int cli_write_run_file(const char *cmd, const char *path,
                       ladon_status (*fn)(ladon_fabric *, const ladon_run_meta *, FILE *),
                       ladon_fabric *f, const ladon_run_meta *meta) {
  cli_out o;
  if (cli_out_open(&o, path) != 0) return -1;
  if (fn(f, meta, o.f) != LADON_OK) {
    fprintf(stderr, "ladon %s: %s: cannot write\n", cmd, path);
    cli_out_abort(&o);
    return -1;
  }
  return cli_out_commit(&o);
}

int cli_usage_error(const char *cmd, const char *fmt, const char *arg) {
  fprintf(stderr, "ladon %s: ", cmd);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see 'ladon %s --help')\n", cmd);
  return CLI_BAD_INPUT;
}
