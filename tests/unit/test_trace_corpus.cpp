// The fuzzers' seed corpus, run through the same entry points in the
// ordinary test run; and the memory path the fuzzers use agrees with the
// file path users take.
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#define LADON_FUZZ_NO_MAIN
#include "../fuzz/fuzz_trace_text.c"
#include "../fuzz/fuzz_trace_binary.c"

namespace {

const std::string kCorpus = std::string(LADON_SOURCE_DIR) + "/tests/fuzz/corpus/";

std::vector<std::string> Files(const std::string &dir) {
  std::vector<std::string> v;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d))
      if (e->d_name[0] != '.') v.push_back(dir + "/" + e->d_name);
    closedir(d);
  }
  std::sort(v.begin(), v.end());
  return v;
}

std::string Slurp(const std::string &p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Reads a file through the public API: the record count, or -1 - count.
long ReadFile(const std::string &path, ladon_error *err) {
  ladon_trace_reader *r = ladon_trace_open(path.c_str(), err);
  if (r == nullptr) return -1;
  ladon_trace_record rec;
  long n = 0;
  int rc;
  while ((rc = ladon_trace_reader_next(r, &rec, err)) == 1) n++;
  ladon_trace_reader_close(r);
  return rc < 0 ? -1 - n : n;
}

void ExpectSameOutcome(const std::string &path) {
  std::string bytes = Slurp(path);
  ladon_error file_err, mem_err;
  ladon_error_clear(&file_err);
  long from_file = ReadFile(path, &file_err);
  long from_mem = fuzz_read_all((const uint8_t *)bytes.data(), bytes.size(),
                                LADON_TRACE_AUTO, &mem_err);
  EXPECT_EQ(from_file, from_mem) << path;
  if (from_file < 0) {
    EXPECT_EQ(std::string(file_err.file), path);
    EXPECT_STREQ(file_err.text, mem_err.text) << path;
    EXPECT_EQ(file_err.line, mem_err.line) << path;
  }
}

TEST(TraceCorpus, TextSeedsPassTheFuzzChecks) {
  std::vector<std::string> files = Files(kCorpus + "trace_text");
  ASSERT_GE(files.size(), 15u) << "the seed corpus is missing";
  long accepted = 0, rejected = 0;
  for (const std::string &f : files) {
    std::string bytes = Slurp(f);
    fuzz_trace_text_one((const uint8_t *)bytes.data(), bytes.size());
    ExpectSameOutcome(f);
    ladon_error err;
    (fuzz_read_all((const uint8_t *)bytes.data(), bytes.size(), LADON_TRACE_AUTO, &err) >= 0
         ? accepted
         : rejected)++;
  }
  // The corpus holds both good traces and every kind of bad one.
  EXPECT_GE(accepted, 5);
  EXPECT_GE(rejected, 5);
}

TEST(TraceCorpus, BinarySeedsPassTheFuzzChecks) {
  std::vector<std::string> files = Files(kCorpus + "trace_binary");
  ASSERT_GE(files.size(), 10u) << "the seed corpus is missing";
  for (const std::string &f : files) {
    std::string bytes = Slurp(f);
    fuzz_trace_binary_one((const uint8_t *)bytes.data(), bytes.size());
    if (bytes.compare(0, 4, "\x89LTB") == 0) ExpectSameOutcome(f);
  }
}

TEST(TraceCorpus, MmiotraceFromMemoryMatchesTheFile) {
  std::string path = kCorpus + "trace_text/mmiotrace.txt";
  std::string bytes = Slurp(path);
  ladon_error err;
  long mem = fuzz_read_all((const uint8_t *)bytes.data(), bytes.size(),
                           LADON_TRACE_MMIOTRACE, &err);
  ladon_trace_reader *r = ladon_trace_open_mmiotrace(path.c_str(), nullptr, &err);
  ASSERT_NE(r, nullptr);
  ladon_trace_record rec;
  long n = 0;
  while (ladon_trace_reader_next(r, &rec, &err) == 1) n++;
  ladon_trace_reader_close(r);
  EXPECT_EQ(mem, 5);
  EXPECT_EQ(n, mem);
}

}  // namespace
