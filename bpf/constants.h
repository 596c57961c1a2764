/* SPDX-License-Identifier: MIT */
/* constants.h: protocol numbers and masks the steering program needs. */
#ifndef XTCP_BPF_CONSTANTS_H
#define XTCP_BPF_CONSTANTS_H

/* IPv4 flags/fragment-offset field (RFC 791 section 3.1). */
#define XTCP_IP_MF 0x2000
#define XTCP_IP_OFFSET 0x1fff

/* IPv6 extension headers (RFC 8200 section 4, IANA "IPv6 Extension Header
 * Types"): a segment behind any of them is never ours. */
#define XTCP_IPV6_HOPOPTS 0
#define XTCP_IPV6_ROUTING 43
#define XTCP_IPV6_FRAGMENT 44
#define XTCP_IPV6_ESP 50
#define XTCP_IPV6_AH 51
#define XTCP_IPV6_DSTOPTS 60
#define XTCP_IPV6_MOBILITY 135
#define XTCP_IPV6_HIP 139
#define XTCP_IPV6_SHIM6 140
#define XTCP_IPV6_EXP1 253
#define XTCP_IPV6_EXP2 254

/* Result of a header parser: the header is there, or the frame is cut short
 * or inconsistent (the kernel will drop it; we only count and pass). */
enum xtcp_parse_result {
  XTCP_PARSE_OK = 0,
  XTCP_PARSE_MALFORMED = -1,
};

#endif /* XTCP_BPF_CONSTANTS_H */
