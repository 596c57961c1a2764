# The TCP-engine fuzz target (owned by the simulated-link/fuzz engineer).
# Included from tests/sim/CMakeLists.txt; tests/fuzz/CMakeLists.txt may
# include it too (the guard makes a second include a no-op).
#
#   cmake -S . -B build-fuzz -G Ninja -DXTCP_FUZZ=ON \
#     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
#   cmake --build build-fuzz --target fuzz_tcp_engine
#   ./build-fuzz/fuzz_tcp_engine -max_total_time=60 tests/fuzz/corpus/fuzz_tcp_engine
include_guard(GLOBAL)
if(XTCP_FUZZ AND NOT TARGET fuzz_tcp_engine)
  # The engine and wire sources are compiled into the target so that
  # libFuzzer's coverage instrumentation reaches them.
  file(GLOB fuzz_engine_sources CONFIGURE_DEPENDS
       ${CMAKE_SOURCE_DIR}/userspace/tcp/*.cpp ${CMAKE_SOURCE_DIR}/userspace/tcp/congestion/*.cpp
       ${CMAKE_SOURCE_DIR}/userspace/wire/*.cpp)
  add_executable(fuzz_tcp_engine ${CMAKE_CURRENT_LIST_DIR}/fuzz_tcp_engine.cpp ${fuzz_engine_sources})
  target_compile_options(fuzz_tcp_engine PRIVATE -fsanitize=fuzzer,address,undefined -g)
  target_link_options(fuzz_tcp_engine PRIVATE -fsanitize=fuzzer,address,undefined)
endif()
