// Conversion of an undecided socket to xtcp (shim_convert.cpp). Locked held.
#pragma once

#include "preload/fd_table.h"
#include "xtcp/xtcp.h"

namespace xtcp::preload {

// fd now stands for connection handle h (its notify eventfd).
bool become_conn(xtcp_ctx* ctx, int fd, Sock* s, int h);
// fd now stands for listener h (and h2, the v4 half of a dual-stack one).
bool become_listener(xtcp_ctx* ctx, int fd, Sock* s, int h, int h2);
// Options remembered in the Sock -> the xtcp connection.
void apply_options(xtcp_ctx* ctx, Sock* s);
// SO_KEEPALIVE + TCP_KEEPIDLE/INTVL/CNT -> XTCP_KEEPALIVE.
void apply_keepalive(xtcp_ctx* ctx, Sock* s);

}  // namespace xtcp::preload
