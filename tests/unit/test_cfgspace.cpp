// Configuration space register file: bit attributes, byte enables, headers,
// BARs and bridge windows (PCIe Base 5.0 §7.2, §7.4, §7.5.1).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "pcie/cfgspace_int.h"
}

namespace {

struct CfgFree {
  void operator()(ladon__cfg *c) const { ladon__cfg_free(c); }
};
using Cfg = std::unique_ptr<ladon__cfg, CfgFree>;

ladon__cfg_ids Ids() {
  ladon__cfg_ids ids{};
  ids.vendor_id = 0x8086;
  ids.device_id = 0x10fb;
  ids.revision_id = 0x01;
  ids.class_code = 0x020000;  // network controller, Ethernet
  ids.subsys_vendor_id = 0x8086;
  ids.subsys_id = 0x000c;
  ids.interrupt_pin = 1;
  return ids;
}

Cfg Type0() {
  ladon__cfg_ids ids = Ids();
  return Cfg(ladon__cfg_new_type0(&ids, nullptr));
}

Cfg Type1(uint8_t io = 32, uint8_t pref = 64) {
  ladon__cfg_ids ids = Ids();
  ids.class_code = 0x060400;  // PCI-to-PCI bridge
  ladon__cfg_bridge_opts o{};
  o.io_window = io;
  o.pref_window = pref;
  return Cfg(ladon__cfg_new_type1(&ids, &o, nullptr));
}

uint32_t R(const Cfg &c, uint16_t off, unsigned len) {
  uint32_t v = 0xdeadbeef;
  EXPECT_EQ(ladon__cfg_read(c.get(), off, len, &v), LADON_OK) << "read at " << off;
  return v;
}

void W(const Cfg &c, uint16_t off, unsigned len, uint32_t v) {
  ASSERT_EQ(ladon__cfg_write(c.get(), off, len, v), LADON_OK) << "write at " << off;
}

ladon__cfg_bar_def Bar(ladon__bar_kind k, uint64_t size, bool pref = false) {
  ladon__cfg_bar_def d{};
  d.kind = k;
  d.size_bytes = size;
  d.prefetchable = pref;
  return d;
}

TEST(CfgSpace, IdentityRegistersAreReadOnly) {
  Cfg c = Type0();
  ASSERT_TRUE(c);
  EXPECT_EQ(R(c, PCI_VENDOR_ID, 2), 0x8086u);
  EXPECT_EQ(R(c, PCI_DEVICE_ID, 2), 0x10fbu);
  EXPECT_EQ(R(c, PCI_CLASS_REVISION, 4), 0x02000001u);  // class << 8 | revision
  EXPECT_EQ(R(c, PCI_HEADER_TYPE, 1), unsigned(PCI_HEADER_TYPE_NORMAL));
  EXPECT_EQ(R(c, PCI_SUBSYSTEM_ID, 2), 0x000cu);
  EXPECT_EQ(R(c, PCI_INTERRUPT_PIN, 1), 1u);
  W(c, PCI_VENDOR_ID, 4, 0x12345678);
  W(c, PCI_CLASS_REVISION, 4, 0xffffffff);
  W(c, PCI_SUBSYSTEM_VENDOR_ID, 4, 0);
  W(c, PCI_INTERRUPT_PIN, 1, 4);
  EXPECT_EQ(R(c, PCI_VENDOR_ID, 4), 0x10fb8086u);
  EXPECT_EQ(R(c, PCI_CLASS_REVISION, 4), 0x02000001u);
  EXPECT_EQ(R(c, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x000c8086u);
  EXPECT_EQ(R(c, PCI_INTERRUPT_PIN, 1), 1u);
  // Interrupt Line and Cache Line Size are RW (§7.5.1.1.7, §7.5.1.1.12).
  W(c, PCI_INTERRUPT_LINE, 1, 0x0b);
  W(c, PCI_CACHE_LINE_SIZE, 1, 0x10);
  EXPECT_EQ(R(c, PCI_INTERRUPT_LINE, 1), 0x0bu);
  EXPECT_EQ(R(c, PCI_CACHE_LINE_SIZE, 1), 0x10u);
}

TEST(CfgSpace, CommandKeepsOnlyThePcieWritableBits) {
  Cfg c = Type0();
  W(c, PCI_COMMAND, 2, 0xffff);
  // §7.5.1.1.3: Memory, Bus Master, Parity Error Response, SERR#, Interrupt
  // Disable are RW; I/O is hardwired 0 without I/O resources; the legacy
  // bits (special cycles, MWI, VGA snoop, stepping, fast b2b) read 0.
  uint32_t rw = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
                PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE;
  EXPECT_EQ(R(c, PCI_COMMAND, 2), rw);
  W(c, PCI_COMMAND, 2, 0);
  EXPECT_EQ(R(c, PCI_COMMAND, 2), 0u);
  // An I/O BAR makes I/O Space Enable writable.
  auto io = Bar(LADON__BAR_IO, 32);
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 0, &io, nullptr), LADON_OK);
  W(c, PCI_COMMAND, 2, 0xffff);
  EXPECT_EQ(R(c, PCI_COMMAND, 2), rw | PCI_COMMAND_IO);
}

TEST(CfgSpace, StatusErrorBitsAreWriteOneToClear) {
  Cfg c = Type0();
  const uint32_t errs = PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                        PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                        PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY;
  // Hardware raises the error bits and an Interrupt Status bit (RO).
  ASSERT_EQ(ladon__cfg_poke(c.get(), PCI_STATUS, 2, 0xffff, errs | PCI_STATUS_INTERRUPT),
            LADON_OK);
  EXPECT_EQ(R(c, PCI_STATUS, 2), errs | PCI_STATUS_INTERRUPT);
  // Writing 0s changes nothing.
  W(c, PCI_STATUS, 2, 0);
  EXPECT_EQ(R(c, PCI_STATUS, 2), errs | PCI_STATUS_INTERRUPT);
  // Writing 1 clears exactly that bit.
  W(c, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT);
  EXPECT_EQ(R(c, PCI_STATUS, 2), (errs & ~uint32_t(PCI_STATUS_REC_MASTER_ABORT)) |
                                     PCI_STATUS_INTERRUPT);
  // Writing all ones clears every RW1C bit but not the RO Interrupt Status.
  W(c, PCI_STATUS, 2, 0xffff);
  EXPECT_EQ(R(c, PCI_STATUS, 2), unsigned(PCI_STATUS_INTERRUPT));
}

TEST(CfgSpace, ByteEnablesSelectTheBytesWritten) {
  Cfg c = Type0();
  // Command (bytes 4-5) and Status (6-7) share a DW: a CfgWr with First BE
  // 0001b writes only Command's low byte.
  ladon__cfg_poke(c.get(), PCI_STATUS, 2, 0xffff, PCI_STATUS_REC_MASTER_ABORT);
  ASSERT_EQ(ladon__cfg_write_dw(c.get(), PCI_COMMAND, 0x1, 0xffffffffu), LADON_OK);
  EXPECT_EQ(R(c, PCI_COMMAND, 2),
            unsigned(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY));
  // The Status bit survived the all-ones DW because its bytes were disabled.
  EXPECT_EQ(R(c, PCI_STATUS, 2), unsigned(PCI_STATUS_REC_MASTER_ABORT));
  // BE 0010b: Command's high byte only (SERR#, Interrupt Disable).
  ASSERT_EQ(ladon__cfg_write_dw(c.get(), PCI_COMMAND, 0x2, 0), LADON_OK);
  EXPECT_EQ(R(c, PCI_COMMAND, 2),
            unsigned(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY));
  ASSERT_EQ(ladon__cfg_write_dw(c.get(), PCI_COMMAND, 0x2, 0x00000500u), LADON_OK);
  EXPECT_EQ(R(c, PCI_COMMAND, 2), unsigned(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                                           PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
                                           PCI_COMMAND_INTX_DISABLE));
  // BE 1000b clears the RW1C bit in Status' high byte (bit 13 = byte 7 bit 5).
  ASSERT_EQ(ladon__cfg_write_dw(c.get(), PCI_COMMAND, 0x8, 0xffffffffu), LADON_OK);
  EXPECT_EQ(R(c, PCI_STATUS, 2), 0u);
  // BE 0000b writes nothing.
  ASSERT_EQ(ladon__cfg_write_dw(c.get(), PCI_COMMAND, 0x0, 0), LADON_OK);
  EXPECT_NE(R(c, PCI_COMMAND, 2), 0u);
  // 1- and 2-byte writes map to the same byte enables.
  W(c, PCI_INTERRUPT_LINE, 1, 0x5a);
  EXPECT_EQ(ladon__cfg_read_dw(c.get(), PCI_INTERRUPT_LINE), 0x0000015au);  // pin 1 in byte 1
}

TEST(CfgSpace, RejectsAccessesAConfigRequestCannotExpress) {
  Cfg c = Type0();
  uint32_t v = 0;
  EXPECT_EQ(ladon__cfg_read(c.get(), 0x05, 2, &v), LADON_EINVAL);  // misaligned word
  EXPECT_EQ(ladon__cfg_read(c.get(), 0x02, 4, &v), LADON_EINVAL);  // crosses a DW
  EXPECT_EQ(ladon__cfg_read(c.get(), 0x04, 3, &v), LADON_EINVAL);  // 3 bytes
  EXPECT_EQ(ladon__cfg_read(c.get(), 0x1000, 1, &v), LADON_EINVAL);
  EXPECT_EQ(ladon__cfg_write(c.get(), 0x0e, 4, 0), LADON_EINVAL);
  EXPECT_EQ(ladon__cfg_write_dw(c.get(), 0x06, 0xf, 0), LADON_EINVAL);
  EXPECT_EQ(ladon__cfg_write_dw(c.get(), 0x04, 0x10, 0), LADON_EINVAL);
  EXPECT_EQ(ladon__cfg_write_dw(c.get(), 0x1000, 0xf, 0), LADON_EINVAL);
  EXPECT_EQ(ladon__cfg_read(nullptr, 0, 4, &v), LADON_EINVAL);
  EXPECT_EQ(ladon__cfg_read_dw(nullptr, 0), 0u);
  ladon__cfg_free(nullptr);  // a no-op
}

TEST(CfgSpace, ReservedAndUnimplementedSpaceReadsZero) {
  Cfg c = Type0();
  // No extended capabilities: the header at 100h reads 0 (§7.6.3), and so
  // does everything up to FFFh, whatever is written.
  for (uint16_t off = 0x100; off < 0x1000; off += 4) {
    ASSERT_EQ(ladon__cfg_write_dw(c.get(), off, 0xf, 0xffffffffu), LADON_OK);
    ASSERT_EQ(ladon__cfg_read_dw(c.get(), off), 0u) << off;
  }
  EXPECT_EQ(c->ext_len, 0u);  // nothing was allocated for it
  // Type 0 reserved bytes 35h-3Bh and the capability area without caps.
  for (uint16_t off = 0x38; off < 0x3c; off++) W(c, off, 1, 0xff);
  EXPECT_EQ(R(c, 0x38, 4), 0u);
  W(c, 0x40, 4, 0xffffffff);
  EXPECT_EQ(R(c, 0x40, 4), 0u);
  // Latency Timer and BIST are RO 0 in PCIe.
  W(c, PCI_LATENCY_TIMER, 1, 0xff);
  W(c, PCI_BIST, 1, 0xff);
  EXPECT_EQ(R(c, PCI_LATENCY_TIMER, 1), 0u);
  EXPECT_EQ(R(c, PCI_BIST, 1), 0u);
}

TEST(CfgSpace, MemoryBarSizingReadsBackTheSizeMask) {
  Cfg c = Type0();
  auto m32 = Bar(LADON__BAR_MEM32, 4096);
  auto p32 = Bar(LADON__BAR_MEM32, 1u << 20, true);
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 0, &m32, nullptr), LADON_OK);
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 1, &p32, nullptr), LADON_OK);
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_0, 4), 0u);  // reset value: type bits only
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_1, 4), unsigned(PCI_BASE_ADDRESS_MEM_PREFETCH));
  W(c, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
  W(c, PCI_BASE_ADDRESS_1, 4, 0xffffffff);
  // Size mask = ~(size - 1) over the address bits, type bits unchanged.
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_0, 4), ~(4096u - 1u));  // FFFFF000h
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_1, 4), ~((1u << 20) - 1u) | PCI_BASE_ADDRESS_MEM_PREFETCH);
  // Firmware derives the size as ~(mask & ~0xF) + 1.
  EXPECT_EQ(~(R(c, PCI_BASE_ADDRESS_0, 4) & PCI_BASE_ADDRESS_MEM_MASK) + 1u, 4096u);
}

TEST(CfgSpace, SixtyFourBitBarSizingCoversBothHalves) {
  Cfg c = Type0();
  auto small = Bar(LADON__BAR_MEM64, 16384, true);
  auto big = Bar(LADON__BAR_MEM64, uint64_t(8) << 30, true);  // 8 GiB
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 0, &small, nullptr), LADON_OK);
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 2, &big, nullptr), LADON_OK);
  const uint32_t flags = PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH;  // Ch
  for (uint16_t off = PCI_BASE_ADDRESS_0; off <= PCI_BASE_ADDRESS_3; off += 4)
    W(c, off, 4, 0xffffffff);
  uint64_t m_small = ~(uint64_t(16384) - 1);
  uint64_t m_big = ~((uint64_t(8) << 30) - 1);
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_0, 4), uint32_t(m_small) | flags);  // FFFFC00Ch
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_1, 4), uint32_t(m_small >> 32));   // FFFFFFFFh
  // 8 GiB: every lower address bit is below the size, so only type bits.
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_2, 4), uint32_t(m_big) | flags);  // 0000000Ch
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_3, 4), uint32_t(m_big >> 32));    // FFFFFFFEh
  // Program 0x0000_0004_8000_0000 into the small one and decode it.
  W(c, PCI_BASE_ADDRESS_0, 4, 0x80000000u);
  W(c, PCI_BASE_ADDRESS_1, 4, 0x4u);
  ladon__cfg_range r{};
  ASSERT_EQ(ladon__cfg_bar_range(c.get(), 0, &r), LADON_OK);
  EXPECT_EQ(r.base, 0x480000000ull);
  EXPECT_EQ(r.size_bytes, 16384u);
  EXPECT_EQ(r.kind, LADON__BAR_MEM64);
  EXPECT_TRUE(r.prefetchable);
  EXPECT_FALSE(r.enabled);  // Memory Space Enable is still 0
  W(c, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
  ASSERT_EQ(ladon__cfg_bar_range(c.get(), 0, &r), LADON_OK);
  EXPECT_TRUE(r.enabled);
  // The upper half is not a BAR by itself.
  EXPECT_EQ(ladon__cfg_bar_range(c.get(), 1, &r), LADON_ENOENT);
  EXPECT_EQ(ladon__cfg_bar_range(c.get(), 4, &r), LADON_ENOENT);
}

TEST(CfgSpace, IoBarSizingAndDecode) {
  Cfg c = Type0();
  auto io = Bar(LADON__BAR_IO, 32);
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 4, &io, nullptr), LADON_OK);
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_4, 4), unsigned(PCI_BASE_ADDRESS_SPACE_IO));
  W(c, PCI_BASE_ADDRESS_4, 4, 0xffffffff);
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_4, 4), ~(32u - 1u) | PCI_BASE_ADDRESS_SPACE_IO);  // FFFFFFE1h
  W(c, PCI_BASE_ADDRESS_4, 4, 0xe03f);  // low 5 bits are not address bits
  ladon__cfg_range r{};
  ASSERT_EQ(ladon__cfg_bar_range(c.get(), 4, &r), LADON_OK);
  EXPECT_EQ(r.base, 0xe020u);
  EXPECT_EQ(r.kind, LADON__BAR_IO);
  EXPECT_FALSE(r.enabled);
  W(c, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);  // memory enable does not enable I/O
  ASSERT_EQ(ladon__cfg_bar_range(c.get(), 4, &r), LADON_OK);
  EXPECT_FALSE(r.enabled);
  W(c, PCI_COMMAND, 2, PCI_COMMAND_IO);
  ASSERT_EQ(ladon__cfg_bar_range(c.get(), 4, &r), LADON_OK);
  EXPECT_TRUE(r.enabled);
}

TEST(CfgSpace, BadBarsAreRejectedNamingTheBar) {
  Cfg c = Type0();
  ladon_error err{};
  auto odd = Bar(LADON__BAR_MEM32, 24);
  EXPECT_EQ(ladon__cfg_add_bar(c.get(), 2, &odd, &err), LADON_ESPEC);
  EXPECT_NE(std::string(err.text).find("BAR2"), std::string::npos) << err.text;
  auto tiny = Bar(LADON__BAR_MEM32, 8);
  EXPECT_EQ(ladon__cfg_add_bar(c.get(), 0, &tiny, &err), LADON_ESPEC);
  auto io_small = Bar(LADON__BAR_IO, 2);
  EXPECT_EQ(ladon__cfg_add_bar(c.get(), 0, &io_small, &err), LADON_ESPEC);
  auto io_big = Bar(LADON__BAR_IO, 512);
  EXPECT_EQ(ladon__cfg_add_bar(c.get(), 0, &io_big, &err), LADON_ESPEC);
  auto io_pref = Bar(LADON__BAR_IO, 16, true);
  EXPECT_EQ(ladon__cfg_add_bar(c.get(), 0, &io_pref, &err), LADON_EINVAL);
  auto huge32 = Bar(LADON__BAR_MEM32, uint64_t(4) << 30);
  EXPECT_EQ(ladon__cfg_add_bar(c.get(), 0, &huge32, &err), LADON_ESPEC);
  auto m64 = Bar(LADON__BAR_MEM64, 4096);
  EXPECT_EQ(ladon__cfg_add_bar(c.get(), 5, &m64, &err), LADON_ESPEC);
  EXPECT_NE(std::string(err.text).find("BAR5"), std::string::npos) << err.text;
  EXPECT_EQ(ladon__cfg_add_bar(c.get(), 6, &m64, &err), LADON_ERANGE);
  // Taken registers.
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 0, &m64, &err), LADON_OK);
  auto m32 = Bar(LADON__BAR_MEM32, 4096);
  EXPECT_EQ(ladon__cfg_add_bar(c.get(), 1, &m32, &err), LADON_EEXIST);
  EXPECT_NE(std::string(err.text).find("BAR1"), std::string::npos) << err.text;
  // Nothing was defined by the rejected calls: BAR2..5 still read 0 after
  // all-ones writes.
  for (uint16_t off = PCI_BASE_ADDRESS_2; off <= PCI_BASE_ADDRESS_5; off += 4) {
    W(c, off, 4, 0xffffffff);
    EXPECT_EQ(R(c, off, 4), 0u) << off;
  }
  // A Type 1 header has two BARs.
  Cfg b = Type1();
  EXPECT_EQ(ladon__cfg_add_bar(b.get(), 2, &m32, &err), LADON_ERANGE);
  EXPECT_EQ(ladon__cfg_add_bar(b.get(), 1, &m64, &err), LADON_ESPEC);
  EXPECT_EQ(ladon__cfg_add_bar(b.get(), 0, &m64, &err), LADON_OK);
}

TEST(CfgSpace, ExpansionRomSizingAndEnable) {
  Cfg c = Type0();
  ladon_error err{};
  EXPECT_EQ(ladon__cfg_add_rom(c.get(), 1024, &err), LADON_ESPEC);  // below 2 KiB
  ASSERT_EQ(ladon__cfg_add_rom(c.get(), 64 * 1024, &err), LADON_OK);
  W(c, PCI_ROM_ADDRESS, 4, 0xffffffff);
  EXPECT_EQ(R(c, PCI_ROM_ADDRESS, 4), ~(65536u - 1u) | PCI_ROM_ADDRESS_ENABLE);
  W(c, PCI_ROM_ADDRESS, 4, 0xfeb00000u | PCI_ROM_ADDRESS_ENABLE);
  ladon__cfg_range r{};
  ASSERT_EQ(ladon__cfg_rom_range(c.get(), &r), LADON_OK);
  EXPECT_EQ(r.base, 0xfeb00000u);
  EXPECT_FALSE(r.enabled);  // needs Memory Space Enable too (§7.5.1.2.4)
  W(c, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
  ASSERT_EQ(ladon__cfg_rom_range(c.get(), &r), LADON_OK);
  EXPECT_TRUE(r.enabled);
  W(c, PCI_ROM_ADDRESS, 4, 0xfeb00000u);
  ASSERT_EQ(ladon__cfg_rom_range(c.get(), &r), LADON_OK);
  EXPECT_FALSE(r.enabled);
}

TEST(CfgSpace, Type1BusNumbersAndBridgeControl) {
  Cfg b = Type1();
  ASSERT_TRUE(b);
  EXPECT_EQ(R(b, PCI_HEADER_TYPE, 1), unsigned(PCI_HEADER_TYPE_BRIDGE));
  W(b, PCI_PRIMARY_BUS, 4, 0xff050403u);  // latency timer byte is RO 0
  EXPECT_EQ(R(b, PCI_PRIMARY_BUS, 4), 0x00050403u);
  ladon__cfg_bridge d{};
  ASSERT_EQ(ladon__cfg_bridge_decode(b.get(), &d), LADON_OK);
  EXPECT_EQ(d.primary, 3);
  EXPECT_EQ(d.secondary, 4);
  EXPECT_EQ(d.subordinate, 5);
  EXPECT_TRUE(d.bus_valid);
  W(b, PCI_SUBORDINATE_BUS, 1, 3);  // below secondary: claims no bus
  ASSERT_EQ(ladon__cfg_bridge_decode(b.get(), &d), LADON_OK);
  EXPECT_FALSE(d.bus_valid);
  // Bridge Control: Secondary Bus Reset RW, Master Abort Mode and Fast
  // Back-to-Back RO 0 in PCIe; no VGA support here.
  W(b, PCI_BRIDGE_CONTROL, 2, 0xffff);
  EXPECT_EQ(R(b, PCI_BRIDGE_CONTROL, 2),
            unsigned(PCI_BRIDGE_CTL_PARITY | PCI_BRIDGE_CTL_SERR | PCI_BRIDGE_CTL_BUS_RESET));
  ASSERT_EQ(ladon__cfg_bridge_decode(b.get(), &d), LADON_OK);
  EXPECT_TRUE(d.secondary_reset);
  // Secondary Status RW1C.
  ladon__cfg_poke(b.get(), PCI_SEC_STATUS, 2, 0xffff, 0x4000);  // Received System Error
  W(b, PCI_SEC_STATUS, 2, 0x2000);
  EXPECT_EQ(R(b, PCI_SEC_STATUS, 2), 0x4000u);
  W(b, PCI_SEC_STATUS, 2, 0x4000);
  EXPECT_EQ(R(b, PCI_SEC_STATUS, 2), 0u);
  // Decoding a Type 0 space as a bridge is an error.
  Cfg e = Type0();
  EXPECT_EQ(ladon__cfg_bridge_decode(e.get(), &d), LADON_EINVAL);
}

TEST(CfgSpace, MemoryWindowDecodesIn1MiBGranules) {
  Cfg b = Type1();
  // Bits [3:0] are RO 0, so 1234h reads back as 1230h.
  W(b, PCI_MEMORY_BASE, 2, 0x1234);
  W(b, PCI_MEMORY_LIMIT, 2, 0x125f);
  EXPECT_EQ(R(b, PCI_MEMORY_BASE, 2), 0x1230u);
  EXPECT_EQ(R(b, PCI_MEMORY_LIMIT, 2), 0x1250u);
  ladon__cfg_bridge d{};
  ASSERT_EQ(ladon__cfg_bridge_decode(b.get(), &d), LADON_OK);
  // base = 123h << 20; limit = (125h << 20) | FFFFFh.
  EXPECT_EQ(d.mem.base, uint64_t(0x123) << 20);
  EXPECT_EQ(d.mem.limit, (uint64_t(0x125) << 20) | 0xfffff);
  EXPECT_EQ(d.mem.limit - d.mem.base + 1, uint64_t(3) << 20);  // three 1 MiB granules
  EXPECT_TRUE(d.mem.valid);
  EXPECT_FALSE(d.mem.enabled);
  W(b, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
  ASSERT_EQ(ladon__cfg_bridge_decode(b.get(), &d), LADON_OK);
  EXPECT_TRUE(d.mem.enabled);
  // Base FFF0h above limit 0000h: the window is closed.
  W(b, PCI_MEMORY_BASE, 2, 0xfff0);
  W(b, PCI_MEMORY_LIMIT, 2, 0x0000);
  ASSERT_EQ(ladon__cfg_bridge_decode(b.get(), &d), LADON_OK);
  EXPECT_EQ(d.mem.base, 0xfff00000u);
  EXPECT_EQ(d.mem.limit, 0x000fffffu);
  EXPECT_FALSE(d.mem.valid);
  EXPECT_FALSE(d.mem.enabled);
  // Base == limit: one 1 MiB granule.
  W(b, PCI_MEMORY_LIMIT, 2, 0xfff0);
  ASSERT_EQ(ladon__cfg_bridge_decode(b.get(), &d), LADON_OK);
  EXPECT_TRUE(d.mem.enabled);
  EXPECT_EQ(d.mem.limit - d.mem.base + 1, uint64_t(1) << 20);
}

TEST(CfgSpace, PrefetchableWindowDecodes64Bit) {
  Cfg b = Type1(0, 64);
  // Bits [3:0] read 1h: 64-bit addressing (§7.5.1.3.9).
  EXPECT_EQ(R(b, PCI_PREF_MEMORY_BASE, 2), unsigned(PCI_PREF_RANGE_TYPE_64));
  W(b, PCI_PREF_MEMORY_BASE, 2, 0xabc0);
  W(b, PCI_PREF_MEMORY_LIMIT, 2, 0xabdf);
  W(b, PCI_PREF_BASE_UPPER32, 4, 0x1);
  W(b, PCI_PREF_LIMIT_UPPER32, 4, 0x1);
  EXPECT_EQ(R(b, PCI_PREF_MEMORY_BASE, 2), 0xabc1u);
  EXPECT_EQ(R(b, PCI_PREF_MEMORY_LIMIT, 2), 0xabd1u);
  W(b, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
  ladon__cfg_bridge d{};
  ASSERT_EQ(ladon__cfg_bridge_decode(b.get(), &d), LADON_OK);
  EXPECT_TRUE(d.pref_64);
  EXPECT_EQ(d.pref.base, (uint64_t(1) << 32) | (uint64_t(0xabc) << 20));  // 1_ABC0_0000h
  EXPECT_EQ(d.pref.limit, (uint64_t(1) << 32) | (uint64_t(0xabd) << 20) | 0xfffff);
  EXPECT_TRUE(d.pref.enabled);
  // The upper 32 bits order the comparison: base 2_xxxx above limit 1_xxxx.
  W(b, PCI_PREF_BASE_UPPER32, 4, 0x2);
  ASSERT_EQ(ladon__cfg_bridge_decode(b.get(), &d), LADON_OK);
  EXPECT_FALSE(d.pref.valid);

  // A 32-bit prefetchable window has no upper registers.
  Cfg p32 = Type1(0, 32);
  W(p32, PCI_PREF_BASE_UPPER32, 4, 0xffffffff);
  EXPECT_EQ(R(p32, PCI_PREF_BASE_UPPER32, 4), 0u);
  EXPECT_EQ(R(p32, PCI_PREF_MEMORY_BASE, 2), unsigned(PCI_PREF_RANGE_TYPE_32));
  // No prefetchable window at all: RO 0, decoded as not implemented.
  Cfg none = Type1(0, 0);
  W(none, PCI_PREF_MEMORY_BASE, 4, 0xffffffff);
  EXPECT_EQ(R(none, PCI_PREF_MEMORY_BASE, 4), 0u);
  ASSERT_EQ(ladon__cfg_bridge_decode(none.get(), &d), LADON_OK);
  EXPECT_FALSE(d.pref.implemented);
  EXPECT_FALSE(d.pref.valid);
}

TEST(CfgSpace, IoWindowDecodesIn4KiBGranules) {
  Cfg b = Type1(16, 0);
  EXPECT_EQ(R(b, PCI_IO_BASE, 1), unsigned(PCI_IO_RANGE_TYPE_16));
  W(b, PCI_IO_BASE, 1, 0x2f);  // low nibble RO
  W(b, PCI_IO_LIMIT, 1, 0x30);
  W(b, PCI_IO_BASE_UPPER16, 2, 0xffff);  // absent with 16-bit I/O
  EXPECT_EQ(R(b, PCI_IO_BASE, 1), 0x20u);
  EXPECT_EQ(R(b, PCI_IO_BASE_UPPER16, 2), 0u);
  // I/O Space Enable became writable because the bridge has an I/O window.
  W(b, PCI_COMMAND, 2, PCI_COMMAND_IO);
  ladon__cfg_bridge d{};
  ASSERT_EQ(ladon__cfg_bridge_decode(b.get(), &d), LADON_OK);
  EXPECT_EQ(d.io.base, 0x2000u);  // 2h << 12
  EXPECT_EQ(d.io.limit, 0x3fffu); // (3h << 12) | FFFh
  EXPECT_TRUE(d.io.enabled);
  EXPECT_FALSE(d.mem.enabled);    // memory windows follow Memory Space Enable

  Cfg b32 = Type1(32, 0);
  EXPECT_EQ(R(b32, PCI_IO_LIMIT, 1), unsigned(PCI_IO_RANGE_TYPE_32));
  W(b32, PCI_IO_BASE, 1, 0x10);
  W(b32, PCI_IO_LIMIT, 1, 0x10);
  W(b32, PCI_IO_BASE_UPPER16, 2, 0x0001);
  W(b32, PCI_IO_LIMIT_UPPER16, 2, 0x0001);
  ASSERT_EQ(ladon__cfg_bridge_decode(b32.get(), &d), LADON_OK);
  EXPECT_EQ(d.io.base, 0x11000u);
  EXPECT_EQ(d.io.limit, 0x11fffu);

  Cfg noio = Type1(0, 0);
  W(noio, PCI_IO_BASE, 2, 0xffff);
  W(noio, PCI_COMMAND, 2, 0xffff);
  EXPECT_EQ(R(noio, PCI_IO_BASE, 2), 0u);
  EXPECT_EQ(R(noio, PCI_COMMAND, 2) & PCI_COMMAND_IO, 0u);
  ASSERT_EQ(ladon__cfg_bridge_decode(noio.get(), &d), LADON_OK);
  EXPECT_FALSE(d.io.implemented);
  EXPECT_FALSE(d.io.enabled);
}

struct Seen {
  std::vector<ladon__cfg_write_ev> evs;
  static void Fn(ladon__cfg *, const ladon__cfg_write_ev *ev, void *ctx) {
    static_cast<Seen *>(ctx)->evs.push_back(*ev);
  }
};

TEST(CfgSpace, WatchesRunAfterChangingWrites) {
  Cfg b = Type1();
  Seen win, all;
  ASSERT_EQ(ladon__cfg_watch(b.get(), PCI_MEMORY_BASE, 4, LADON__CFG_WATCH_CHANGES, Seen::Fn,
                             &win),
            LADON_OK);
  ASSERT_EQ(ladon__cfg_watch(b.get(), PCI_PRIMARY_BUS, 3, LADON__CFG_WATCH_ALL, Seen::Fn, &all),
            LADON_OK);
  W(b, PCI_MEMORY_BASE, 2, 0x1000);
  ASSERT_EQ(win.evs.size(), 1u);
  EXPECT_EQ(win.evs[0].off, PCI_MEMORY_BASE);
  EXPECT_EQ(win.evs[0].be, 0x3);
  EXPECT_EQ(win.evs[0].old_dw, 0u);
  EXPECT_EQ(win.evs[0].new_dw, 0x1000u);
  W(b, PCI_MEMORY_BASE, 2, 0x1000);  // same value: no change, no call
  W(b, PCI_MEMORY_BASE, 2, 0x100f);  // only RO bits differ: no change
  EXPECT_EQ(win.evs.size(), 1u);
  W(b, PCI_MEMORY_LIMIT, 2, 0x2000);  // other half of the watched range
  EXPECT_EQ(win.evs.size(), 2u);
  W(b, PCI_PREF_MEMORY_BASE, 2, 0x3000);  // outside: not called
  EXPECT_EQ(win.evs.size(), 2u);
  // A watch with LADON__CFG_WATCH_ALL sees unchanged writes too, but not a
  // write whose enabled bytes miss the range (the latency timer byte).
  W(b, PCI_SECONDARY_BUS, 1, 0);
  W(b, PCI_SEC_LATENCY_TIMER, 1, 0x40);
  ASSERT_EQ(all.evs.size(), 1u);
  EXPECT_EQ(all.evs[0].be, 0x2);
}

TEST(CfgSpace, ResetRestoresDefaultsAndKeepsAttributes) {
  Cfg c = Type0();
  auto m = Bar(LADON__BAR_MEM32, 4096);
  ASSERT_EQ(ladon__cfg_add_bar(c.get(), 0, &m, nullptr), LADON_OK);
  W(c, PCI_BASE_ADDRESS_0, 4, 0xfe000000u);
  W(c, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
  ladon__cfg_poke(c.get(), PCI_STATUS, 2, 0xffff, PCI_STATUS_SIG_TARGET_ABORT);
  ladon__cfg_reset(c.get());
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_0, 4), 0u);
  EXPECT_EQ(R(c, PCI_COMMAND, 2), 0u);
  EXPECT_EQ(R(c, PCI_STATUS, 2), 0u);
  EXPECT_EQ(R(c, PCI_VENDOR_ID, 2), 0x8086u);
  W(c, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
  EXPECT_EQ(R(c, PCI_BASE_ADDRESS_0, 4), 0xfffff000u);
}

TEST(CfgSpace, ConstructorsRejectBadIdentity) {
  ladon__cfg_ids ids = Ids();
  ladon_error err{};
  ids.interrupt_pin = 5;
  EXPECT_EQ(ladon__cfg_new_type0(&ids, &err), nullptr);
  EXPECT_EQ(err.code, LADON_EINVAL);
  ids = Ids();
  ids.class_code = 0x1000000;
  EXPECT_EQ(ladon__cfg_new_type0(&ids, &err), nullptr);
  ids = Ids();
  ladon__cfg_bridge_opts o{};
  o.io_window = 8;
  EXPECT_EQ(ladon__cfg_new_type1(&ids, &o, &err), nullptr);
  o.io_window = 0;
  o.pref_window = 48;
  EXPECT_EQ(ladon__cfg_new_type1(&ids, &o, &err), nullptr);
  EXPECT_EQ(ladon__cfg_new_type0(nullptr, &err), nullptr);
}

TEST(CfgSpace, FootprintStaysCompact) {
  // The PCI-compatible 256 B cost four inline byte arrays (value, RW mask,
  // RW1C mask, reset default = 1 KiB) plus bookkeeping (BAR definitions, the
  // 1024-bit DW allocation map); the extended part is allocated only up to
  // the last extended capability.  Budget: 1.5 KiB fixed, against the
  // 3 x 4 KiB = 12 KiB a flat value/RW/RW1C layout would take.
  EXPECT_LE(sizeof(ladon__cfg), 1536u);
  Cfg c = Type0();
  EXPECT_EQ(c->ext_len, 0u);
  uint16_t off = 0;
  ASSERT_EQ(ladon__cfg_add_ext_cap(c.get(), PCI_EXT_CAP_ID_ARI, 1, 8, 0, &off, nullptr),
            LADON_OK);
  EXPECT_EQ(off, 0x100u);
  EXPECT_EQ(c->ext_len, 256u);  // 8 bytes at 100h round up to one 256 B step
  ASSERT_EQ(ladon__cfg_add_ext_cap(c.get(), 0x0b, 1, 16, 0x3f0, &off, nullptr), LADON_OK);
  EXPECT_EQ(c->ext_len, 0x300u);  // up to 3F0h + 16 = 400h, i.e. 300h past 100h
}

}  // namespace
