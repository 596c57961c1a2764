"""Neighbour poisoning (issue 15): frames claiming the peer's IP from
another MAC change nothing about where xtcpd sends.

A live connection (kernel client here, `xtcp-cat -l` in the dut) moves a
few bytes; then, from FAKE_MAC with the peer's IP: a SYN to the listener,
an out-of-window ACK and an out-of-window RST on the live flow. After that
every frame xtcpd sends still goes to the peer's MAC (the kernel's
neighbour entry), the live connection moves bytes both ways (sha256), and
an active open from xtcp to the peer's IP works.
"""
import hashlib
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_lib import (FORGED_ID, FORGED_TTL, Env, LiveConn, Report, Tap,  # noqa: E402
                         seq_add)
from scapy.all import AsyncSniffer, Ether, IP, TCP, sendp  # noqa: E402

FAKE_MAC = "02:66:66:66:66:66"
LIVE_PORT, OPEN_PORT = 7301, 7302


class DutFrames:
    """Destination MACs of every frame from the dut's IP."""

    def __init__(self, env):
        self.env, self.dsts, self.lock = env, [], threading.Lock()
        self.sniffer = AsyncSniffer(iface=env.pif, store=False, prn=self._on)

    def _on(self, pkt):
        if pkt.haslayer(IP) and pkt[IP].src == self.env.dut_ip and pkt.haslayer(TCP):
            with self.lock:
                self.dsts.append(pkt[Ether].dst.lower())

    def since(self, n):
        with self.lock:
            return self.dsts[n:]

    def count(self):
        with self.lock:
            return len(self.dsts)


def forge(env, dport, sport, flags, seq, ack):
    pkt = (Ether(src=FAKE_MAC, dst=env.dut_mac) /
           IP(src=env.peer_ip, dst=env.dut_ip, ttl=FORGED_TTL, id=FORGED_ID) /
           TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=502))
    sendp(pkt, iface=env.pif)


def kernel_server(port, got, ready):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(1)
    srv.settimeout(15)
    ready.set()
    try:
        c, _ = srv.accept()
        c.settimeout(15)
        while True:
            b = c.recv(1 << 16)
            if not b:
                break
            got.extend(b)
        c.close()
    except OSError:
        pass
    srv.close()


def main():
    env = Env()
    r = Report("neighbour_poison")
    peer_mac = env.peer_mac.lower()
    tap = Tap(env, [LIVE_PORT])
    frames = DutFrames(env)
    tap.start()
    frames.sniffer.start()
    time.sleep(0.3)
    conn = LiveConn(env, LIVE_PORT, "live")
    try:
        conn.start_dut()
        conn.connect()
        conn.peer_send(b"before" * 100)
        conn.dut_send(b"hello" * 100)
        r.check("the live connection moves bytes", conn.peer_read_until(conn.dut_sent_len))
        tap.wait_quiet(conn.key())
        snap = tap.snapshot(conn.key())
        mark = frames.count()
        # From another MAC, claiming the peer's IP.
        forge(env, LIVE_PORT, 40999, "S", 12345, 0)
        far = seq_add(snap.rcv_nxt, 1 << 30)  # far outside RCV.WND
        forge(env, LIVE_PORT, conn.peer_port, "A", far, snap.dut_snd_nxt)
        forge(env, LIVE_PORT, conn.peer_port, "A", snap.rcv_nxt, seq_add(snap.dut_snd_nxt, 1 << 30))
        forge(env, LIVE_PORT, conn.peer_port, "R", far, 0)
        time.sleep(0.5)
        # The live connection carries on, both ways.
        payload = os.urandom(200_000)
        conn.dut_send(payload)
        conn.peer_send(b"after" * 1000)
        ok = conn.peer_read_until(conn.dut_sent_len)
        r.check("after the forgeries the peer gets every byte the dut sends", ok,
                conn.peer_received_ok()[1])
        r.check("... intact (sha256)", conn.peer_received_ok()[0])
        conn.dut_close()
        conn.sock.shutdown(socket.SHUT_WR)
        conn.peer_read_eof(limit=10)
        r.check("xtcp-cat exits 0", conn.dut_wait(limit=10) == 0)
        r.check("... having written every byte the peer sent (sha256)", conn.dut_received_ok()[0],
                conn.dut_received_ok()[1])
        # An active open to the peer's IP.
        got, ready = bytearray(), threading.Event()
        th = threading.Thread(target=kernel_server, args=(OPEN_PORT, got, ready))
        th.start()
        ready.wait(5)
        data = os.urandom(300_000)
        out = subprocess.run(["ip", "netns", "exec", env.dut_ns, f"{env.build}/xtcp-cat",
                              "--socket", env.sock, env.peer_ip, str(OPEN_PORT)],
                             input=data, capture_output=True, timeout=30)
        th.join(20)
        r.check("an active open to the peer's IP afterwards works (xtcp-cat exit 0)",
                out.returncode == 0, out.stderr.decode(errors="replace").strip()[-200:])
        r.check("... and its bytes arrive intact (sha256)",
                hashlib.sha256(bytes(got)).digest() == hashlib.sha256(data).digest(),
                f"sent {len(data)}, got {len(got)}")
        time.sleep(0.2)
        after = frames.since(mark)
        wrong = [d for d in after if d != peer_mac]
        r.check("every frame xtcpd sent after the forgeries went to the peer's MAC",
                len(after) > 0 and not wrong,
                f"{len(after)} frames, {len(wrong)} to another MAC ({sorted(set(wrong))[:3]})")
    finally:
        conn.kill()
        tap.stop()
        frames.sniffer.stop()
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
