"""Hostile segments against live kernel-TCP connections to xtcpd (issue 6).

For each synchronized state of the dut's side that a kernel peer can hold
still (ESTABLISHED, CLOSE-WAIT, FIN-WAIT-2), two connections: a survivor
that takes every forged segment that must not kill it, then moves its
bytes both ways (sha256 both ends), and a victim that takes the one RST
that must reset it (SEG.SEQ == RCV.NXT, RFC 5961 3.2).

Expected replies (RFC 5961 3.2 / 4.2, RFC 9293 3.10.7.4):
  RST  RCV.NXT-1          dropped silently (outside the window)
  RST  RCV.NXT            connection reset (victim only)
  RST  RCV.NXT+RCV.WND-1  challenge ACK, connection stays
  RST  RCV.NXT+RCV.WND    dropped silently
  SYN  at all four        an ACK (challenge ACK in the window; the
                          unacceptable-segment ACK outside), connection stays
The ESTABLISHED survivor also takes the rest of the list: ACKs of data
never sent and too old (RFC 5961 5.2: ACK, drop), SYN+FIN, no flags, bad TCP
and IP checksums, options of length 0 / 1 / past the header, SACK blocks
outside the window, PAWS (RFC 7323 5.3) and a missing timestamp (RFC 7323
3.2). Forged payload bytes differ from the real stream's, so delivering
any of them breaks the sha256 check at the end.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_lib import (Env, LiveConn, Report, Tap, inject, is_pure_ack,  # noqa: E402
                         seq_add)

REPLY_WAIT = 0.35  # a challenge ACK leaves at once; wait this long for one
BASE_PORT = 7101
STATES = ["ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_2"]


class Run:
    def __init__(self):
        self.env = Env()
        self.r = Report("live_states")
        self.ports = [BASE_PORT + i for i in range(2 * len(STATES))]
        self.tap = Tap(self.env, self.ports)

    def wait_state(self, conn, want, limit=5.0):
        end = time.monotonic() + limit
        st = None
        while time.monotonic() < end:
            st = self.env.conn_state(conn.port, conn.peer_port)
            if st == want:
                return True
            time.sleep(0.05)
        self.r.log(f"{conn.name}: state {st}, wanted {want}")
        return False

    def counted(self, what, reason, n, send):
        """send() forges n frames the parser must drop: queueN.rx_malformed
        and queueN.rx_malformed_<reason> (why) each grow by n."""
        total0, why0 = self.env.stat_sum("rx_malformed"), self.env.stat_sum("rx_malformed_" + reason)
        send()
        total1, why1 = self.env.stat_sum("rx_malformed"), self.env.stat_sum("rx_malformed_" + reason)
        self.r.check(f"{what} are counted (queueN.rx_malformed)", total1 - total0 == n,
                     f"{total0} -> {total1}")
        self.r.check(f"... and say why (queueN.rx_malformed_{reason})", why1 - why0 == n,
                     f"{why0} -> {why1}")

    def forge(self, conn, what, expect, **kw):
        """Injects one segment once the flow is quiet and checks the reply:
        expect is 'ack' (a pure ACK of RCV.NXT from SND.NXT) or 'drop'."""
        key = conn.key()
        quiet = self.tap.wait_quiet(key)
        snap = self.tap.snapshot(key)
        seq = kw.pop("seq")(snap) if callable(kw.get("seq")) else kw.pop("seq")
        ack = kw.pop("ack")(snap) if callable(kw.get("ack")) else kw.pop("ack", None)
        t0 = time.monotonic()
        inject(self.env, snap, conn.port, conn.peer_port, seq=seq, ack=ack, **kw)
        time.sleep(REPLY_WAIT)
        segs = self.tap.dut_segs_since(key, t0)
        desc = f"{conn.name} {what}"
        got = ", ".join(f"flags={s['flags']:#x} seq={s['seq']} ack={s['ack']} len={s['len']}"
                        for s in segs) or "nothing"
        if expect == "ack":
            ok = any(is_pure_ack(s, snap.rcv_nxt) and s["seq"] == snap.dut_snd_nxt for s in segs)
            self.r.check(f"{desc}: an ACK of RCV.NXT={snap.rcv_nxt}", ok and quiet, got)
        else:
            self.r.check(f"{desc}: dropped silently", not segs and quiet, got)
        return snap

    def matrix(self, conn, state, victim):
        """RST and SYN at the four edges (module docstring)."""
        def at(off):
            return lambda s: seq_add(s.rcv_nxt, off(s) % (1 << 32))
        edges = [("RCV.NXT-1", lambda s: -1), ("RCV.NXT+RCV.WND-1", lambda s: s.rcv_wnd() - 1),
                 ("RCV.NXT+RCV.WND", lambda s: s.rcv_wnd())]
        rst_expect = {"RCV.NXT-1": "drop", "RCV.NXT+RCV.WND-1": "ack", "RCV.NXT+RCV.WND": "drop"}
        for name, off in edges:
            self.forge(conn, f"{state}: RST at {name}", rst_expect[name], flags="R", seq=at(off))
            self.r.check(f"{conn.name} {state}: survives RST at {name}",
                         self.wait_state(conn, state, 1.0))
        for name, off in [("RCV.NXT", lambda s: 0)] + edges:
            self.forge(conn, f"{state}: SYN at {name}", "ack", flags="S", seq=at(off))
            self.r.check(f"{conn.name} {state}: survives SYN at {name}",
                         self.wait_state(conn, state, 1.0))
        # The victim: RST exactly at RCV.NXT resets (RFC 5961 3.2).
        self.forge(victim, f"{state}: RST at RCV.NXT", "drop", flags="R", seq=lambda s: s.rcv_nxt)
        gone = self.wait_state(victim, None, 3.0)
        rc = victim.dut_wait(5.0)
        self.r.check(f"{victim.name} {state}: RST at RCV.NXT resets the connection",
                     gone and rc not in (0, None), f"xtcp-cat exit {rc}")

    def extras(self, conn):
        """The rest of issue 6's list on the ESTABLISHED survivor."""
        st = "ESTABLISHED"
        junk = os.urandom(100)
        self.forge(conn, "ACK of data never sent", "ack", flags="A",
                   seq=lambda s: s.rcv_nxt, ack=lambda s: seq_add(s.dut_snd_nxt, 1 << 20))
        self.forge(conn, "ACK too old (below SND.UNA-MAX.SND.WND)", "ack", flags="A",
                   seq=lambda s: s.rcv_nxt, ack=lambda s: seq_add(s.dut_snd_nxt, -(1 << 30)))
        self.forge(conn, "ACK of data never sent, with payload", "ack", flags="PA",
                   seq=lambda s: s.rcv_nxt, ack=lambda s: seq_add(s.dut_snd_nxt, 1 << 20),
                   payload=junk)
        self.forge(conn, "SYN+FIN at RCV.NXT", "ack", flags="SF", seq=lambda s: s.rcv_nxt)
        self.forge(conn, "no flags, payload at RCV.NXT", "drop", flags="",
                   seq=lambda s: s.rcv_nxt, payload=junk)
        self.forge(conn, "FIN without ACK at RCV.NXT", "drop", flags="F", seq=lambda s: s.rcv_nxt)
        self.r.check(f"{conn.name}: still {st} after the flag cases", self.wait_state(conn, st, 1.0))

        def bad_checksums():
            self.forge(conn, "bad TCP checksum, payload at RCV.NXT", "drop", flags="PA",
                       seq=lambda s: s.rcv_nxt, payload=junk, tcp_chksum=0x1234)
            self.forge(conn, "bad IPv4 header checksum, payload at RCV.NXT", "drop", flags="PA",
                       seq=lambda s: s.rcv_nxt, payload=junk, ip_chksum=0x4321)
        self.counted("bad checksums", "bad_checksum", 2, bad_checksums)

        def bad_options():
            # Kind 30 is unassigned: only the length is wrong (RFC 9293 3.1,
            # MUST-7: be prepared for an illegal option length).
            for what, raw in [("option of length 0", b"\x1e\x00\x01\x01"),
                              ("option of length 1", b"\x1e\x01\x01\x01"),
                              ("option running past the header", b"\x01\x01\x1e\x08")]:
                self.forge(conn, f"{what}, payload at RCV.NXT", "drop", flags="PA",
                           seq=lambda s: s.rcv_nxt, payload=junk, raw_opts=raw)
        self.counted("malformed options", "bad_option", 3, bad_options)

        # SACK blocks about data the dut never sent (RFC 2018 blocks refer to
        # its send space): a duplicate ACK, nothing to answer.
        self.forge(conn, "SACK blocks beyond SND.NXT", "drop", flags="A", seq=lambda s: s.rcv_nxt,
                   extra_opts=[("NOP", None), ("NOP", None),
                               ("SAck", (0x10000000, 0x10000100, 0x7fff0000, 0x7fff0010))])
        # RFC 7323 5.3 R1: TSval older than TS.Recent: ACK, drop the data.
        self.forge(conn, "PAWS: TSval below TS.Recent, payload at RCV.NXT", "ack", flags="PA",
                   seq=lambda s: s.rcv_nxt, payload=junk,
                   ts=lambda s: (s.peer_tsval - 100000) % (1 << 32))
        # RFC 7323 3.2: after negotiation a non-RST segment without TSopt
        # SHOULD be dropped silently.
        self.forge(conn, "no timestamp after negotiation, payload at RCV.NXT", "drop",
                   flags="PA", seq=lambda s: s.rcv_nxt, payload=junk, ts=None)
        self.r.check(f"{conn.name}: still {st} after the option cases",
                     self.wait_state(conn, st, 1.0))

    def open_pair(self, i, state):
        conns = []
        for j, role in enumerate(["survivor", "victim"]):
            c = LiveConn(self.env, self.ports[2 * i + j], f"{state.lower()}-{role}")
            c.start_dut()
            c.connect()
            conns.append(c)
        return conns

    def bring_to(self, c, state, blob):
        """Moves the dut's side of C to STATE with BLOB sent peer -> dut."""
        c.peer_send(blob)
        if state == "CLOSE_WAIT":
            c.sock.shutdown(socket.SHUT_WR)  # our FIN: the dut goes CLOSE-WAIT
        elif state == "FIN_WAIT_2":
            c.dut_send(blob[:5000])
            c.dut_close()                    # its FIN, ACKed by our kernel
            c.peer_read_until(5000)
        return self.wait_state(c, state)

    def finish(self, c, state, blob):
        """Moves the rest of the bytes and checks both ends' sha256."""
        if state == "ESTABLISHED":
            c.peer_send(blob)
            c.dut_send(blob[::-1])
            c.dut_close()
            c.sock.shutdown(socket.SHUT_WR)
        elif state == "CLOSE_WAIT":
            c.dut_send(blob)
            c.dut_close()
        else:  # FIN_WAIT_2: the dut may still receive
            c.peer_send(blob)
            c.sock.shutdown(socket.SHUT_WR)
        eof = c.peer_read_eof()
        rc = c.dut_wait(20.0)
        ok, detail = c.dut_received_ok()
        self.r.check(f"{c.name}: peer -> dut bytes intact (sha256)", ok, detail)
        ok, detail = c.peer_received_ok()
        self.r.check(f"{c.name}: dut -> peer bytes intact (sha256)", ok and eof, detail)
        self.r.check(f"{c.name}: xtcp-cat exits 0", rc == 0, f"exit {rc}")

    def run(self):
        self.tap.start()
        blob = os.urandom(200000)
        live = []
        try:
            for i, state in enumerate(STATES):
                survivor, victim = self.open_pair(i, state)
                live += [survivor, victim]
                ok = self.bring_to(survivor, state, blob) and self.bring_to(victim, state, blob)
                if not self.r.check(f"{state}: both connections reached it", ok):
                    continue
                self.matrix(survivor, state, victim)
                if state == "ESTABLISHED":
                    self.extras(survivor)
                self.r.check(f"xtcpd alive after the {state} cases", self.env.daemon_alive())
                self.finish(survivor, state, blob)
        finally:
            for c in live:
                c.kill()
            self.tap.stop()
        self.r.log("stats: " + " ".join(f"{k}={v}" for k, v in self.env.stats().items()
                                        if v and k.startswith("queue0.rx")))
        return self.r.finish()


def main():
    return Run().run()


if __name__ == "__main__":
    sys.exit(main())
