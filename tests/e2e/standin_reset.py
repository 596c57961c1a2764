"""Kernel stand-in for `xtcp-e2e-hostile tamper PORT SECONDS`
(XTCP_E2E_STANDIN=kernel): accepts two connections and, like a daemon
that caught ring tampering, resets both (SO_LINGER 0) after 0.3 s."""
import socket
import struct
import sys
import time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", port))
srv.listen(4)
print(f"listening {port}", flush=True)
conns = [srv.accept()[0] for _ in range(2)]
time.sleep(0.3)
for c in conns:
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
print("reset both connections", flush=True)
time.sleep(seconds)
