# Installation layout and the Debian package (DESIGN.md "Install").
#
#   cmake --install build [--prefix P]     bin/, lib/, include/xtcp, pkg-config,
#                                          the systemd unit, an example config
#   cd build && cpack -G DEB               xtcp_<version>_<arch>.deb
#
# Paths come from GNUInstallDirs; everything that must find something else
# after installation (xtcp-run -> the preload library, libxtcp.pc -> the
# headers) does it relative to its own location, so a staged tree under
# DESTDIR or a different prefix works as well as /usr.

install(TARGETS xtcpd xtcpctl xtcp-cat xtcp-perf xtcp-run
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS xtcp
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_SKIP)
install(TARGETS xtcp
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_ONLY)
install(TARGETS xtcp-preload LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# The public API only; control.h, channel_abi.h and steer_abi.h are the
# daemon's own contracts and may change with it.
install(FILES ${CMAKE_SOURCE_DIR}/include/xtcp/xtcp.h ${CMAKE_SOURCE_DIR}/include/xtcp/xtcp.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xtcp)

set(xtcp_pkgconfig_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH XTCP_PC_TO_PREFIX /root/${xtcp_pkgconfig_dir} /root)
configure_file(${CMAKE_SOURCE_DIR}/packaging/libxtcp.pc.in ${CMAKE_BINARY_DIR}/libxtcp.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/libxtcp.pc DESTINATION ${xtcp_pkgconfig_dir})

# systemd looks in /usr/lib/systemd/system and /usr/local/lib/systemd/system
# alike (systemd.unit(5)), so the unit goes under the prefix, not LIBDIR
# (which is multiarch on Debian).
# The unit names absolute paths, so it is written at install time, when
# the prefix is known (cmake --install --prefix, or cpack's /usr).
install(CODE "
  set(XTCP_UNIT_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(XTCP_UNIT_DOCDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  configure_file(${CMAKE_SOURCE_DIR}/packaging/xtcpd@.service.in
                 ${CMAKE_BINARY_DIR}/install-gen/xtcpd@.service @ONLY)")
install(FILES ${CMAKE_BINARY_DIR}/install-gen/xtcpd@.service DESTINATION lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/xtcpd.conf.example README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# CPack: one binary package, xtcp_<version>_<arch>.deb.
set(CPACK_PACKAGE_NAME xtcp)
set(CPACK_PACKAGE_VENDOR xtcp)
set(CPACK_PACKAGE_CONTACT "xtcp maintainers <xtcp@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "hybrid TCP stack for Linux: XDP steering, AF_XDP, a userspace TCP daemon")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "xtcpd runs TCP for the flows it owns on AF_XDP sockets; an XDP program\n steers them, everything else stays with the kernel. Includes libxtcp, xtcpctl,\n xtcp-cat, xtcp-perf and xtcp-run (an LD_PRELOAD shim for unmodified programs)\n and the systemd unit xtcpd@IFACE.service.")
# dpkg-shlibdeps computes the versioned library dependencies (libbpf1,
# libxdp1, libsystemd0, libstdc++6, libc6) from the binaries themselves.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR})
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/packaging/postinst
                                       ${CMAKE_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_GENERATOR DEB)
include(CPack)
