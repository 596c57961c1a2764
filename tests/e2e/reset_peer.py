"""A kernel TCP client that sends until the other end resets it.

Usage: reset_peer.py HOST PORT MAX_BYTES RATE_MBPS LIMIT_S
Connects (retrying refusals for 5 s), sends random bytes at up to
RATE_MBPS (0: unthrottled) until MAX_BYTES are sent, then half-closes and
reads. Exit 0 with `reset: ERRNO after N bytes` when a send or recv fails
with ECONNRESET or EPIPE; exit 1 if the connection ends cleanly, stalls, or
outlives LIMIT_S (a client that is never reset)."""
import os
import socket
import sys
import time


def connect(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    end = time.monotonic() + 5
    while True:
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.connect((host, port))
            return s
        except ConnectionRefusedError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.05)


def main():
    host, port, max_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rate, limit = float(sys.argv[4]), float(sys.argv[5])
    s = connect(host, port)
    print("connected", flush=True)
    s.settimeout(1.0)
    buf = os.urandom(1 << 16)
    sent = 0
    start = time.monotonic()
    try:
        while sent < max_bytes:
            if time.monotonic() - start > limit:
                print(f"no reset within {limit} s ({sent} bytes sent)")
                return 1
            if rate > 0 and sent * 8 / 1e6 > rate * (time.monotonic() - start):
                time.sleep(0.005)
                continue
            try:
                sent += s.send(buf[: min(len(buf), max_bytes - sent)])
            except socket.timeout:
                continue  # window closed: keep trying until the limit
        s.shutdown(socket.SHUT_WR)
        while time.monotonic() - start < limit:
            try:
                if not s.recv(1 << 16):
                    print(f"clean end after {sent} bytes: the connection was not reset")
                    return 1
            except socket.timeout:
                continue
        print(f"no reset within {limit} s ({sent} bytes sent)")
        return 1
    except (ConnectionResetError, BrokenPipeError) as e:
        print(f"reset: {type(e).__name__} after {sent} bytes, "
              f"{time.monotonic() - start:.2f} s", flush=True)
        return 0


sys.exit(main())
