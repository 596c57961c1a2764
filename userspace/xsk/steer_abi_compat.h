// Includes include/xtcp/steer_abi.h in C++ code that also sees <linux/types.h>
// (libbpf, libxdp, if_xdp.h). steer_abi.h typedefs __u64 as uint64_t
// (unsigned long) for C++, which clashes with the kernel's unsigned long long;
// no struct of the ABI uses __u64, so its typedef is renamed away here.
// Include this instead of steer_abi.h anywhere linux/ headers are used.
#pragma once

#include <linux/types.h>

#ifndef XTCP_STEER_ABI_H
#define __u64 xtcp_steer_abi_u64
#include "xtcp/steer_abi.h"
#undef __u64
#endif
