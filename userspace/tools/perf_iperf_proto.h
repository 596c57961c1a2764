// iperf3's control protocol as the xtcp-perf server speaks it (iperf3 3.x):
// the client sends a 37-byte cookie (36 characters and a NUL) on the control
// connection and again first on every data stream; the server drives the
// test with one signed byte per state; parameters and results travel as a
// 4-byte big-endian length followed by that many bytes of JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xtcp::perf::iperf {

inline constexpr size_t kCookieSize = 37;
// The largest JSON message we accept (params are ~300 bytes, results grow
// with the stream count); guards against a garbage length.
inline constexpr uint32_t kMaxJsonSize = 1 << 20;
inline constexpr uint32_t kDefaultBlockSize = 128 * 1024;
inline constexpr int kMaxStreams = 128;

// The state byte values (iperf3's iperf_api.h numbering).
enum State : int8_t {
  kTestStart = 1,
  kTestRunning = 2,
  kTestEnd = 4,
  kParamExchange = 9,
  kCreateStreams = 10,
  kServerTerminate = 11,
  kClientTerminate = 12,
  kExchangeResults = 13,
  kDisplayResults = 14,
  kIperfStart = 15,
  kIperfDone = 16,
  kAccessDenied = -1,
  kServerError = -2,
};

struct Params {
  bool udp = false;
  bool reverse = false;  // server sends
  bool bidir = false;    // both: the first `parallel` streams carry client->server
  int parallel = 1;
  uint32_t block_size = kDefaultBlockSize;
  double duration_s = 10;
  std::string client_version;
};

// iperf3's i_errno values the server reports after SERVER_ERROR.
inline constexpr int32_t kErrNumStreams = 6;   // IENUMSTREAMS
inline constexpr int32_t kErrBlockSize = 7;    // IEBLOCKSIZE
inline constexpr int32_t kErrUnimplemented = 13;  // IEUNIMP

// Parses the client's parameter JSON; nullopt + why + i_errno when it is
// malformed or asks for something this server does not do (UDP, too many
// streams).
std::optional<Params> parse_params(std::string_view json, std::string& why, int32_t& i_errno);

// Stream ids as iperf3 numbers them: 1 for the first, then 3, 4, 5, ...
// (the client matches result entries to its streams by this id).
int stream_id(size_t index);

struct StreamResult {
  int id = 0;
  uint64_t bytes = 0;
  int64_t retransmits = -1;  // -1: unknown
  double start_s = 0;
  double end_s = 0;
};

struct Results {
  double cpu_total = 0, cpu_user = 0, cpu_system = 0;  // percent of one core
  int sender_has_retransmits = -1;  // -1 receiver only; 0/1 as a sender
  std::vector<StreamResult> streams;
};

std::string results_json(const Results& r);
std::optional<Results> parse_results(std::string_view json);

// 4-byte big-endian length then the text.
std::string frame_json(std::string_view json);
// The length prefix of a framed message (first 4 bytes).
uint32_t frame_length(const uint8_t* four);

// What the server sends after SERVER_ERROR: iperf3 reads two 32-bit
// big-endian ints (its i_errno and errno).
std::string server_error_message(int32_t i_errno, int32_t err);

}  // namespace xtcp::perf::iperf
