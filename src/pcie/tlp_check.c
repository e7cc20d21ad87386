/*
** The header rules of the PCI Express Base Specification that one TLP can
** be checked against on its own.  Sections are those of PCIe Base 6.0
** (non-flit mode), whose header rules match 5.0 except where noted.
** LADON_ESPEC marks a rule the spec states; LADON_EINVAL a member the wire
** format cannot carry.
*/
#include <stddef.h>

#include "ladon/tlp.h"
#include "pcie/tlp_int.h"
#include "sim/error_int.h"

#define R(bits) (uint8_t)(bits) /* permitted routings as a bit set */
#define RT(r) (1u << (r))

/* PCIe Base 6.0 §2.2.8 message tables (2-21 .. 2-36) and, for the ATS
** messages that may carry a PASID prefix, §6.20 and chapter 10. */
static const ladon__tlp_msg_info msg_table[] = {
    {0x00, "Unlock", R(RT(3)), 0, 0, true, false, false, "§2.2.8.4"},
    {0x01, "ATS_Invalidate_Request", 0, 2, 0, false, false, true, "§10.3"},
    {0x02, "ATS_Invalidate_Completion", 0, 2, 0, false, false, true, "§10.3"},
    {0x04, "Page_Request", 0, 2, 0, false, false, true, "§10.4"},
    {0x05, "PRG_Response", 0, 2, 0, false, false, true, "§10.4"},
    {0x10, "LTR", R(RT(4)), 0, 0, true, false, false, "§2.2.8.8"},
    {0x12, "OBFF", R(RT(4)), 0, 0, true, false, false, "§2.2.8.9"},
    {0x14, "PM_Active_State_Nak", R(RT(4)), 0, 0, true, false, false,
     "§2.2.8.2"},
    {0x18, "PM_PME", R(RT(0)), 0, 0, true, false, false, "§2.2.8.2"},
    {0x19, "PME_Turn_Off", R(RT(3)), 0, 0, true, false, false, "§2.2.8.2"},
    {0x1b, "PME_TO_Ack", R(RT(5)), 0, 0, true, false, false, "§2.2.8.2"},
    {0x20, "Assert_INTA", R(RT(4)), 0, 0, true, false, false, "§2.2.8.1"},
    {0x21, "Assert_INTB", R(RT(4)), 0, 0, true, false, false, "§2.2.8.1"},
    {0x22, "Assert_INTC", R(RT(4)), 0, 0, true, false, false, "§2.2.8.1"},
    {0x23, "Assert_INTD", R(RT(4)), 0, 0, true, false, false, "§2.2.8.1"},
    {0x24, "Deassert_INTA", R(RT(4)), 0, 0, true, false, false, "§2.2.8.1"},
    {0x25, "Deassert_INTB", R(RT(4)), 0, 0, true, false, false, "§2.2.8.1"},
    {0x26, "Deassert_INTC", R(RT(4)), 0, 0, true, false, false, "§2.2.8.1"},
    {0x27, "Deassert_INTD", R(RT(4)), 0, 0, true, false, false, "§2.2.8.1"},
    {0x30, "ERR_COR", R(RT(0)), 0, 0, true, false, false, "§2.2.8.3"},
    {0x31, "ERR_NONFATAL", R(RT(0)), 0, 0, true, false, false, "§2.2.8.3"},
    {0x33, "ERR_FATAL", R(RT(0)), 0, 0, true, false, false, "§2.2.8.3"},
    {0x40, "Ignored_Message", R(RT(4)), 2, 0, false, false, false, "§2.2.8.7"},
    {0x41, "Ignored_Message", R(RT(4)), 2, 0, false, false, false, "§2.2.8.7"},
    {0x43, "Ignored_Message", R(RT(4)), 2, 0, false, false, false, "§2.2.8.7"},
    {0x44, "Ignored_Message", R(RT(4)), 2, 0, false, false, false, "§2.2.8.7"},
    {0x45, "Ignored_Message", R(RT(4)), 2, 0, false, false, false, "§2.2.8.7"},
    {0x47, "Ignored_Message", R(RT(4)), 2, 0, false, false, false, "§2.2.8.7"},
    {0x48, "Ignored_Message", R(RT(4)), 2, 0, false, false, false, "§2.2.8.7"},
    {0x50, "Set_Slot_Power_Limit", R(RT(4)), 1, 1, true, false, false,
     "§2.2.8.5"},
    {0x52, "PTM_Request", R(RT(4)), 0, 0, true, false, false, "§2.2.8.10"},
    {0x53, "PTM_Response", R(RT(4)), 2, 1, true, false, false, "§2.2.8.10"},
    {0x54, "IDE_Sync", R(RT(2) | RT(4)), 0, 0, false, false, false,
     "§2.2.8.11"},
    {0x55, "IDE_Fail", R(RT(2) | RT(4)), 0, 0, false, false, false,
     "§2.2.8.11"},
    {0x7e, "Vendor_Defined_Type0", R(RT(0) | RT(2) | RT(3) | RT(4)), 2, 0,
     false, true, false, "§2.2.8.6"},
    {0x7f, "Vendor_Defined_Type1", R(RT(0) | RT(2) | RT(3) | RT(4)), 2, 0,
     false, true, false, "§2.2.8.6"},
};

const ladon__tlp_msg_info *ladon__tlp_msg_lookup(unsigned code) {
  for (size_t i = 0; i < sizeof msg_table / sizeof msg_table[0]; i++)
    if (msg_table[i].code == code) return &msg_table[i];
  return NULL;
}

const char *ladon_tlp_msg_name(unsigned code) {
  const ladon__tlp_msg_info *m = ladon__tlp_msg_lookup(code);
  return m ? m->name : NULL;
}

#define SPEC(...) return ladon__error_set(err, LADON_ESPEC, NULL, 0, 0, __VA_ARGS__)
#define INVAL(...) return ladon__error_set(err, LADON_EINVAL, NULL, 0, 0, __VA_ARGS__)

static bool contiguous_high(unsigned be) { /* 1000b 1100b 1110b 1111b */
  return be == 0x8 || be == 0xc || be == 0xe || be == 0xf;
}
static bool contiguous_low(unsigned be) { /* 0001b 0011b 0111b 1111b */
  return be == 0x1 || be == 0x3 || be == 0x7 || be == 0xf;
}

/* §2.2.5.1 First/Last DW Byte Enables rules for requests that have them. */
static ladon_status check_byte_enables(const ladon_tlp *t, const char *n,
                                       ladon_error *err) {
  unsigned fbe = t->first_be, lbe = t->last_be, len = t->length_dw;
  if (len == 1) {
    if (lbe != 0)
      SPEC("%s: Last DW BE must be 0000b for a 1 DW request (PCIe Base 6.0 "
           "§2.2.5.1)", n);
    return LADON_OK; /* any First BE, 0000b is a zero-length request */
  }
  if (fbe == 0)
    SPEC("%s: First DW BE must not be 0000b when Length is more than 1 DW "
         "(PCIe Base 6.0 §2.2.5.1)", n);
  if (lbe == 0)
    SPEC("%s: Last DW BE must not be 0000b when Length is more than 1 DW "
         "(PCIe Base 6.0 §2.2.5.1)", n);
  if (len == 2 && (t->addr & 7u) == 0)
    return LADON_OK; /* QW-aligned 2 DW: non-contiguous BEs permitted */
  if (!contiguous_high(fbe) || !contiguous_low(lbe))
    SPEC("%s: byte enables %xh/%xh are not contiguous; only QW-aligned 2 DW "
         "requests may use non-contiguous byte enables (PCIe Base 6.0 "
         "§2.2.5.1)", n, fbe, lbe);
  return LADON_OK;
}

/* Address rules shared by memory requests and AtomicOps (§2.2.4.1). */
static ladon_status check_address(const ladon_tlp *t, const char *n,
                                  bool lenient, ladon_error *err) {
  if (t->addr & 3u)
    INVAL("%s: addr 0x%llx is not DW aligned (bits 1:0 carry PH or are "
          "Reserved)", n, (unsigned long long)t->addr);
  bool a64 = (t->flags & LADON_TLP_F_ADDR64) != 0;
  if (!a64 && (t->addr >> 32))
    INVAL("%s: addr 0x%llx needs the 64-bit (4 DW) header", n,
          (unsigned long long)t->addr);
  if (a64 && (t->addr >> 32) == 0 && !lenient)
    SPEC("%s: addr 0x%llx is below 4 GB, where requesters must use the "
         "32-bit format (PCIe Base 6.0 §2.2.4.1)", n,
         (unsigned long long)t->addr);
  if (t->at == 3)
    SPEC("%s: AT 11b is Reserved (PCIe Base 6.0 Table 10-1)", n);
  if (t->at == LADON_TLP_AT_TRANS_REQ && t->type != LADON_TLP_MRD)
    SPEC("%s: AT 01b (Translation Request) is defined only for Memory Read "
         "Requests (PCIe Base 6.0 §10.2.2)", n);
  return LADON_OK;
}

static ladon_status check_memory(const ladon_tlp *t, const char *n,
                                 bool lenient, ladon_error *err) {
  ladon_status s = check_address(t, n, lenient, err);
  if (s != LADON_OK) return s;
  uint64_t end = (t->addr & 0xfffu) + 4u * (uint64_t)t->length_dw;
  if (end > 4096u)
    SPEC("%s: %u DW at 0x%llx cross a 4 KB boundary (PCIe Base 6.0 "
         "§2.2.7.1)", n, t->length_dw, (unsigned long long)t->addr);
  if ((t->flags & LADON_TLP_F_TH) && ladon__tlp_st_in_be(t->type)) {
    /* ST[7:0] replaces the byte enables; their values are implied. */
    unsigned lbe = t->length_dw == 1 ? 0x0u : 0xfu;
    if (t->first_be != 0xf || t->last_be != lbe)
      INVAL("%s: with TH set byte 7 carries ST[7:0] and the byte enables are "
            "implied to be %xh/%xh (PCIe Base 6.0 §2.2.5.1)", n, 0xfu, lbe);
    return LADON_OK;
  }
  return check_byte_enables(t, n, err);
}

static ladon_status check_atomic(const ladon_tlp *t, const char *n,
                                 bool lenient, ladon_error *err) {
  ladon_status s = check_address(t, n, lenient, err);
  if (s != LADON_OK) return s;
  unsigned len = t->length_dw;
  bool cas = t->type == LADON_TLP_CAS;
  /* Table 2-15: FetchAdd/Swap 1 or 2 DW, CAS 2, 4 or 8 DW (two operands). */
  if (cas ? (len != 2 && len != 4 && len != 8) : (len != 1 && len != 2))
    SPEC("%s: Length %u DW is not an architected operand size (%s) "
         "(PCIe Base 6.0 §2.2.7.1 Table 2-15)", n, len,
         cas ? "2, 4 or 8 DW" : "1 or 2 DW");
  uint64_t operand = cas ? 2u * len : 4u * len;
  if (t->addr & (operand - 1u))
    SPEC("%s: addr 0x%llx is not naturally aligned to the %llu-byte operand "
         "(PCIe Base 6.0 §2.2.7.1)", n, (unsigned long long)t->addr,
         (unsigned long long)operand);
  if (t->first_be || t->last_be)
    SPEC("%s: the byte enable fields are Reserved for AtomicOp Requests "
         "(PCIe Base 6.0 §2.2.7.1)", n);
  return LADON_OK;
}

/* I/O and Configuration Requests share their restrictions (§2.2.7.1). */
static ladon_status check_io_cfg(const ladon_tlp *t, const char *n,
                                 ladon_error *err) {
  const char *what = ladon__tlp_is_io(t->type) ? "I/O" : "Configuration";
  if (t->tc != 0)
    SPEC("%s: %s Requests must use TC0 (PCIe Base 6.0 §2.2.7.1)", n, what);
  if (t->attr & (LADON_TLP_ATTR_RO | LADON_TLP_ATTR_NS))
    SPEC("%s: Attr[1:0] must be 00b for %s Requests (PCIe Base 6.0 "
         "§2.2.7.1)", n, what);
  if (t->attr & LADON_TLP_ATTR_IDO)
    SPEC("%s: Attr[2] (IDO) is Reserved for %s Requests (PCIe Base 6.0 "
         "§2.2.6.4)", n, what);
  if (t->at != 0)
    SPEC("%s: AT must be 00b for %s Requests (PCIe Base 6.0 §2.2.7.1)", n,
         what);
  if (t->length_dw != 1)
    SPEC("%s: Length must be 1 DW for %s Requests, not %u (PCIe Base 6.0 "
         "§2.2.7.1)", n, what, t->length_dw);
  if (t->last_be != 0)
    SPEC("%s: Last DW BE must be 0000b for %s Requests (PCIe Base 6.0 "
         "§2.2.7.1)", n, what);
  if (t->addr & 3u)
    INVAL("%s: %s 0x%llx is not DW aligned", n,
          ladon__tlp_is_io(t->type) ? "addr" : "register offset",
          (unsigned long long)t->addr);
  if (ladon__tlp_is_io(t->type) && (t->addr >> 32))
    INVAL("%s: I/O Requests use 32-bit addresses (PCIe Base 6.0 §2.2.4.1); "
          "0x%llx does not fit", n, (unsigned long long)t->addr);
  if (ladon__tlp_is_cfg(t->type) && t->addr > 0xffcu)
    INVAL("%s: register offset 0x%llx is beyond the 4 KB configuration space "
          "(Extended Register Number is 4 bits, Register Number 6)", n,
          (unsigned long long)t->addr);
  return LADON_OK;
}

static ladon_status check_message(const ladon_tlp *t, const char *n,
                                  ladon_error *err) {
  const ladon__tlp_msg_info *m = ladon__tlp_msg_lookup(t->msg_code);
  if (t->msg_route >= 6)
    SPEC("%s: routing r[2:0] %u%u%ub is Reserved (PCIe Base 6.0 Table 2-20)",
         n, (t->msg_route >> 2) & 1u, (t->msg_route >> 1) & 1u,
         t->msg_route & 1u);
  if (t->type == LADON_TLP_MSG && (t->flags & LADON_TLP_F_EP))
    SPEC("%s: EP is Reserved for Messages without data (PCIe Base 6.0 "
         "§2.2.8)", n);
  if ((t->attr & (LADON_TLP_ATTR_RO | LADON_TLP_ATTR_NS)) &&
      !(m && m->attr_ok))
    SPEC("%s: Attr[1:0] is Reserved for Message Code %02xh (PCIe Base 6.0 "
         "§2.2.8)", n, t->msg_code);
  if (t->at != 0)
    SPEC("%s: AT must be 00b for Messages in non-flit mode (PCIe Base 6.0 "
         "§2.2.8)", n);
  if (m == NULL) return LADON_OK; /* codes defined elsewhere: not checked */
  if (m->routes && !(m->routes & RT(t->msg_route)))
    SPEC("%s: %s may not use routing r[2:0] = %u%u%ub (PCIe Base 6.0 %s)", n,
         m->name, (t->msg_route >> 2) & 1u, (t->msg_route >> 1) & 1u,
         t->msg_route & 1u, m->section);
  if (m->data == 0 && t->type == LADON_TLP_MSGD)
    SPEC("%s: %s has no data payload (TLP Type is Msg) (PCIe Base 6.0 %s)", n,
         m->name, m->section);
  if (m->data == 1 && t->type == LADON_TLP_MSG)
    SPEC("%s: %s carries a data payload (TLP Type is MsgD) (PCIe Base 6.0 "
         "%s)", n, m->name, m->section);
  if (m->data_dw && t->type == LADON_TLP_MSGD && t->length_dw != m->data_dw)
    SPEC("%s: %s carries a %u DW payload, not %u (PCIe Base 6.0 %s)", n,
         m->name, m->data_dw, t->length_dw, m->section);
  if (m->tc0 && t->tc != 0)
    SPEC("%s: %s must use TC0 (PCIe Base 6.0 %s)", n, m->name, m->section);
  return LADON_OK;
}

static ladon_status check_completion(const ladon_tlp *t, const char *n,
                                     ladon_error *err) {
  unsigned st = t->status;
  if (st != LADON_TLP_CPL_SC && st != LADON_TLP_CPL_UR &&
      st != LADON_TLP_CPL_CRS && st != LADON_TLP_CPL_CA)
    SPEC("%s: Completion Status %u%u%ub is Reserved (PCIe Base 6.0 Table "
         "2-37)", n, (st >> 2) & 1u, (st >> 1) & 1u, st & 1u);
  if (ladon_tlp_type_has_data((ladon_tlp_type)t->type) &&
      st != LADON_TLP_CPL_SC)
    SPEC("%s: a Completion with status %s carries no data; use %s (PCIe "
         "Base 6.0 Table 2-3)", n, ladon_tlp_status_name(st),
         t->type == LADON_TLP_CPLD ? "Cpl" : "CplLk");
  if (t->at != 0)
    SPEC("%s: AT must be 00b for Completions (PCIe Base 6.0 §2.2.9.1)", n);
  if (t->byte_count < 1 || t->byte_count > 4096)
    INVAL("%s: Byte Count %u is outside 1..4096 (4096 travels as 0, PCIe "
          "Base 6.0 §2.2.9.1)", n, t->byte_count);
  if (ladon_tlp_type_has_data((ladon_tlp_type)t->type)) {
    /* The payload starts at the DW holding Lower Address and never holds
    ** more DWs than the remaining Byte Count reaches (§2.3.1.1). */
    uint32_t need_dw = ((t->lower_addr & 3u) + t->byte_count + 3u) / 4u;
    if (t->length_dw > need_dw)
      SPEC("%s: %u DW of data exceed the remaining Byte Count %u from Lower "
           "Address %02xh (PCIe Base 6.0 §2.3.1.1)", n, t->length_dw,
           t->byte_count, t->lower_addr);
  }
  return LADON_OK;
}

/* §6.20: where a PASID prefix may appear. */
static ladon_status check_pasid(const ladon_tlp *t, const char *n,
                                ladon_error *err) {
  if (!(t->flags & LADON_TLP_F_PASID)) {
    if (t->pasid || (t->flags & (LADON_TLP_F_PASID_ER | LADON_TLP_F_PASID_PMR)))
      INVAL("%s: pasid, ER and PMR need the PASID prefix flag", n);
    return LADON_OK;
  }
  if (ladon__tlp_is_mem_space(t->type)) {
    if (t->at == LADON_TLP_AT_TRANSLATED)
      SPEC("%s: a PASID prefix is permitted only with untranslated addresses "
           "or Translation Requests, not AT 10b (PCIe Base 6.0 §6.20)", n);
    return LADON_OK;
  }
  if (ladon__tlp_is_msg(t->type)) {
    const ladon__tlp_msg_info *m = ladon__tlp_msg_lookup(t->msg_code);
    if (m && m->pasid_ok) return LADON_OK;
  }
  SPEC("%s: a PASID prefix is permitted only on Memory Requests, AtomicOps "
       "and ATS/PRI Messages (PCIe Base 6.0 §6.20)", n);
}

ladon_status ladon__tlp_check(const ladon_tlp *t, bool lenient,
                              ladon_error *err) {
  if (t == NULL) INVAL("TLP is NULL");
  unsigned type = t->type;
  if (type == LADON_TLP_NONE || type >= LADON_TLP__TYPE_COUNT)
    INVAL("unknown TLP type %u", type);
  const char *n = ladon_tlp_type_name((ladon_tlp_type)type);

  /* Members the header cannot carry. */
  if (t->tc > 7) INVAL("%s: TC %u is outside 0..7", n, t->tc);
  if (t->attr > 7) INVAL("%s: attr %u is outside 0..7", n, t->attr);
  if (t->at > 3) INVAL("%s: AT %u is outside 0..3", n, t->at);
  if (t->first_be > 15 || t->last_be > 15)
    INVAL("%s: byte enables are 4 bits", n);
  if (t->status > 7) INVAL("%s: Completion Status is 3 bits", n);
  if (t->lower_addr > 127) INVAL("%s: Lower Address is 7 bits", n);
  if (t->tag > 1023) INVAL("%s: tag %u needs more than 10 bits", n, t->tag);
  if (t->msg_route > 7) INVAL("%s: routing r[2:0] is 3 bits", n);
  if (t->ph > 3) INVAL("%s: PH is 2 bits", n);
  if (t->pasid > 0xfffffu) INVAL("%s: PASID is 20 bits", n);
  if (t->length_dw > 1024) INVAL("%s: Length %u exceeds 1024 DW", n, t->length_dw);
  if (t->flags & ~0xffu) INVAL("%s: unknown flags %04xh", n, t->flags);

  bool cpl = ladon__tlp_is_cpl(type), msg = ladon__tlp_is_msg(type);
  bool cfg = ladon__tlp_is_cfg(type), mem = ladon__tlp_is_mem_space(type);
  if (!cpl && (t->cpl_id || t->byte_count || t->status || t->lower_addr ||
               (t->flags & LADON_TLP_F_BCM)))
    INVAL("%s: Completer ID, status, BCM, Byte Count and Lower Address "
          "exist only in Completions", n);
  if (cpl && t->addr) INVAL("%s: Completions carry no address", n);
  if (!cfg && t->target_id)
    INVAL("%s: target_id exists only in Configuration Requests", n);
  if (!msg && (t->msg_code || t->msg_route))
    INVAL("%s: Message Code and routing exist only in Messages", n);
  if ((msg || cpl) && (t->first_be || t->last_be))
    INVAL("%s: %s carry no byte enables", n, msg ? "Messages" : "Completions");
  if (!mem && (t->flags & LADON_TLP_F_ADDR64))
    INVAL("%s: only memory requests choose a 64-bit header", n);

  /* Payload and Length. */
  bool has_data = ladon_tlp_type_has_data((ladon_tlp_type)type);
  if (t->data_bytes && t->data == NULL)
    INVAL("%s: data_bytes is %u but data is NULL", n, t->data_bytes);
  if (!has_data && (t->data || t->data_bytes))
    INVAL("%s: this TLP type has no data payload", n);
  if (ladon__tlp_length_reserved(type)) {
    if (t->length_dw != 0)
      SPEC("%s: the Length field is Reserved for %s (PCIe Base 6.0 "
           "§2.2.1.1)", n, n);
  } else if (t->length_dw == 0) {
    INVAL("%s: Length must be 1..1024 DW", n);
  }
  if (has_data && t->data && t->data_bytes != 4u * t->length_dw)
    SPEC("%s: payload of %u bytes does not match Length %u DW (PCIe Base "
         "6.0 §2.2.2)", n, t->data_bytes, t->length_dw);

  /* TLP Processing Hints (§2.2.7.1.1). */
  if (t->flags & LADON_TLP_F_TH) {
    if (!mem)
      SPEC("%s: TH is Reserved except for Requests that target Memory Space "
           "(PCIe Base 6.0 §2.2.7.1.1)", n);
  } else if (t->ph || t->st) {
    INVAL("%s: PH and ST need the TH flag", n);
  }

  /* Tag (§2.2.6.2.1): T9/T8 are Reserved for Posted Requests; with TH a
  ** Memory Write's Tag byte carries ST[7:0]. */
  if (ladon_tlp_is_posted((ladon_tlp_type)type) && t->tag > 255)
    SPEC("%s: Tag[9:8] is Reserved for Posted Requests (PCIe Base 6.0 "
         "§2.2.6.2.1)", n);
  if (type == LADON_TLP_MWR && (t->flags & LADON_TLP_F_TH) && t->tag)
    INVAL("%s: with TH set the Tag byte carries ST[7:0]; tag must be 0", n);

  ladon_status s = LADON_OK;
  if (ladon__tlp_is_mem(type))
    s = check_memory(t, n, lenient, err);
  else if (ladon__tlp_is_atomic(type))
    s = check_atomic(t, n, lenient, err);
  else if (ladon__tlp_is_io(type) || cfg)
    s = check_io_cfg(t, n, err);
  else if (msg)
    s = check_message(t, n, err);
  else if (cpl)
    s = check_completion(t, n, err);
  if (s != LADON_OK) return s;
  return check_pasid(t, n, err);
}

ladon_status ladon_tlp_check(const ladon_tlp *tlp, ladon_error *err) {
  return ladon__tlp_check(tlp, false, err);
}
