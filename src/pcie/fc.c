/*
** Flow-control scale selection and the data link layer latency tables.
*/
#include "ladon/link.h"
#include "pcie/fc_int.h"

const char *const ladon__fc_type_names[LADON__FC_TYPES] = {
    "PH", "PD", "NPH", "NPD", "CplH", "CplD"};

bool ladon__fc_pick_scale(uint32_t credits, bool hdr, bool scaled,
                          ladon__fc_scale *out, uint32_t *max_out) {
  /* Table 3-4: Max Credits 127 / 2,047 at factor 1, x4 at factor 4 (field
  ** 10 / 14 bits), x16 at factor 16 (12 / 16 bits). */
  static const uint8_t shifts[3] = {0, 2, 4};
  const uint32_t base_max = hdr ? 127u : 2047u;
  const uint8_t base_bits = hdr ? 8u : 12u;
  unsigned i, n = scaled ? 3u : 1u;
  for (i = 0; i < n; i++) {
    uint32_t max = base_max << shifts[i];
    if (credits <= max) {
      *out = ladon__fc_scale_make(shifts[i], base_bits + shifts[i]);
      return true;
    }
  }
  if (max_out) *max_out = base_max << shifts[n - 1];
  return false;
}

/*
** Maximum Ack Latency Limits in symbol times, PCIe Base 6.0 §3.6.3.1
** Table 3-10 (2.5 GT/s), Table 3-11 (5.0 GT/s), Table 3-12 (8.0 GT/s and
** higher); PCIe Base 5.0 Tables 3-7..3-9.  The x32 column is from the
** identical UpdateFC guideline Tables 2-52..2-54 (6.0), which keep it.
** Every entry is floor((Max_Payload_Size + 28) * AckFactor / Width +
** InternalDelay) with InternalDelay 19, 70 and 115 symbol times; the unit
** test re-derives them.  Rows: MPS 128..4096; columns: x1 x2 x4 x8 x16 x32.
*/
static const uint16_t ack_table[3][6][6] = {
    {/* 2.5 GT/s */
     {237, 128, 73, 67, 48, 33},
     {416, 217, 118, 107, 72, 45},
     {559, 289, 154, 86, 86, 52},
     {1071, 545, 282, 150, 150, 84},
     {2095, 1057, 538, 278, 278, 148},
     {4143, 2081, 1050, 534, 534, 276}},
    {/* 5.0 GT/s */
     {288, 179, 124, 118, 99, 84},
     {467, 268, 169, 158, 123, 96},
     {610, 340, 205, 137, 137, 103},
     {1122, 596, 333, 201, 201, 135},
     {2146, 1108, 589, 329, 329, 199},
     {4194, 2132, 1101, 585, 585, 327}},
    {/* 8.0 GT/s and higher */
     {333, 224, 169, 163, 144, 129},
     {512, 313, 214, 203, 168, 141},
     {655, 385, 250, 182, 182, 148},
     {1167, 641, 378, 246, 246, 180},
     {2191, 1153, 634, 374, 374, 244},
     {4239, 2177, 1146, 630, 630, 372}},
};

static int width_col(unsigned width) {
  switch (width) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    case 8: return 3;
    case 16: return 4;
    case 32: return 5;
    default: return -1;
  }
}

static int mps_row(uint32_t mps) {
  int r = 0;
  uint32_t m;
  for (m = 128; m <= 4096; m <<= 1, r++)
    if (m == mps) return r;
  return -1;
}

uint32_t ladon__ack_latency_syms(unsigned gen, unsigned width, uint32_t mps) {
  int c = width_col(width), r = mps_row(mps);
  if (gen < 1 || gen > 6 || c < 0 || r < 0) return 0;
  return ack_table[gen == 1 ? 0 : gen == 2 ? 1 : 2][r][c];
}

uint32_t ladon_link_ack_latency_syms(unsigned gen, unsigned width,
                                     uint32_t mps_bytes) {
  /* The tables cover non-flit mode, 2.5 .. 32 GT/s. */
  return gen <= 5 ? ladon__ack_latency_syms(gen, width, mps_bytes) : 0;
}

uint32_t ladon_link_fc_update_syms(unsigned gen, unsigned width,
                                   uint32_t mps_bytes) {
  /* Tables 2-52..2-54 repeat Tables 3-10..3-12 (and keep x12, x32). */
  return gen <= 5 ? ladon__ack_latency_syms(gen, width, mps_bytes) : 0;
}
