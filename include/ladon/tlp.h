/*
** Transaction Layer Packets: the value struct every component exchanges,
** and the codec for the exact header bytes of the PCI Express Base
** Specification (non-flit mode, PCIe Base 6.0 §2.2; the same layout as 5.0).
**
** A `ladon_tlp` holds every header field as a plain member, so models read
** `tlp->addr` rather than decoding bytes.  ladon_tlp_encode() and
** ladon_tlp_decode() convert to and from the wire layout (big-endian DWs,
** TLP prefixes first); decode(encode(t)) == t for every TLP that
** ladon_tlp_check() accepts.  docs/tlp.md lists the rules the checker
** enforces, each with its section.
**
** Ownership.  A ladon_tlp is a value: copy it freely.  The receiver of a
** TLP owns it (DESIGN §2).  The payload pointer `data` is borrowed: the codec
** never allocates, copies or frees payload bytes; whoever sets `data` keeps
** the bytes alive for as long as the TLP refers to them.
*/
#ifndef LADON_TLP_H
#define LADON_TLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/export.h"

LADON_BEGIN_DECLS

/*
** TLP types, named by the spec mnemonics of PCIe Base 6.0 Table 2-3.
** 32- and 64-bit address forms share one type (LADON_TLP_F_ADDR64 picks the
** 4 DW header); the message routing r[2:0] lives in `msg_route`.
*/
typedef enum ladon_tlp_type {
  LADON_TLP_NONE = 0, /* not a TLP: a zeroed struct, an unknown name */
  LADON_TLP_MRD,      /* Memory Read Request */
  LADON_TLP_MRDLK,    /* Memory Read Request-Locked */
  LADON_TLP_MWR,      /* Memory Write Request */
  LADON_TLP_IORD,     /* I/O Read Request */
  LADON_TLP_IOWR,     /* I/O Write Request */
  LADON_TLP_CFGRD0,   /* Type 0 Configuration Read Request */
  LADON_TLP_CFGWR0,   /* Type 0 Configuration Write Request */
  LADON_TLP_CFGRD1,   /* Type 1 Configuration Read Request */
  LADON_TLP_CFGWR1,   /* Type 1 Configuration Write Request */
  LADON_TLP_MSG,      /* Message Request without data */
  LADON_TLP_MSGD,     /* Message Request with data */
  LADON_TLP_CPL,      /* Completion without Data */
  LADON_TLP_CPLD,     /* Completion with Data */
  LADON_TLP_CPLLK,    /* Completion for Locked Memory Read without Data */
  LADON_TLP_CPLDLK,   /* Completion for Locked Memory Read with Data */
  LADON_TLP_FETCHADD, /* Fetch and Add AtomicOp Request */
  LADON_TLP_SWAP,     /* Unconditional Swap AtomicOp Request */
  LADON_TLP_CAS,      /* Compare and Swap AtomicOp Request */
  LADON_TLP_DMWR,     /* Deferrable Memory Write Request (PCIe 6.0) */
  LADON_TLP__TYPE_COUNT
} ladon_tlp_type;

/* Flow-control class (PCIe Base 6.0 §2.4, §2.6.1): P, NP or Cpl credits. */
typedef enum ladon_tlp_class {
  LADON_TLP_CLASS_NONE = 0, /* LADON_TLP_NONE */
  LADON_TLP_CLASS_P,        /* Posted: MWr, Msg, MsgD */
  LADON_TLP_CLASS_NP,       /* Non-Posted: reads, I/O, Cfg, AtomicOps, DMWr */
  LADON_TLP_CLASS_CPL       /* Completions */
} ladon_tlp_class;

/* Attr bits as numbered by the spec (§2.2.6.3): Attr[0], Attr[1], Attr[2]. */
#define LADON_TLP_ATTR_NS 0x1u  /* No Snoop */
#define LADON_TLP_ATTR_RO 0x2u  /* Relaxed Ordering */
#define LADON_TLP_ATTR_IDO 0x4u /* ID-Based Ordering (byte 1 bit 2, "A2") */

/* Address Type, AT[1:0] (PCIe Base 6.0 Table 10-1); 11b is Reserved. */
#define LADON_TLP_AT_UNTRANSLATED 0u
#define LADON_TLP_AT_TRANS_REQ 1u  /* Translation Request (MRd only) */
#define LADON_TLP_AT_TRANSLATED 2u

/* Completion Status (Table 2-37); all other values are Reserved. */
#define LADON_TLP_CPL_SC 0u  /* Successful Completion */
#define LADON_TLP_CPL_UR 1u  /* Unsupported Request */
#define LADON_TLP_CPL_CRS 2u /* Configuration Request Retry Status (6.0: RRS) */
#define LADON_TLP_CPL_CA 4u  /* Completer Abort */

/* Message routing r[2:0] (Table 2-20); 110b and 111b are Reserved. */
#define LADON_TLP_ROUTE_RC 0u     /* Routed to Root Complex */
#define LADON_TLP_ROUTE_ADDR 1u   /* Routed by Address */
#define LADON_TLP_ROUTE_ID 2u     /* Routed by ID */
#define LADON_TLP_ROUTE_BCAST 3u  /* Broadcast from Root Complex */
#define LADON_TLP_ROUTE_LOCAL 4u  /* Local - Terminate at Receiver */
#define LADON_TLP_ROUTE_GATHER 5u /* Gathered and routed to Root Complex */

/* ladon_tlp.flags */
#define LADON_TLP_F_ADDR64 0x0001u /* 4 DW header, 64-bit address */
#define LADON_TLP_F_TD 0x0002u     /* TLP Digest (ECRC) follows the payload */
#define LADON_TLP_F_EP 0x0004u     /* Error Poisoned */
#define LADON_TLP_F_TH 0x0008u     /* TLP Processing Hints: `ph`, `st` valid */
#define LADON_TLP_F_BCM 0x0010u    /* Byte Count Modified (Cpl*, PCI-X only) */
#define LADON_TLP_F_PASID 0x0020u  /* PASID End-End TLP Prefix present */
#define LADON_TLP_F_PASID_ER 0x0040u  /* PASID prefix: Execute Requested */
#define LADON_TLP_F_PASID_PMR 0x0080u /* PASID prefix: Privileged Mode Req. */

/*
** One TLP.  72 bytes on LP64 (the simulator keeps many in flight; the budget
** is 256 B per TLP including link and queue metadata).  Members that a type
** does not use must be zero; ladon_tlp_check() says which.
**
** addr: Mem/IO/AtomicOp/DMWr: the DW-aligned byte address (bits 1:0 zero).
**       Cfg*: the register byte offset, (Extended Register Number << 8) |
**       (Register Number << 2), 0..0xffc.
**       Msg/MsgD: header bytes 8..15 as one big-endian value (the address
**       for r=001b; for r=010b the target ID is bits 63:48; see
**       ladon_tlp_route_id()).
** length_dw: the Length field, 1..1024 DW (1024 travels as 0); 0 where the
**       field is Reserved (Msg, Cpl, CplLk).
*/
typedef struct ladon_tlp {
  uint64_t id;          /* trace id (not on the wire); 0 = none */
  uint64_t t_issue_ps;  /* when the requester issued it (not on the wire) */
  uint64_t addr;        /* see above */
  const uint8_t *data;  /* payload, borrowed; NULL = not carried */
  uint32_t data_bytes;  /* bytes at `data`: 0, or exactly length_dw * 4 */
  uint32_t flow;        /* flow id for statistics (not on the wire) */
  uint32_t pasid;       /* PASID[19:0], with LADON_TLP_F_PASID */
  uint16_t length_dw;   /* Length[9:0] in DW, see above */
  uint16_t req_id;      /* Requester ID, bus << 8 | dev << 3 | fn */
  uint16_t cpl_id;      /* Cpl*: Completer ID */
  uint16_t target_id;   /* Cfg*: target bus/dev/fn */
  uint16_t tag;         /* Tag[9:0] (T9 and T8 live in byte 1) */
  uint16_t byte_count;  /* Cpl*: remaining Byte Count, 1..4096 */
  uint8_t type;         /* a ladon_tlp_type */
  uint8_t tc;           /* Traffic Class, 0..7 */
  uint8_t attr;         /* LADON_TLP_ATTR_* */
  uint8_t at;           /* Address Type, LADON_TLP_AT_* */
  uint8_t first_be;     /* First DW BE[3:0] */
  uint8_t last_be;      /* Last DW BE[3:0] */
  uint8_t status;       /* Cpl*: Completion Status, LADON_TLP_CPL_* */
  uint8_t lower_addr;   /* Cpl*: Lower Address[6:0] */
  uint8_t msg_code;     /* Msg*: Message Code */
  uint8_t msg_route;    /* Msg*: routing r[2:0], LADON_TLP_ROUTE_* */
  uint8_t ph;           /* with TH: Processing Hint PH[1:0] */
  uint8_t st;           /* with TH: Steering Tag ST[7:0] */
  uint16_t flags;       /* LADON_TLP_F_* */
} ladon_tlp;

/* Bytes of prefixes + header a TLP can take (one PASID prefix + 4 DW). */
#define LADON_TLP_HEADER_MAX_BYTES 20

/* A routing ID from its parts, and back (non-ARI bb:dd.f). */
#define LADON_TLP_ID(bus, dev, fn)                                            \
  ((uint16_t)((((bus)&0xffu) << 8) | (((dev)&0x1fu) << 3) | ((fn)&0x7u)))
#define LADON_TLP_ID_BUS(id) (((id) >> 8) & 0xffu)
#define LADON_TLP_ID_DEV(id) (((id) >> 3) & 0x1fu)
#define LADON_TLP_ID_FN(id) ((id)&0x7u)

/* ---- Names and classification ------------------------------------------ */

/*
** The spec mnemonic of `type` ("MRd", "CplD", ...), a static string; "?"
** for LADON_TLP_NONE or an out-of-range value.
*/
LADON_API const char *ladon_tlp_type_name(ladon_tlp_type type);

/*
** The type whose mnemonic is `name` (MRd, MRdLk, MWr, IORd, IOWr, CfgRd0,
** CfgWr0, CfgRd1, CfgWr1, Msg, MsgD, Cpl, CplD, CplLk, CplDLk, FetchAdd,
** Swap, CAS, DMWr), compared without regard to case.  LADON_TLP_NONE when
** `name` is NULL or unknown.
*/
LADON_API ladon_tlp_type ladon_tlp_type_from_name(const char *name);

/* The flow-control class of `type` (PCIe Base 6.0 §2.6.1). */
LADON_API ladon_tlp_class ladon_tlp_type_class(ladon_tlp_type type);

/* Shorthands for the class: Posted, Non-Posted, Completion. */
LADON_API bool ladon_tlp_is_posted(ladon_tlp_type type);
LADON_API bool ladon_tlp_is_non_posted(ladon_tlp_type type);
LADON_API bool ladon_tlp_is_completion(ladon_tlp_type type);

/* True when TLPs of `type` carry a data payload (Fmt[1] set). */
LADON_API bool ladon_tlp_type_has_data(ladon_tlp_type type);

/* ---- Sizes and wire cost ----------------------------------------------- */

/* Header size in DW, 3 or 4, without prefixes; 0 for an invalid type. */
LADON_API unsigned ladon_tlp_header_dw(const ladon_tlp *tlp);

/* TLP prefix DWs in front of the header (1 with a PASID prefix, else 0). */
LADON_API unsigned ladon_tlp_prefix_dw(const ladon_tlp *tlp);

/*
** Payload bytes on the wire: length_dw * 4 for types with data, else 0.
** Not the number of enabled bytes (see ladon_tlp_request_bytes()).
*/
LADON_API uint32_t ladon_tlp_payload_bytes(const ladon_tlp *tlp);

/*
** Flow-control data credits the TLP consumes: one per 4 DW of payload,
** rounded up (PCIe Base 6.0 §2.6.1); 0 without payload.  Header credits are
** always 1.
*/
LADON_API uint32_t ladon_tlp_data_credits(const ladon_tlp *tlp);

/*
** Bytes a request asks for or writes, from Length and the byte enables
** (§2.2.5.1): e.g. MRd of 2 DW with First BE 1100b and Last BE 0011b is 4.
** A zero-length read or write (1 DW, no byte enabled) gives 0.  For AtomicOps
** the operand size; for I/O and Cfg the enabled bytes of the one DW; 0 for
** messages and completions.
*/
LADON_API uint32_t ladon_tlp_request_bytes(const ladon_tlp *tlp);

/*
** Bytes the TLP occupies on one direction of a link, before line encoding:
** prefixes + header + payload + ECRC (4 B when TD) + framing and data link
** overhead.  Non-flit mode costs 8 B per TLP either way (PCIe Base 6.0
** §4.2 framing; chapter 3: 12-bit sequence number in 2 B, 32-bit LCRC):
**   gen 1, 2 (8b/10b):    STP 1 + sequence number 2 + LCRC 4 + END 1;
**   gen 3..5 (128b/130b): STP token 4 (carries the sequence number) + LCRC 4.
** Lane striping, PAD/IDL fill and SKP ordered sets are the link's business.
** `flit` selects flit mode, which this function does not cover: it returns
** 0 then, and for a generation outside 1..5 or an invalid TLP.
*/
LADON_API uint32_t ladon_tlp_wire_bytes(const ladon_tlp *tlp, unsigned gen,
                                        bool flit);

/*
** The routing ID of an ID-routed TLP: Requester ID for completions, target
** for configuration requests, bytes 8-9 for messages routed by ID.  -1 for
** TLPs that are not ID-routed.
*/
LADON_API int32_t ladon_tlp_route_id(const ladon_tlp *tlp);

/* ---- Building and checking --------------------------------------------- */

/*
** Sets `tlp->addr`, `length_dw`, `first_be`, `last_be` and
** LADON_TLP_F_ADDR64 for a memory request touching `len_bytes` bytes at the
** byte address `addr` (any alignment).  `len_bytes` 0 makes a zero-length
** request: 1 DW, no byte enabled.  Other fields are left alone.
** Returns LADON_ERANGE (and fills `err`, which may be NULL) when the range
** needs more than 1024 DW or wraps past 2^64; the TLP is then unchanged.
*/
LADON_API ladon_status ladon_tlp_set_range(ladon_tlp *tlp, uint64_t addr,
                                           uint32_t len_bytes,
                                           ladon_error *err);

/*
** Checks `tlp` against the header rules of the PCIe Base Specification
** (docs/tlp.md lists them with their sections).  Returns LADON_OK, or
** LADON_ESPEC for a rule the spec states (the message names the rule and
** section), or LADON_EINVAL for a member that cannot be encoded at all (out
** of range, or set where the type has no such field).  `err` may be NULL.
** Not checked: anything that needs context beyond one TLP (MPS, MRRS, tag
** uniqueness, whether a completion matches its request).
*/
LADON_API ladon_status ladon_tlp_check(const ladon_tlp *tlp, ladon_error *err);

/* ---- Codec ------------------------------------------------------------- */

/*
** Writes the prefixes and header of `tlp` into `buf` (at most `cap` bytes)
** and stores the byte count in `*len` (which may be NULL).  The payload and
** ECRC are not written: the payload is `tlp->data`, and ECRC is not modelled.
** Errors: whatever ladon_tlp_check() reports; LADON_EFULL when `cap` is too
** small (LADON_TLP_HEADER_MAX_BYTES always suffices).  Nothing is written on
** error.
*/
LADON_API ladon_status ladon_tlp_encode(const ladon_tlp *tlp, uint8_t *buf,
                                        size_t cap, size_t *len,
                                        ladon_error *err);

/* ladon_tlp_decode() flags. */
#define LADON_TLP_DECODE_LENIENT 0x1u /* receiver view, see below */

/*
** Decodes one TLP from `buf[0..len)`: the prefixes and header alone, or the
** whole TLP (prefixes, header, payload, and the 4-byte ECRC when TD is set).
** Any other length is an error (§2.2.2: Length must match the payload,
** §2.2.3: TD must match the digest).  With a payload, `out->data` points
** into `buf` (borrowed: valid while `buf` is) and `out->data_bytes` is its
** size; otherwise both are 0.  The ECRC is skipped, not verified.
** `out->id`, `t_issue_ps` and `flow` are set to 0.
**
** By default Reserved bits must be 0, as transmitters must send them
** (§2.2: "must be filled with all 0's when a TLP is formed").  With
** LADON_TLP_DECODE_LENIENT they are ignored and dropped, as receivers do
** (§2.3: "Values in Reserved fields must be ignored by the Receiver"), as
** are AT values that receivers need not check; re-encoding then gives the
** bytes with those bits cleared.
**
** Returns LADON_OK; LADON_EPARSE for a buffer that is not a whole TLP;
** LADON_ESPEC for a rule violation (the message names the rule and
** section); LADON_ENOTSUP for a TLP prefix other than PASID.  `*out` is
** undefined after an error.  `err` may be NULL.
*/
LADON_API ladon_status ladon_tlp_decode(const uint8_t *buf, size_t len,
                                        unsigned flags, ladon_tlp *out,
                                        ladon_error *err);

/* ---- Text -------------------------------------------------------------- */

/*
** The canonical one-line text form, e.g.
**   MRd 64b 03:10.6 tag 5 addr 0x0000001234560000 len 64 B
** (grammar in docs/tlp.md).  Writes at most `size` bytes including the
** terminator into `buf` (which may be NULL when `size` is 0) and returns the
** length the full text needs, like snprintf().  An invalid type gives "?".
*/
LADON_API int ladon_tlp_format(const ladon_tlp *tlp, char *buf, size_t size);

/*
** Parses a whitespace-separated list of FIELD=VALUE items, for example
**   type=MWr addr=0x1000 len=64 req=03:10.6 tag=5
** into `*out` (fields in docs/tlp.md; unnamed fields are zero, byte enables
** follow from addr and len unless given).  The result passes
** ladon_tlp_check().  Returns LADON_EPARSE for unknown fields and bad
** values, or what ladon_tlp_check() reports; `err` may be NULL.
*/
LADON_API ladon_status ladon_tlp_parse_fields(const char *text,
                                              ladon_tlp *out,
                                              ladon_error *err);

/*
** Parses hex text into bytes: whitespace, ':', '_' and ',' separate nothing
** and are skipped, as is a "0x" in front of any group of digits.  Stores the
** byte count in `*len`.  Returns LADON_EPARSE for a non-hex character or an
** odd number of digits, LADON_EFULL when more than `cap` bytes result.
*/
LADON_API ladon_status ladon_tlp_hex_parse(const char *text, uint8_t *buf,
                                           size_t cap, size_t *len,
                                           ladon_error *err);

/*
** Formats bytes as lowercase hex, one space between DWs ("40000010
** 031005ff ...").  snprintf() contract as ladon_tlp_format().
*/
LADON_API int ladon_tlp_hex_format(const uint8_t *bytes, size_t n, char *buf,
                                   size_t size);

/*
** Parses a routing ID "bb:dd.f" (hex bus and device, function 0-7) into
** `*id`.  Returns LADON_EPARSE (and fills `err`) on anything else.
*/
LADON_API ladon_status ladon_tlp_id_parse(const char *text, uint16_t *id,
                                          ladon_error *err);

/* Formats `id` as "bb:dd.f" into `buf` (8 bytes with the terminator). */
LADON_API char *ladon_tlp_id_format(uint16_t id, char buf[8]);

/* The name of a Completion Status ("SC", "UR", "CRS", "CA"), NULL if Reserved. */
LADON_API const char *ladon_tlp_status_name(unsigned status);

/*
** The name of a Message Code (PCIe Base 6.0 §2.2.8 tables, e.g.
** "Assert_INTA", "Vendor_Defined_Type1"), static; NULL when not defined.
*/
LADON_API const char *ladon_tlp_msg_name(unsigned code);

LADON_END_DECLS

#endif /* LADON_TLP_H */
