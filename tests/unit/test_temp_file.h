// Topologies and traces that tests write as text: each in a file of its own,
// since tests run as parallel processes.
#ifndef LADON_TEST_TEMP_FILE_H
#define LADON_TEST_TEMP_FILE_H

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

extern "C" {
#include "ladon/fabric.h"
}

namespace tmpf {

// Writes `text` to a new file in the test's temporary directory whose name
// ends with `suffix`; returns its path (the caller removes it).
inline std::string Write(const std::string &text, const char *suffix = "") {
  std::string path = testing::TempDir() + "ladon-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) return path;
  FILE *fp = fdopen(fd, "w");
  std::fputs(text.c_str(), fp);
  std::fclose(fp);
  if (*suffix == '\0') return path;
  std::string named = path + suffix;
  std::rename(path.c_str(), named.c_str());
  return named;
}

// Loads the topology `text` (NULL with `err` filled on bad input).
inline ladon_fabric *LoadTopology(const std::string &text, ladon_error *err) {
  std::string path = Write(text);
  ladon_fabric *f = ladon_fabric_load(path.c_str(), nullptr, err);
  std::remove(path.c_str());
  return f;
}

// A private directory, removed with what is in it when the test ends.
struct Dir {
  std::string path;
  Dir() {
    std::string tmpl = testing::TempDir() + "ladon-dir-XXXXXX";
    path = mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~Dir() {
    if (!path.empty()) std::system(("rm -rf '" + path + "'").c_str());
  }
  Dir(const Dir &) = delete;
  Dir &operator=(const Dir &) = delete;
  // Writes `text` (bytes as they are) to the file `name` in it; its path.
  std::string file(const std::string &name, const std::string &text) const {
    std::string p = path + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

}  // namespace tmpf

#endif
