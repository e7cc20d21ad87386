// The sample traces in traces/: how each is made (by the writer, from the
// generators below), and that the committed files still hold exactly that.
// LADON_REGEN_SAMPLES=1 rewrites traces/ from the generators instead.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

extern "C" {
#include "ladon/trace.h"
}

namespace {

const std::string kTraces = std::string(LADON_SOURCE_DIR) + "/traces/";

using Gen = std::function<void(std::vector<ladon_trace_record> *)>;

ladon_trace_record Req(uint64_t t, const char *src, ladon_tlp_type type, uint16_t rid,
                       uint64_t addr, uint32_t len, uint16_t tag) {
  ladon_trace_record r{};
  r.t_ps = t;
  r.src = src;
  r.tlp.type = (uint8_t)type;
  r.tlp.req_id = rid;
  r.tlp.tag = tag;
  ladon_tlp_set_range(&r.tlp, addr, len, nullptr);
  return r;
}

ladon_trace_record Cpl(uint64_t t, const char *src, uint16_t cpl_id, uint16_t rid,
                       uint16_t tag, uint16_t dw, uint16_t byte_count) {
  ladon_trace_record r{};
  r.t_ps = t;
  r.src = src;
  r.tlp.type = LADON_TLP_CPLD;
  r.tlp.cpl_id = cpl_id;
  r.tlp.req_id = rid;
  r.tlp.tag = tag;
  r.tlp.length_dw = dw;
  r.tlp.byte_count = byte_count;
  return r;
}

const uint16_t kVf = LADON_TLP_ID(3, 0x10, 1);  // 03:10.1
const uint16_t kRc = LADON_TLP_ID(0, 0, 0);

// Raw DMA stream: a VF writes four 4 KiB buffers to host memory above
// 4 GiB as MWr of 256 B (Max Payload Size 256), back to back at the wire
// time of one such TLP on a Gen3 x8 link: 4 DW header + 256 B + 8 B of
// STP token and LCRC = 280 B; Gen3 x8 moves 8 GT/s * 8 lanes * 128/130 /
// 8 bits = 7.877 GB/s (pcie-facts.md); 280 B / 7.877 GB/s = 35.547 ns.
const uint64_t kMwrSpacingPs = 35547;
void DmaWriteStream(std::vector<ladon_trace_record> *v) {
  for (uint64_t i = 0; i < 64; i++)
    v->push_back(Req(i * kMwrSpacingPs, "03:10.1", LADON_TLP_MWR, kVf,
                     0x200000000ull + i * 256, 256, 0));
}

// Request-response: a CPU driver rings a doorbell (MWr 4 B) and polls a
// status register (MRd 4 B) of the device at 03:00.0 behind BAR
// 0xf0000000; each read completes 1 us later (CplD 4 B from the device).
void MmioRequestResponse(std::vector<ladon_trace_record> *v) {
  const uint16_t dev = LADON_TLP_ID(3, 0, 0);
  for (uint16_t k = 0; k < 8; k++) {
    uint64_t t = k * 2000000ull;  // a round every 2 us
    v->push_back(Req(t, "cpu0", LADON_TLP_MWR, kRc, 0xf0000100, 4, 0));
    v->push_back(Req(t + 100000, "cpu0", LADON_TLP_MRD, kRc, 0xf0000200, 4, k));
    v->push_back(Cpl(t + 1100000, "03:00.0", dev, kRc, k, 1, 4));
  }
}

// DMA read with split completions: the VF reads 2 KiB as four MRd of
// 512 B (Max Read Request Size 512); the root complex answers each with
// two CplD of 256 B (Max Payload Size 256), the first with Byte Count 512,
// the second with the remaining 256 (PCIe Base 6.0 §2.3.1.1).
void DmaReadSplit(std::vector<ladon_trace_record> *v) {
  for (uint16_t k = 0; k < 4; k++)
    v->push_back(Req(k * 50000ull, "03:10.1", LADON_TLP_MRD, kVf,
                     0x200000000ull + k * 512ull, 512, k));
  for (uint16_t k = 0; k < 4; k++) {
    uint64_t t = 800000 + k * 80000ull;
    v->push_back(Cpl(t, "rc", kRc, kVf, k, 64, 512));
    v->push_back(Cpl(t + 40000, "rc", kRc, kVf, k, 64, 256));
  }
}

struct Sample {
  const char *file;
  Gen gen;
};

const Sample kSamples[] = {
    {"dma-write-stream.ltr.gz", DmaWriteStream},
    {"mmio-req-resp.ltr.gz", MmioRequestResponse},
    {"dma-read-split.ltb.gz", DmaReadSplit},
};

std::string Inflate(const std::string &p) {
  gzFile f = gzopen(p.c_str(), "rb");
  std::string out;
  if (f == nullptr) return out;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, (size_t)n);
  gzclose(f);
  return out;
}

void WriteSample(const std::string &path, const Gen &gen) {
  std::vector<ladon_trace_record> v;
  gen(&v);
  ladon_error err;
  ladon_trace_writer *w = ladon_trace_writer_open(path.c_str(), LADON_TRACE_AUTO, &err);
  ASSERT_NE(w, nullptr) << err.text;
  for (const auto &r : v) ASSERT_EQ(ladon_trace_write(w, &r, &err), LADON_OK) << err.text;
  ASSERT_EQ(ladon_trace_writer_close(w, &err), LADON_OK) << err.text;
}

TEST(TraceSamples, CommittedFilesMatchTheirGenerators) {
  bool regen = std::getenv("LADON_REGEN_SAMPLES") != nullptr;
  char tmpl[] = "/tmp/ladon-trace-samples-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  for (const Sample &s : kSamples) {
    std::string fresh = dir + "/" + s.file;
    WriteSample(regen ? kTraces + s.file : fresh, s.gen);
    if (regen) continue;
    std::string want = Inflate(fresh), got = Inflate(kTraces + s.file);
    EXPECT_FALSE(got.empty()) << s.file << " is missing";
    EXPECT_EQ(got, want) << s.file << " differs from its generator; "
                         << "LADON_REGEN_SAMPLES=1 rewrites it";
  }
  std::system(("rm -rf '" + dir + "'").c_str());
}

struct Summary {
  size_t tlps = 0, with_data_bytes = 0;
  uint64_t first = 0, last = 0;
  std::vector<ladon_tlp> tlps_v;
};

Summary Read(const std::string &file) {
  Summary s;
  ladon_error err;
  ladon_trace_reader *r = ladon_trace_open((kTraces + file).c_str(), &err);
  EXPECT_NE(r, nullptr) << err.text;
  if (r == nullptr) return s;
  EXPECT_TRUE(ladon_trace_reader_gzip(r));
  ladon_trace_record rec;
  int rc;
  while ((rc = ladon_trace_reader_next(r, &rec, &err)) == 1) {
    if (s.tlps++ == 0) s.first = rec.t_ps;
    s.last = rec.t_ps;
    if (ladon_tlp_type_has_data((ladon_tlp_type)rec.tlp.type))
      s.with_data_bytes += ladon_trace_len_bytes(&rec.tlp);
    s.tlps_v.push_back(rec.tlp);
  }
  EXPECT_EQ(rc, 0) << err.text;
  ladon_trace_reader_close(r);
  return s;
}

TEST(TraceSamples, DmaWriteStreamRunsAtGen3x8LineRate) {
  Summary s = Read("dma-write-stream.ltr.gz");
  ASSERT_EQ(s.tlps, 64u);
  EXPECT_EQ(s.with_data_bytes, 64u * 256u);
  // 63 gaps of 35.547 ns; 256 B every 35.547 ns is 7.2 GB/s of payload,
  // 256/280 of the 7.877 GB/s link.
  EXPECT_EQ(s.last - s.first, 63u * kMwrSpacingPs);
  double gbps = 63.0 * 256 / ((double)(s.last - s.first) * 1e-12) / 1e9;
  EXPECT_NEAR(gbps, 7.877 * 256 / 280, 0.005);
}

TEST(TraceSamples, MmioReadsAreAnswered) {
  Summary s = Read("mmio-req-resp.ltr.gz");
  ASSERT_EQ(s.tlps, 24u);
  for (size_t i = 0; i < s.tlps; i += 3) {
    EXPECT_EQ(s.tlps_v[i].type, LADON_TLP_MWR);
    EXPECT_EQ(s.tlps_v[i + 1].type, LADON_TLP_MRD);
    EXPECT_EQ(s.tlps_v[i + 2].type, LADON_TLP_CPLD);
    EXPECT_EQ(s.tlps_v[i + 1].tag, s.tlps_v[i + 2].tag);
  }
}

TEST(TraceSamples, SplitCompletionsDeliverEveryByteRead) {
  Summary s = Read("dma-read-split.ltb.gz");
  ASSERT_EQ(s.tlps, 12u);
  // 4 reads of 512 B: the completions carry 4 * 512 = 2048 B.
  EXPECT_EQ(s.with_data_bytes, 2048u);
  for (size_t i = 4; i < 12; i += 2) {
    EXPECT_EQ(s.tlps_v[i].byte_count, 512u);
    EXPECT_EQ(s.tlps_v[i + 1].byte_count, 256u);
  }
}

}  // namespace
