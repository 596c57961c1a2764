"""Kernel stand-in for xtcp-http-example (XTCP_E2E_STANDIN=kernel): the same
contract (GET /gen/N, GET /<file> from --root, Connection: close, prints
`listening on ...` when ready) on Python's kernel sockets, so the test
scripts can be checked without xtcpd."""
import argparse
import http.server
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_bytes  # noqa: E402


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    root = "."

    def log_message(self, *args):
        pass

    def body(self):
        if self.path.startswith("/gen/") and self.path[5:].isdigit():
            return gen_bytes.gen(int(self.path[5:]))
        name = os.path.basename(self.path)
        try:
            with open(os.path.join(self.root, name), "rb") as f:
                return f.read()
        except OSError:
            return None

    def do_GET(self):
        data = self.body()
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    request_queue_size = 2048
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--addr", default="::")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--root", default=".")
    a = p.parse_args()
    Handler.root = a.root
    srv = Server(("::", a.port), Handler)  # dual stack: any address, v4 and v6
    print(f"listening on [{a.addr}]:{a.port}", flush=True)
    srv.serve_forever()


main()
