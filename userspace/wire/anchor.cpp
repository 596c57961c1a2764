int xtcp_wire_anchor_ = 0;
