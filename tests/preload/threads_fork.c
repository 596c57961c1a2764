/*
 * A plain POSIX program for tests/preload/threads_fork.sh (run under
 * xtcp-run against an echo server in the peer):
 *  1. connection A to the echo server (blocking connect);
 *  2. 4 threads at once, each with its own blocking connection, do 200
 *     round trips of 1000 bytes (thread-specific pattern; poll() before
 *     every read in odd threads) and compare every byte;
 *  3. fork: the child finds A unusable (write -> EBADF, docs/preload.md),
 *     closes it, and does 64 KiB of round trips on a connection of its own;
 *  4. after the child, the parent's A still echoes (the child's close did
 *     not close it);
 *  5. SO_RCVTIMEO 200 ms on A: a read with nothing to come fails with
 *     EAGAIN after about that long (socket(7)).
 * Exits 0 and prints "done" when all held; 1 otherwise.
 * usage: threads_fork ECHO_ADDR ECHO_PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sockaddr_in echo_addr;

static int dial(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&echo_addr, sizeof echo_addr) < 0) {
    fprintf(stderr, "threads_fork: connect: %s\n", strerror(errno));
    return -1;
  }
  return fd;
}

static int read_full(int fd, char *buf, size_t len, int use_poll) {
  size_t got = 0;
  while (got < len) {
    if (use_poll) {
      struct pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, 10000) != 1) return -1;
    }
    ssize_t n = read(fd, buf + got, len - got);
    if (n <= 0) return -1;
    got += (size_t)n;
  }
  return 0;
}

/* `rounds` echo round trips of `len` bytes; 0 when every byte came back. */
static int round_trips(int fd, int seed, int rounds, size_t len, int use_poll) {
  char out[4096], in[4096];
  if (len > sizeof out) return -1;
  for (int r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < len; ++i) out[i] = (char)(seed * 31 + r * 7 + (int)i);
    if (write(fd, out, len) != (ssize_t)len || read_full(fd, in, len, use_poll) < 0) return -1;
    if (memcmp(in, out, len) != 0) return -2;
  }
  return 0;
}

static void *worker(void *arg) {
  const int id = (int)(long)arg;
  int fd = dial();
  long rc = fd < 0 ? -1 : round_trips(fd, id, 200, 1000, id % 2);
  if (fd >= 0) close(fd);
  if (rc != 0) fprintf(stderr, "threads_fork: thread %d failed (%ld)\n", id, rc);
  return (void *)rc;
}

static int child(int inherited) {
  char c = 'x';
  errno = 0;
  if (write(inherited, &c, 1) != -1 || errno != EBADF) {
    fprintf(stderr, "threads_fork: child: inherited socket write gave errno %d, expected EBADF\n", errno);
    return 1;
  }
  if (close(inherited) != 0) return 1;
  int fd = dial();
  if (fd < 0 || round_trips(fd, 99, 16, 4096, 0) != 0) {
    fprintf(stderr, "threads_fork: child: own connection failed\n");
    return 1;
  }
  close(fd);
  printf("child: inherited socket EBADF, own connection 64 KiB echoed\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: threads_fork ECHO_ADDR ECHO_PORT\n");
    return 1;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  echo_addr.sin_family = AF_INET;
  echo_addr.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &echo_addr.sin_addr) != 1) return 1;

  int a = dial();
  if (a < 0 || round_trips(a, 1, 4, 1000, 0) != 0) return 1;
  pthread_t t[4];
  for (long i = 0; i < 4; ++i)
    if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) return 1;
  int bad = 0;
  for (int i = 0; i < 4; ++i) {
    void *rc;
    pthread_join(t[i], &rc);
    bad |= rc != NULL;
  }
  if (bad) return 1;
  printf("threads: 4 x 200 round trips echoed\n");

  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) _exit(child(a));
  int st = 0;
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    fprintf(stderr, "threads_fork: child failed (status %d)\n", st);
    return 1;
  }
  if (round_trips(a, 2, 4, 1000, 1) != 0) {
    fprintf(stderr, "threads_fork: parent's connection broken after the child\n");
    return 1;
  }
  struct timeval tv = {0, 200000};
  if (setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) return 1;
  struct timeval t0, t1;
  gettimeofday(&t0, NULL);
  char c;
  errno = 0;
  const ssize_t r = read(a, &c, 1);
  const int err = errno;
  gettimeofday(&t1, NULL);
  const long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_usec - t0.tv_usec) / 1000;
  if (r != -1 || err != EAGAIN || ms < 150 || ms > 3000) {
    fprintf(stderr, "threads_fork: SO_RCVTIMEO read: %zd, errno %d, after %ld ms\n", r, err, ms);
    return 1;
  }
  printf("SO_RCVTIMEO: read timed out with EAGAIN\n");
  close(a);
  printf("done\n");
  return 0;
}
