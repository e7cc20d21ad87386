// Round trips between text, binary and gzip keep every field; writers
// never leave half-written files; truncated gzip is an error; reading is
// streamed.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

extern "C" {
#include "ladon/trace.h"
}

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/ladon-trace-rt-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string operator/(const std::string &n) const { return path + "/" + n; }
  std::vector<std::string> list() const {
    std::vector<std::string> v;
    DIR *d = opendir(path.c_str());
    while (dirent *e = readdir(d))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) v.push_back(e->d_name);
    closedir(d);
    return v;
  }
};

std::string Slurp(const std::string &p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// The decompressed bytes of a file (plain files read through unchanged).
std::string Inflate(const std::string &p) {
  gzFile f = gzopen(p.c_str(), "rb");
  std::string out;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, (size_t)n);
  gzclose(f);
  return out;
}

// A record with its own copies of the strings.
struct Rec {
  uint64_t t_ps;
  std::string src, port;
  bool has_port;
  ladon_trace_dir dir;
  ladon_tlp tlp;
};

// Every header field (not the simulator-only id, times and payload).
std::string Diff(const ladon_tlp &a, const ladon_tlp &b) {
  std::ostringstream o;
#define F(m) \
  if (a.m != b.m) o << #m << " " << (uint64_t)a.m << " != " << (uint64_t)b.m << "; ";
  F(addr) F(pasid) F(length_dw) F(req_id) F(cpl_id) F(target_id) F(tag)
  F(byte_count) F(type) F(tc) F(attr) F(at) F(first_be) F(last_be) F(status)
  F(lower_addr) F(msg_code) F(msg_route) F(ph) F(st) F(flags)
#undef F
  return o.str();
}

// Random TLPs of every type that pass ladon_tlp_check(), with the fields
// the text columns cannot carry (split completions, messages, TH, EP, AT,
// PASID ER/PMR) well represented.
ladon_tlp RandomTlp(std::mt19937_64 &g) {
  auto pick = [&](uint64_t n) { return g() % n; };
  for (;;) {
    ladon_tlp t{};
    t.type = (uint8_t)(1 + pick(LADON_TLP__TYPE_COUNT - 1));
    t.req_id = (uint16_t)g();
    t.tc = (uint8_t)pick(8);
    t.attr = (uint8_t)pick(8);
    t.tag = (uint16_t)pick(1024);
    if (ladon_tlp_is_posted((ladon_tlp_type)t.type)) t.tag &= 0xff;
    uint64_t addr = pick(2) ? (g() & 0xffffffffull) : (g() & 0xffffffffffffull);
    switch (t.type) {
      case LADON_TLP_MRD: case LADON_TLP_MRDLK: case LADON_TLP_MWR: case LADON_TLP_DMWR: {
        uint32_t room = 4096 - (uint32_t)(addr & 0xfff);
        uint32_t len = (uint32_t)pick(room < 600 ? room + 1 : 600);
        ladon_tlp_set_range(&t, addr, len, nullptr);
        if (pick(8) == 0) t.at = (uint8_t)(pick(2) ? 2 : (t.type == LADON_TLP_MRD ? 1 : 0));
        if (pick(8) == 0) t.flags |= LADON_TLP_F_EP;
        if (pick(8) == 0) t.flags |= LADON_TLP_F_TD;
        if (pick(6) == 0) {
          t.flags |= LADON_TLP_F_PASID;
          t.pasid = (uint32_t)pick(1 << 20);
          if (pick(2)) t.flags |= LADON_TLP_F_PASID_ER;
          if (pick(2)) t.flags |= LADON_TLP_F_PASID_PMR;
        }
        if (pick(8) == 0 && (addr & 3) == 0 && len && (len & 3) == 0) {
          t.flags |= LADON_TLP_F_TH;
          t.ph = (uint8_t)pick(4);
          t.st = (uint8_t)(t.type == LADON_TLP_MWR ? 0 : pick(256));
          if (t.type == LADON_TLP_MWR) t.tag = 0;
        }
        break;
      }
      case LADON_TLP_IORD: case LADON_TLP_IOWR:
        t.tc = t.attr = 0;
        ladon_tlp_set_range(&t, (addr & 0xfffffffc) | pick(4), 1, nullptr);
        t.flags = 0;
        break;
      case LADON_TLP_CFGRD0: case LADON_TLP_CFGWR0: case LADON_TLP_CFGRD1: case LADON_TLP_CFGWR1:
        t.tc = t.attr = 0;
        t.target_id = (uint16_t)g();
        ladon_tlp_set_range(&t, pick(0x1000) & ~3ull, 4, nullptr);
        t.flags = 0;
        break;
      case LADON_TLP_FETCHADD: case LADON_TLP_SWAP: case LADON_TLP_CAS: {
        unsigned dw = t.type == LADON_TLP_CAS ? 2u << pick(3) : 1u + (unsigned)pick(2);
        unsigned op = t.type == LADON_TLP_CAS ? 2 * dw : 4 * dw;
        t.length_dw = (uint16_t)dw;
        t.addr = addr & ~(uint64_t)(op - 1);
        if (t.addr >> 32) t.flags |= LADON_TLP_F_ADDR64;
        break;
      }
      case LADON_TLP_MSG: case LADON_TLP_MSGD: {
        static const uint8_t codes[] = {0x20, 0x24, 0x18, 0x30, 0x7e, 0x7f, 0x50, 0x10};
        t.msg_code = codes[pick(sizeof codes)];
        t.msg_route = (uint8_t)pick(6);
        t.addr = g();
        if (t.type == LADON_TLP_MSGD) t.length_dw = (uint16_t)(1 + pick(4));
        break;
      }
      default: {  // completions
        t.cpl_id = (uint16_t)g();
        static const uint8_t st[] = {0, 1, 2, 4};
        t.status = ladon_tlp_type_has_data((ladon_tlp_type)t.type) ? 0 : st[pick(4)];
        t.byte_count = (uint16_t)(1 + pick(4096));
        t.lower_addr = (uint8_t)pick(128);
        if (ladon_tlp_type_has_data((ladon_tlp_type)t.type)) {
          uint32_t need = ((t.lower_addr & 3u) + t.byte_count + 3u) / 4u;
          t.length_dw = (uint16_t)(1 + pick(need < 64 ? need : 64));
        }
        if (pick(4) == 0) {  // the simple form the columns carry
          t.lower_addr = 0;
          t.byte_count = ladon_tlp_type_has_data((ladon_tlp_type)t.type)
                             ? (uint16_t)(4 * t.length_dw - pick(4))
                             : 4;
        }
        break;
      }
    }
    if (ladon_tlp_check(&t, nullptr) == LADON_OK) return t;
  }
}

std::vector<Rec> RandomRecords(size_t n, uint64_t seed) {
  std::mt19937_64 g(seed);
  static const char *srcs[] = {"03:10.6", "nic0", "00:00.0", "vf 7 of host-b", "ff:1f.7"};
  static const char *ports[] = {"sw0.d3", "ntb0.ch", "l7"};
  std::vector<Rec> v;
  uint64_t t = g() % 1000;
  for (size_t i = 0; i < n; i++) {
    Rec r;
    t += g() % 3 == 0 ? 0 : g() % 100000;  // equal times are allowed
    r.t_ps = t;
    r.src = srcs[g() % 5];
    r.has_port = g() % 2;
    r.port = r.has_port ? ports[g() % 3] : "";
    r.dir = (ladon_trace_dir)(g() % LADON_TRACE__DIR_COUNT);
    r.tlp = RandomTlp(g);
    v.push_back(r);
  }
  return v;
}

void Write(const std::string &path, const std::vector<Rec> &v,
           ladon_trace_format f = LADON_TRACE_AUTO) {
  ladon_error err;
  ladon_trace_writer *w = ladon_trace_writer_open(path.c_str(), f, &err);
  ASSERT_NE(w, nullptr) << err.text;
  for (const Rec &r : v) {
    ladon_trace_record rec{};
    rec.t_ps = r.t_ps;
    rec.src = r.src.c_str();
    rec.port = r.has_port ? r.port.c_str() : nullptr;
    rec.dir = r.dir;
    rec.tlp = r.tlp;
    ASSERT_EQ(ladon_trace_write(w, &rec, &err), LADON_OK) << err.text;
  }
  ASSERT_EQ(ladon_trace_writer_close(w, &err), LADON_OK) << err.text;
}

int Read(const std::string &path, std::vector<Rec> *v, ladon_error *err) {
  ladon_error_clear(err);
  ladon_trace_reader *r = ladon_trace_open(path.c_str(), err);
  if (r == nullptr) return -2;
  ladon_trace_record rec;
  int rc;
  while ((rc = ladon_trace_reader_next(r, &rec, err)) == 1) {
    Rec x{rec.t_ps, rec.src, rec.port ? rec.port : "", rec.port != nullptr, rec.dir, rec.tlp};
    v->push_back(x);
  }
  ladon_trace_reader_close(r);
  return rc;
}

void ExpectSame(const std::vector<Rec> &a, const std::vector<Rec> &b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i++) {
    EXPECT_EQ(a[i].t_ps, b[i].t_ps) << i;
    EXPECT_EQ(a[i].src, b[i].src) << i;
    EXPECT_EQ(a[i].has_port, b[i].has_port) << i;
    EXPECT_EQ(a[i].port, b[i].port) << i;
    EXPECT_EQ(a[i].dir, b[i].dir) << i;
    EXPECT_EQ(Diff(a[i].tlp, b[i].tlp), "") << "record " << i << " type "
                                             << ladon_tlp_type_name((ladon_tlp_type)a[i].tlp.type);
    EXPECT_EQ(b[i].tlp.data, nullptr);
    if (::testing::Test::HasFailure()) break;
  }
}

class TraceRoundTrip : public ::testing::TestWithParam<const char *> {};

TEST_P(TraceRoundTrip, PreservesEveryField) {
  TempDir d;
  std::vector<Rec> v = RandomRecords(4000, 42);
  std::string p = d / (std::string("rt") + GetParam());
  Write(p, v);
  std::vector<Rec> back;
  ladon_error err;
  ASSERT_EQ(Read(p, &back, &err), 0) << err.file << ":" << err.line << ": " << err.text;
  ExpectSame(v, back);
  // The format is told by the content, and gzip by the content too.
  ladon_trace_reader *r = ladon_trace_open(p.c_str(), &err);
  ASSERT_NE(r, nullptr);
  bool gz = std::string(GetParam()).find(".gz") != std::string::npos;
  EXPECT_EQ(ladon_trace_reader_gzip(r), gz);
  EXPECT_EQ(ladon_trace_reader_format(r), ladon_trace_format_from_path(GetParam()));
  ladon_trace_reader_close(r);
  if (gz) {
    EXPECT_EQ(Slurp(p).substr(0, 2), "\x1f\x8b");
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, TraceRoundTrip,
                         ::testing::Values(".ltr", ".ltr.gz", ".ltb", ".ltb.gz"),
                         [](const auto &info) {
                           std::string s = info.param + 1;
                           for (char &c : s) c = c == '.' ? '_' : c;
                           return s;
                         });

TEST(TraceRoundTrip, TextThroughBinaryGzipGivesIdenticalText) {
  TempDir d;
  Write(d / "a.ltr", RandomRecords(3000, 7));
  // ltr -> ltb.gz -> ltr, record by record through the public API.
  for (auto [in, out] : {std::pair<std::string, std::string>{"a.ltr", "b.ltb.gz"},
                         {"b.ltb.gz", "c.ltr"}}) {
    std::vector<Rec> v;
    ladon_error err;
    ASSERT_EQ(Read(d / in, &v, &err), 0) << err.text;
    Write(d / out, v);
  }
  std::string a = Slurp(d / "a.ltr"), c = Slurp(d / "c.ltr");
  EXPECT_GT(a.size(), 100000u);
  EXPECT_EQ(a, c);
}

TEST(TraceRoundTrip, HdrOnlyWhenTheColumnsLoseAField) {
  TempDir d;
  std::vector<Rec> v(4);
  for (Rec &r : v) r.src = "03:10.6", r.has_port = false, r.dir = LADON_TRACE_DIR_NONE, r.t_ps = 0;
  v[0].tlp.type = LADON_TLP_MWR;  // plain write: columns suffice
  v[0].tlp.req_id = LADON_TLP_ID(3, 0x10, 6);
  ladon_tlp_set_range(&v[0].tlp, 0x1000, 64, nullptr);
  v[1].tlp = v[0].tlp;  // the same with EP set: only the header has EP
  v[1].tlp.flags |= LADON_TLP_F_EP;
  v[2].tlp.type = LADON_TLP_CPLD;  // second 64 B piece of a 128 B read
  v[2].tlp.length_dw = 16;
  v[2].tlp.byte_count = 64;
  v[2].tlp.lower_addr = 0x40;
  v[3].tlp.type = LADON_TLP_CPLD;  // a whole 64 B read in one completion
  v[3].tlp.length_dw = 16;
  v[3].tlp.byte_count = 64;
  Write(d / "h.ltr", v);
  std::istringstream in(Slurp(d / "h.ltr"));
  std::string line;
  std::vector<std::string> hdr;
  while (std::getline(in, line))
    if (line[0] != '#') hdr.push_back(line.substr(line.rfind('\t') + 1));
  ASSERT_EQ(hdr.size(), 4u);
  EXPECT_EQ(hdr[0], "-");
  EXPECT_EQ(hdr[1], "40004010 038600ff 00001000") << "MWr, EP (byte 2 bit 6), 16 DW";
  EXPECT_NE(hdr[2], "-");
  EXPECT_EQ(hdr[3], "-");
}

// ---- Writers: all or nothing --------------------------------------------

TEST(TraceWriter, AbortLeavesNothingAndKeepsTheOldFile) {
  TempDir d;
  std::ofstream(d / "out.ltr") << "old";
  std::vector<Rec> v = RandomRecords(10, 1);
  ladon_error err;
  ladon_trace_writer *w = ladon_trace_writer_open((d / "out.ltr").c_str(), LADON_TRACE_AUTO, &err);
  ASSERT_NE(w, nullptr);
  ladon_trace_record rec{};
  rec.src = "x";
  rec.tlp = v[0].tlp;
  ASSERT_EQ(ladon_trace_write(w, &rec, &err), LADON_OK);
  EXPECT_EQ(d.list().size(), 2u);  // the output and the temporary file
  ladon_trace_writer_abort(w);
  EXPECT_EQ(d.list(), std::vector<std::string>{"out.ltr"});
  EXPECT_EQ(Slurp(d / "out.ltr"), "old");
  ladon_trace_writer_abort(nullptr);
  EXPECT_EQ(ladon_trace_writer_close(nullptr, nullptr), LADON_OK);
}

TEST(TraceWriter, CloseReplacesTheOutputAndRemovesTheTemporary) {
  TempDir d;
  std::ofstream(d / "out.ltb.gz") << "old";
  Write(d / "out.ltb.gz", RandomRecords(10, 2));
  EXPECT_EQ(d.list(), std::vector<std::string>{"out.ltb.gz"});
  EXPECT_EQ(Inflate(d / "out.ltb.gz").substr(0, 4), "\x89LTB");
}

TEST(TraceWriter, RefusesBadRecords) {
  TempDir d;
  ladon_error err;
  ladon_trace_writer *w = ladon_trace_writer_open((d / "w.ltr").c_str(), LADON_TRACE_AUTO, &err);
  ASSERT_NE(w, nullptr);
  ladon_trace_record rec{};
  rec.t_ps = 100;
  rec.src = "ok";
  rec.tlp.type = LADON_TLP_MWR;
  ladon_tlp_set_range(&rec.tlp, 0x1000, 4, nullptr);
  ASSERT_EQ(ladon_trace_write(w, &rec, &err), LADON_OK);
  ladon_trace_record bad = rec;
  bad.t_ps = 99;
  EXPECT_EQ(ladon_trace_write(w, &bad, &err), LADON_EINVAL);
  EXPECT_NE(std::string(err.text).find("time goes back: t_ps 99 is before 100"), std::string::npos);
  bad = rec;
  bad.src = "-";
  EXPECT_EQ(ladon_trace_write(w, &bad, &err), LADON_EINVAL);
  bad.src = "a\tb";
  EXPECT_EQ(ladon_trace_write(w, &bad, &err), LADON_EINVAL);
  bad.src = nullptr;
  EXPECT_EQ(ladon_trace_write(w, &bad, &err), LADON_EINVAL);
  bad = rec;
  bad.port = "";
  EXPECT_EQ(ladon_trace_write(w, &bad, &err), LADON_EINVAL);
  bad = rec;
  bad.dir = (ladon_trace_dir)7;
  EXPECT_EQ(ladon_trace_write(w, &bad, &err), LADON_EINVAL);
  bad = rec;
  bad.tlp.addr = 0xffc;  // 1 DW at 0xffc then 2 DW: crosses 4 KB
  bad.tlp.length_dw = 2;
  bad.tlp.last_be = 0xf;
  EXPECT_EQ(ladon_trace_write(w, &bad, &err), LADON_ESPEC);
  EXPECT_NE(std::string(err.text).find("record 2:"), std::string::npos) << err.text;
  ASSERT_EQ(ladon_trace_writer_close(w, &err), LADON_OK);
  std::vector<Rec> back;
  ASSERT_EQ(Read(d / "w.ltr", &back, &err), 0);
  EXPECT_EQ(back.size(), 1u);  // only the good record
}

TEST(TraceWriter, RefusesUnknownFormatsAndMissingDirectories) {
  TempDir d;
  ladon_error err;
  EXPECT_EQ(ladon_trace_writer_open((d / "x.txt").c_str(), LADON_TRACE_AUTO, &err), nullptr);
  EXPECT_EQ(err.code, LADON_EINVAL);
  EXPECT_EQ(ladon_trace_writer_open((d / "x.ltr").c_str(), LADON_TRACE_CSV, &err), nullptr);
  EXPECT_EQ(err.code, LADON_EINVAL);
  EXPECT_EQ(ladon_trace_writer_open((d / "no/x.ltr").c_str(), LADON_TRACE_AUTO, &err), nullptr);
  EXPECT_EQ(err.code, LADON_EIO);
  EXPECT_TRUE(d.list().empty());
  // An explicit format wins over the name.
  ladon_trace_writer *w = ladon_trace_writer_open((d / "x.txt").c_str(), LADON_TRACE_LTB, &err);
  ASSERT_NE(w, nullptr);
  ASSERT_EQ(ladon_trace_writer_close(w, &err), LADON_OK);
  EXPECT_EQ(Slurp(d / "x.txt").size(), 16u);  // just the file header
}

// ---- gzip: truncated or corrupt input is an error -----------------------

class TraceGzip : public ::testing::TestWithParam<const char *> {};

TEST_P(TraceGzip, TruncatedStreamIsReported) {
  TempDir d;
  std::vector<Rec> v = RandomRecords(20000, 3);
  std::string full = d / (std::string("full") + GetParam());
  Write(full, v);
  std::string bytes = Slurp(full);
  for (size_t cut : {bytes.size() / 2, bytes.size() - 4, bytes.size() - 9}) {
    std::string p = d / (std::string("cut") + GetParam());
    std::ofstream(p, std::ios::binary) << bytes.substr(0, cut);
    std::vector<Rec> back;
    ladon_error err;
    int rc = Read(p, &back, &err);
    EXPECT_EQ(rc, -1) << "cut at " << cut << " of " << bytes.size() << " read "
                      << back.size() << " records without complaint";
    EXPECT_EQ(err.code, LADON_EIO) << err.text;
    EXPECT_NE(std::string(err.text).find("truncated gzip"), std::string::npos) << err.text;
    EXPECT_LE(back.size(), v.size());
  }
}

TEST_P(TraceGzip, CorruptStreamIsReported) {
  TempDir d;
  std::string p = d / (std::string("c") + GetParam());
  Write(p, RandomRecords(5000, 4));
  const std::string good = Slurp(p);
  // Garbled compressed data: zlib or the parser stops, whichever notices
  // first; never a crash, never a quiet end.
  std::string bytes = good;
  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 16; i++) bytes[i] ^= 0x5a;
  std::ofstream(p, std::ios::binary) << bytes;
  std::vector<Rec> back;
  ladon_error err;
  EXPECT_EQ(Read(p, &back, &err), -1);
  EXPECT_NE(err.code, LADON_OK);
  // A wrong CRC-32 in the gzip trailer (RFC 1952 §2.3.1, the 8 bytes
  // before the end): the data all decode, and zlib reports the check.
  bytes = good;
  bytes[bytes.size() - 8] ^= 1;
  std::ofstream(p, std::ios::binary) << bytes;
  back.clear();
  EXPECT_EQ(Read(p, &back, &err), -1);
  EXPECT_EQ(err.code, LADON_EIO) << err.text;
  EXPECT_NE(std::string(err.text).find("corrupt gzip data"), std::string::npos) << err.text;
}

INSTANTIATE_TEST_SUITE_P(Formats, TraceGzip, ::testing::Values(".ltr.gz", ".ltb.gz"),
                         [](const auto &info) {
                           return std::string(info.param[3] == 'r' ? "ltr" : "ltb");
                         });

// ---- Streaming: memory does not grow with the trace ---------------------

long RssKiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

TEST(TraceStream, ReadingDoesNotGrowWithLength) {
  TempDir d;
  std::string p = d / "long.ltr.gz";
  // 600 000 records through the writer, then read back: the resident size
  // after the first 100 000 and after the last must be the same (the
  // reader's buffers are fixed; names are interned once).
  {
    std::vector<Rec> v = RandomRecords(1000, 5);
    ladon_error err;
    ladon_trace_writer *w = ladon_trace_writer_open(p.c_str(), LADON_TRACE_AUTO, &err);
    ASSERT_NE(w, nullptr);
    for (uint64_t i = 0; i < 600000; i++) {
      const Rec &r = v[i % v.size()];
      ladon_trace_record rec{};
      rec.t_ps = i * 1000;
      rec.src = r.src.c_str();
      rec.tlp = r.tlp;
      ASSERT_EQ(ladon_trace_write(w, &rec, &err), LADON_OK) << err.text;
    }
    ASSERT_EQ(ladon_trace_writer_close(w, &err), LADON_OK);
  }
  ladon_error err;
  ladon_trace_reader *r = ladon_trace_open(p.c_str(), &err);
  ASSERT_NE(r, nullptr);
  ladon_trace_record rec;
  uint64_t n = 0;
  long rss_early = 0;
  while (ladon_trace_reader_next(r, &rec, &err) == 1)
    if (++n == 100000) rss_early = RssKiB();
  long rss_late = RssKiB();
  ladon_trace_reader_close(r);
  EXPECT_EQ(n, 600000u);
  ASSERT_GT(rss_early, 0);
  EXPECT_LE(rss_late - rss_early, 256) << "KiB grown over 500 000 records";
}

}  // namespace
