// Runs a tool as a child with pipes on stdin/stdout/stderr (parent ends
// non-blocking), bounded waits, and a kill on timeout.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace xtcp::test {

struct Child {
  pid_t pid = -1;
  int in = -1;   // child's stdin (write end); -1 when /dev/null
  int out = -1;  // child's stdout (read end)
  int err = -1;  // child's stderr (read end)

  Child() = default;
  Child(Child&& o) noexcept
      : pid(std::exchange(o.pid, -1)), in(std::exchange(o.in, -1)),
        out(std::exchange(o.out, -1)), err(std::exchange(o.err, -1)) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child& operator=(Child&&) = delete;

  static Child spawn(const std::vector<std::string>& args, bool stdin_null = false) {
    int pin[2], pout[2], perr[2];
    Child c;
    if (pipe2(pin, O_CLOEXEC) != 0 || pipe2(pout, O_CLOEXEC) != 0 || pipe2(perr, O_CLOEXEC) != 0) return c;
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    c.pid = fork();
    if (c.pid == 0) {  // async-signal-safe calls only until exec
      dup2(stdin_null ? devnull : pin[0], 0);
      dup2(pout[1], 1);
      dup2(perr[1], 2);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(devnull);
    close(pin[0]), close(pout[1]), close(perr[1]);
    if (stdin_null) close(pin[1]);
    else c.in = pin[1];
    c.out = pout[0];
    c.err = perr[0];
    for (int fd : {c.in, c.out, c.err})
      if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return c;
  }

  void close_stdin() {
    if (in >= 0) close(in);
    in = -1;
  }

  // Exit status (0..255), 128+signal, or -1 after timeout_ms (then killed).
  int wait(int timeout_ms) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    int status = 0;
    while (std::chrono::steady_clock::now() < end) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    pid = -1;
    return -1;
  }

  // Whatever is in the pipe now (non-blocking).
  static std::string drain(int fd) {
    std::string s;
    char buf[4096];
    for (ssize_t n; fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0;) s.append(buf, static_cast<size_t>(n));
    return s;
  }

  ~Child() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    for (int fd : {in, out, err})
      if (fd >= 0) close(fd);
  }
};

inline size_t count_lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace xtcp::test
