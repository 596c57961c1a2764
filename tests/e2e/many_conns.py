"""Many concurrent HTTP connections to xtcp-http-example, each checked.

Usage: many_conns.py HOST PORT COUNT DEADLINE_S
Opens all COUNT connections first (non-blocking connects, all must
complete), then sends every request (GET /gen/N, a different N each), then
reads every reply to EOF and checks status, Content-Length and each byte.
Prints a summary; exit 0 only if every connection passed."""
import errno
import os
import resource
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_bytes  # noqa: E402


def size_of(i):
    return 1 + (i * 7919) % 40000  # 1 .. 40000 bytes, distinct for i < 40000


def open_all(host, port, count, deadline):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(count):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex((host, port))
        if rc not in (0, errno.EINPROGRESS):
            raise SystemExit(f"connect {i}: {os.strerror(rc)}")
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE, i)
    pending = count
    while pending:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SystemExit(f"{pending} of {count} connects still pending at the deadline")
        for key, _ in sel.select(min(left, 1.0)):
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise SystemExit(f"connect {key.data}: {os.strerror(err)}")
            sel.unregister(key.fileobj)
            pending -= 1
    sel.close()
    return socks


def exchange(socks, host, deadline):
    sel = selectors.DefaultSelector()
    out = {}
    for i, s in enumerate(socks):
        req = f"GET /gen/{size_of(i)} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        s.setblocking(True)
        s.sendall(req.encode())
        s.setblocking(False)
        out[i] = bytearray()
        sel.register(s, selectors.EVENT_READ, i)
    open_count = len(socks)
    while open_count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SystemExit(f"{open_count} replies unfinished at the deadline")
        for key, _ in sel.select(min(left, 1.0)):
            try:
                chunk = key.fileobj.recv(1 << 16)
            except ConnectionResetError:
                raise SystemExit(f"connection {key.data} reset by the server")
            if chunk:
                out[key.data] += chunk
                continue
            sel.unregister(key.fileobj)
            key.fileobj.close()
            open_count -= 1
    return out


def check(i, raw):
    n = size_of(i)
    head, sep, body = bytes(raw).partition(b"\r\n\r\n")
    if not sep:
        return f"connection {i}: no header end in {len(raw)} bytes"
    lines = head.decode("latin-1").split("\r\n")
    if lines[0].split()[1:2] != ["200"]:
        return f"connection {i}: status line {lines[0]!r}"
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length" and int(v) != n:
            return f"connection {i}: Content-Length {v.strip()} for /gen/{n}"
    if len(body) != n:
        return f"connection {i}: body {len(body)} bytes, want {n}"
    if body != gen_bytes.gen(n):
        return f"connection {i}: body of /gen/{n} differs from the pattern"
    return None


def main():
    host, port, count, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
    start = time.monotonic()
    deadline = start + limit
    socks = open_all(host, port, count, deadline)
    t_open = time.monotonic() - start
    replies = exchange(socks, host, deadline)
    errors = [e for e in (check(i, r) for i, r in replies.items()) if e]
    total = sum(len(r) for r in replies.values())
    print(f"{count} connections open in {t_open:.2f} s; {count - len(errors)} replies correct, "
          f"{total} bytes in {time.monotonic() - start:.2f} s")
    for e in errors[:10]:
        print(e)
    return 0 if not errors else 1


sys.exit(main())
