int xtcp_tcp_anchor_ = 0;
