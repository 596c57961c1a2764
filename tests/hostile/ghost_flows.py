"""Connections scapy plays itself (from an address no kernel owns) against
`xtcp-cat -l` listeners in the dut (issue 6):

  mss48 / mss0  SYN with MSS 48 / 0: every data segment of the dut carries
                at most 48 bytes (RFC 9293 3.7.1 MUST-16; 0 is raised to 48)
  wrap          our ISN 5000 below 2^32: 60 kB cross the sequence wrap
  window        the dut sends 300 kB while we shrink the window (the right
                edge moves left), close it (zero window: the dut must send
                persist probes of at most one byte, RFC 9293 3.8.6.1) and
                reopen it
Bytes are compared in full both ways; xtcp-cat must exit 0.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_lib import Env, GhostConn, LiveConn, Report, Tap, seq_add  # noqa: E402

PORTS = {"mss48": 7201, "mss0": 7202, "wrap": 7203, "window": 7204}


class Run:
    def __init__(self):
        self.env = Env()
        self.r = Report("ghost_flows")
        self.tap = Tap(self.env, PORTS.values())

    def open(self, name, isn=None, syn_opts=(("MSS", 1460),)):
        app = LiveConn(self.env, PORTS[name], name)
        app.start_dut()
        isn = random.randrange(1 << 32) if isn is None else isn
        end = time.monotonic() + 5
        while time.monotonic() < end:  # until xtcp-cat listens (else a RST)
            g = GhostConn(self.env, self.tap, PORTS[name], isn, syn_opts)
            synack = g.handshake(limit=0.5)
            if synack:
                return app, g, synack
        return app, None, None

    def close(self, app, g, name, to_dut):
        """Our FIN after sending TO_DUT; xtcp-cat must exit 0 with it all."""
        sent = g.send_stream(to_dut)
        g.send("FA")
        g.snd_nxt = seq_add(g.snd_nxt, 1)
        g.receive(lambda c: c.dut_ack == c.snd_nxt, limit=5)
        rc = app.dut_wait(10)
        with open(app.out, "rb") as f:
            got = f.read()
        self.r.check(f"{name}: {len(to_dut)} bytes to the dut intact", sent and got == to_dut,
                     f"dut wrote {len(got)}")
        self.r.check(f"{name}: xtcp-cat exits 0", rc == 0, f"exit {rc}")

    def mss(self, name, value):
        app, g, synack = self.open(name, syn_opts=[("MSS", value)])
        if not self.r.check(f"{name}: SYN with MSS {value} answered by a SYN-ACK", g is not None):
            return app.kill()
        blob = os.urandom(3000)
        app.dut_send(blob)
        app.dut_close()
        ok = g.receive(lambda c: c.dut_fin, limit=10)
        sizes = [n for (s, n) in g.segs if n > 0]
        self.r.check(f"{name}: 3000 bytes and the FIN from the dut intact",
                     ok and bytes(g.received) == blob, f"got {len(g.received)}")
        self.r.check(f"{name}: no data segment above 48 bytes", sizes and max(sizes) <= 48,
                     f"{len(sizes)} segments, largest {max(sizes) if sizes else 0}")
        self.close(app, g, name, os.urandom(2000))

    def wrap(self):
        app, g, _ = self.open("wrap", isn=(1 << 32) - 5000)
        if not self.r.check("wrap: handshake with ISN 2^32-5000", g is not None):
            return app.kill()
        app.dut_close()
        self.close(app, g, "wrap: across the sequence wrap", os.urandom(60000))

    def window(self):
        app, g, _ = self.open("window")
        if not self.r.check("window: handshake", g is not None):
            return app.kill()
        blob = os.urandom(300000)
        app.dut_send(blob)
        app.dut_close()
        g.receive(lambda c: len(c.received) >= 50000, window=16384)
        # Shrink: the right edge moves from RCV.NXT+16384 to RCV.NXT+2000
        # (RFC 9293 3.8.6.2.1: the sender must cope); data keeps flowing.
        g.send("A", window=2000)
        ok = g.receive(lambda c: len(c.received) >= 100000, window=2000, limit=15)
        self.r.check("window: the dut keeps sending into a shrunken 2000-byte window", ok,
                     f"{len(g.received)} bytes")
        # Zero window: ACK everything with window 0 and take nothing.
        t0 = time.monotonic()
        g.send("A", window=0)
        probes, bad = 0, []
        while time.monotonic() - t0 < 3.0:
            got = g.next_seg(0.1)
            if not got:
                continue
            s, data = got
            if time.monotonic() - t0 < 0.5:
                # Sent into the 2000-byte window before ours closed: in
                # flight, not taken, resent after the reopening.
                g.send("A", window=0)
                continue
            if len(data) > 1 or s["flags"] & 0x01:
                bad.append(f"seq={s['seq']} len={len(data)} flags={s['flags']:#x}")
            if len(data) <= 1:
                probes += 1
            g.send("A", window=0)  # our RCV.NXT stays: the probe byte is not taken
        self.r.check("window: zero window: nothing but probes of at most 1 byte", not bad,
                     ", ".join(bad[:3]))
        self.r.check("window: zero window: at least 2 probes in 2.5 s after the in-flight data", probes >= 2,
                     f"{probes} probes")
        g.send("A", window=65535)  # the window update that reopens it
        ok = g.receive(lambda c: c.dut_fin, window=65535, limit=20)
        self.r.check("window: after reopening, all 300000 bytes and the FIN intact",
                     ok and bytes(g.received) == blob, f"got {len(g.received)}")
        self.close(app, g, "window", b"bye")

    def run(self):
        self.tap.start()
        try:
            self.mss("mss48", 48)
            self.mss("mss0", 0)
            self.wrap()
            self.window()
            self.r.check("xtcpd alive after the ghost flows", self.env.daemon_alive())
        finally:
            self.tap.stop()
        return self.r.finish()


if __name__ == "__main__":
    sys.exit(Run().run())
