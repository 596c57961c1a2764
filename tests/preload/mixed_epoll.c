/*
 * A plain POSIX program (no libxtcp) for tests/preload/mixed_epoll.sh: one
 * epoll set mixes a TCP listener and its accepted connection, a
 * non-blocking outgoing TCP connection (EINPROGRESS, SO_ERROR, TCP_INFO),
 * a Unix socketpair and a UDP socket. Run under xtcp-run, the two TCP
 * sockets are xtcp and the others stay kernel sockets.
 *
 * Bytes from the accepted client go through the socketpair, out on the
 * outgoing connection to an echo server, and the echo goes back to the
 * client; UDP datagrams are answered with "echo:" + payload. EOF travels
 * the same way (shutdown(SHUT_WR) at each hop). Exits 0 when every hop
 * finished and at least one datagram was answered; 1 on any error; 2 after
 * 60 s (bounded).
 *
 * usage: mixed_epoll LISTEN_PORT UDP_ADDR UDP_PORT ECHO_ADDR ECHO_PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536

struct hop {
  const char *name;
  int *src, *dst;
  char buf[BUF];
  size_t len, off;
  int eof, done;
  unsigned long long bytes;
};

static void die(const char *what) {
  fprintf(stderr, "mixed_epoll: %s: %s\n", what, strerror(errno));
  exit(1);
}

static struct sockaddr_in addr4(const char *ip, int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    fprintf(stderr, "mixed_epoll: bad address %s\n", ip);
    exit(1);
  }
  return a;
}

/* One step of a hop: read when empty, write what is pending. */
static void pump(struct hop *h) {
  if (h->done || *h->src < 0 || *h->dst < 0) return;
  if (h->len == h->off && !h->eof) {
    ssize_t n = read(*h->src, h->buf, BUF);
    if (n > 0) {
      h->len = (size_t)n;
      h->off = 0;
    } else if (n == 0) {
      h->eof = 1;
    } else if (errno != EAGAIN) {
      die(h->name);
    }
  }
  while (h->off < h->len) {
    ssize_t n = write(*h->dst, h->buf + h->off, h->len - h->off);
    if (n < 0) {
      if (errno == EAGAIN) return;
      die(h->name);
    }
    h->off += (size_t)n;
    h->bytes += (unsigned long long)n;
  }
  if (h->eof && !h->done) {
    if (shutdown(*h->dst, SHUT_WR) < 0) die("shutdown");
    h->done = 1;
  }
}

static void interest(int ep, int fd, unsigned ev, int *registered) {
  struct epoll_event e;
  memset(&e, 0, sizeof e);
  e.events = ev;
  e.data.fd = fd;
  if (epoll_ctl(ep, *registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &e) < 0) die("epoll_ctl");
  *registered = 1;
}

/* The client's first bytes: FIONREAD sees them, MSG_PEEK returns them
 * without consuming (the next read returns the same bytes). They start
 * the client->unix hop. 1 when done, 0 when nothing is there yet. */
static int peek_check(int fd, struct hop *h) {
  struct pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, 0) != 1) return 0;
  int avail = -1;
  if (ioctl(fd, FIONREAD, &avail) < 0) die("FIONREAD");
  char pk[16];
  ssize_t k = recv(fd, pk, sizeof pk, MSG_PEEK);
  if (k <= 0 || avail < k) {
    fprintf(stderr, "mixed_epoll: FIONREAD %d, MSG_PEEK %zd\n", avail, k);
    exit(1);
  }
  if (read(fd, h->buf, (size_t)k) != k || memcmp(pk, h->buf, (size_t)k) != 0) {
    fprintf(stderr, "mixed_epoll: the read after MSG_PEEK returned other bytes\n");
    exit(1);
  }
  h->len = (size_t)k;
  h->off = 0;
  printf("peek: FIONREAD > 0, MSG_PEEK %zd bytes, the read returned the same\n", k);
  return 1;
}

/* Loopback stays kernel TCP, also for a client bound to 0.0.0.0:0 first
 * (the shim records a wildcard bind and must do it in the kernel once the
 * remote turns out not to be xtcp's). */
static void loopback_check(void) {
  int one = 1;
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in lo = addr4("127.0.0.1", 0);
  socklen_t len = sizeof lo;
  if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(l, (struct sockaddr *)&lo, sizeof lo) < 0 || listen(l, 1) < 0 ||
      getsockname(l, (struct sockaddr *)&lo, &len) < 0)
    die("loopback listener");
  int c = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in any = addr4("0.0.0.0", 0);
  if (c < 0 || bind(c, (struct sockaddr *)&any, sizeof any) < 0 ||
      connect(c, (struct sockaddr *)&lo, sizeof lo) < 0)
    die("loopback connect after a wildcard bind");
  int a = accept(l, NULL, NULL);
  char buf[3] = {0};
  if (a < 0 || write(c, "hi", 2) != 2 || read(a, buf, 2) != 2 || memcmp(buf, "hi", 2) != 0) die("loopback transfer");
  close(a);
  close(c);
  close(l);
  printf("loopback: kernel TCP after a wildcard bind\n");
}

/* The outgoing connection finished its handshake: SO_ERROR and TCP_INFO. */
static void check_connected(int fd) {
  int err = -1;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) die("SO_ERROR");
  if (err != 0) {
    errno = err;
    die("non-blocking connect");
  }
  struct tcp_info ti;
  len = sizeof ti;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) die("TCP_INFO");
  if (ti.tcpi_state != 1) { /* TCP_ESTABLISHED in the kernel's numbering */
    fprintf(stderr, "mixed_epoll: TCP_INFO state %u, expected ESTABLISHED\n", ti.tcpi_state);
    exit(1);
  }
  printf("connected: SO_ERROR 0, TCP_INFO state ESTABLISHED mss %u\n", ti.tcpi_snd_mss);
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: mixed_epoll LISTEN_PORT UDP_ADDR UDP_PORT ECHO_ADDR ECHO_PORT\n");
    return 1;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  loopback_check();
  int one = 1;
  int lst = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in any = addr4("0.0.0.0", atoi(argv[1]));
  if (lst < 0 || setsockopt(lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      setsockopt(lst, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
      bind(lst, (struct sockaddr *)&any, sizeof any) < 0 || listen(lst, 4) < 0)
    die("listener");
  int udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in ua = addr4(argv[2], atoi(argv[3]));
  if (udp < 0 || bind(udp, (struct sockaddr *)&ua, sizeof ua) < 0) die("udp");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) die("socketpair");
  int out = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in ea = addr4(argv[4], atoi(argv[5]));
  if (out < 0) die("socket");
  if (connect(out, (struct sockaddr *)&ea, sizeof ea) == 0 || errno != EINPROGRESS) {
    fprintf(stderr, "mixed_epoll: non-blocking connect returned %s, expected EINPROGRESS\n", strerror(errno));
    return 1;
  }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  int reg_l = 0, reg_u = 0, reg_o = 0, reg_c = 0, reg_s0 = 0, reg_s1 = 0;
  interest(ep, lst, EPOLLIN, &reg_l);
  interest(ep, udp, EPOLLIN, &reg_u);
  interest(ep, out, EPOLLOUT, &reg_o);
  printf("ready\n");

  int conn = -1, connected = 0, udp_echoes = 0, peeked = 0;
  static struct hop in = {"client->unix"}, mid = {"unix->out"}, back = {"out->client"};
  in.src = &conn;
  in.dst = &sv[0];
  mid.src = &sv[1];
  mid.dst = &out;
  back.src = &out;
  back.dst = &conn;
  const time_t end = time(NULL) + 60;
  while (!(in.done && mid.done && back.done && udp_echoes > 0)) {
    if (time(NULL) > end) {
      fprintf(stderr, "mixed_epoll: not finished after 60 s\n");
      return 2;
    }
    struct epoll_event ev[8];
    int n = epoll_wait(ep, ev, 8, 1000);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; ++i) {
      const int fd = ev[i].data.fd;
      if (fd == lst && conn < 0) {
        int c = accept4(lst, NULL, NULL, SOCK_NONBLOCK);
        if (c < 0) {
          if (errno == EAGAIN) continue;
          die("accept4");
        }
        conn = dup(c); /* the dup must carry the xtcp socket */
        if (conn < 0 || close(c) < 0) die("dup/close");
        /* Like Linux, the accepted socket inherits the listener's TCP_NODELAY. */
        int nd = 0;
        socklen_t ndl = sizeof nd;
        if (getsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &nd, &ndl) < 0) die("TCP_NODELAY");
        printf("accepted: TCP_NODELAY %d\n", nd);
      } else if (fd == udp) {
        char d[512];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t r = recvfrom(udp, d + 5, sizeof d - 5, 0, (struct sockaddr *)&from, &fl);
        if (r < 0) continue;
        memcpy(d, "echo:", 5);
        if (sendto(udp, d, (size_t)r + 5, 0, (struct sockaddr *)&from, fl) < 0) die("sendto");
        ++udp_echoes;
      } else if (fd == out && !connected && (ev[i].events & (EPOLLOUT | EPOLLERR))) {
        check_connected(out);
        connected = 1;
      }
    }
    if (!connected) continue;
    if (conn >= 0 && !peeked) peeked = peek_check(conn, &in);
    if (peeked) pump(&in);
    pump(&mid);
    pump(&back);
    /* Level-triggered interest from what each hop waits for. */
    if (conn >= 0)
      interest(ep, conn, (in.len == in.off && !in.eof ? EPOLLIN : 0) | (back.off < back.len ? EPOLLOUT : 0), &reg_c);
    interest(ep, sv[0], in.off < in.len ? EPOLLOUT : 0, &reg_s0);
    interest(ep, sv[1], mid.len == mid.off && !mid.eof ? EPOLLIN : 0, &reg_s1);
    interest(ep, out, (back.len == back.off && !back.eof ? EPOLLIN : 0) | (mid.off < mid.len ? EPOLLOUT : 0), &reg_o);
  }
  printf("done: tcp in %llu bytes, unix %llu bytes, tcp back %llu bytes, udp echoes %d\n", in.bytes, mid.bytes,
         back.bytes, udp_echoes);
  close(conn);
  close(out);
  close(lst);
  close(ep);
  return 0;
}
