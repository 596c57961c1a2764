#include "preload/event_mask.h"

#include "xtcp/xtcp.h"

namespace xtcp::preload {

short xtcp_interest(uint32_t events) {
  short m = 0;
  if (events & (EPOLLIN | EPOLLRDHUP)) m |= XTCP_POLLIN;
  if (events & EPOLLOUT) m |= XTCP_POLLOUT;
  return m;
}

uint32_t epoll_bits(short xtcp_ready, uint32_t events) {
  uint32_t r = 0;
  if ((xtcp_ready & XTCP_POLLIN) && (events & EPOLLIN)) r |= EPOLLIN;
  if ((xtcp_ready & XTCP_POLLOUT) && (events & EPOLLOUT)) r |= EPOLLOUT;
  if (xtcp_ready & XTCP_POLLERR) r |= EPOLLERR;
  if (xtcp_ready & XTCP_POLLHUP) {
    r |= EPOLLHUP;
    if (events & EPOLLIN) r |= EPOLLIN;
    if (events & EPOLLRDHUP) r |= EPOLLRDHUP;
  }
  return r;
}

uint32_t edge_report(EdgeState& st, uint32_t ready, bool signalled, const EdgeCounters& now) {
  constexpr uint32_t kIn = EPOLLIN | EPOLLRDHUP;
  if (now.in_gen != st.in_gen || now.rx_delivered != st.rx_delivered) st.reported &= ~kIn;
  if (now.state != st.state) st.reported = 0;  // FIN, error or close: every bit is news
  st.in_gen = now.in_gen;
  st.rx_delivered = now.rx_delivered;
  st.state = now.state;
  if (now.out_gen != st.out_gen) {
    st.reported &= ~static_cast<uint32_t>(EPOLLOUT);
    st.out_gen = now.out_gen;
  }
  const bool fresh = (ready & ~st.reported) != 0 || (signalled && ready != 0);
  st.reported = ready;  // a bit that went off is an edge again when it returns
  return fresh ? ready : 0;
}

}  // namespace xtcp::preload
