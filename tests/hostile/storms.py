"""Floods and storms against xtcpd while kernel-TCP transfers run (issue 6):

  ooo    thousands of tiny (1..8 byte) overlapping out-of-order segments
         inside the window of a live connection, carrying the bytes the
         peer will really send there (so delivering them is no error, and
         the sha256 at the end says whether anything was mangled); the
         CPU xtcpd burns (/proc/PID/stat) must stay bounded: per forged
         segment, and once the storm is over it goes back to sleep
  sack   while the dut sends to the peer, forged duplicate ACKs carrying
         four 1-byte SACK blocks each over the data in flight (the kind
         that would fragment a retransmission queue, CVE-2019-11477)
  flood  SYNs from random ports to a listener for a bounded time while
         a transfer runs on another connection; the transfer finishes
         intact, the listener still accepts a real connection afterwards
HOSTILE_SCALE=long (bench/hostile.sh) multiplies counts and durations.
"""
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_lib import (FORGED_ID, FORGED_TTL, IP, TCP, Env, FrameMaker, LiveConn,  # noqa: E402
                         Report, Tap, l2, seq_add)

LONG = os.environ.get("HOSTILE_SCALE") == "long"
OOO_SEGMENTS = 50000 if LONG else 4000
SACK_ACKS = 5000 if LONG else 400
SACK_BYTES = (128 if LONG else 16) << 20
FLOOD_S = 20.0 if LONG else 3.0
FLOOD_BYTES = (64 if LONG else 8) << 20
PORTS = {"ooo": 7301, "sack": 7302, "bulk": 7303, "flood": 7304, "base": 7305}


def raw_sender(env):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((env.pif, 0))
    return s


def blast(sock, frames, seconds=None):
    """Sends FRAMES once (or cycles them for SECONDS); returns frames sent."""
    n = 0
    end = time.monotonic() + seconds if seconds else None
    while True:
        for f in frames:
            try:
                sock.send(f)
                n += 1
            except OSError:  # ENOBUFS: the veth queue is full, go on
                time.sleep(0.0005)
        if end is None or time.monotonic() >= end:
            return n


class Run:
    def __init__(self):
        self.env = Env()
        self.r = Report("storms")
        self.tap = Tap(self.env, [PORTS["ooo"], PORTS["sack"]])
        self.raw = raw_sender(self.env)

    def connect(self, name):
        c = LiveConn(self.env, PORTS[name], name)
        c.start_dut()
        c.connect()
        return c

    def maker(self, snap, c, flags="PA", sack=None):
        opts = [("Timestamp", (snap.peer_tsval, 0))] if snap.peer_tsval is not None else []
        if sack:
            opts = [("NOP", None), ("NOP", None), ("SAck", sack)] + opts
        t = TCP(sport=c.peer_port, dport=c.port, flags=flags, seq=0, ack=snap.dut_snd_nxt,
                window=snap.peer_win_field, options=opts)
        return FrameMaker(l2(self.env) / IP(src=self.env.peer_ip, dst=self.env.dut_ip,
                                            ttl=FORGED_TTL, id=FORGED_ID) / t)

    def ooo(self):
        c = self.connect("ooo")
        c.peer_send(os.urandom(100000))
        key = c.key()
        if not self.r.check("ooo: connection settled", self.tap.wait_quiet(key)):
            return c.kill()
        snap = self.tap.snapshot(key)
        region = min(snap.rcv_wnd(), 60000) - 16
        nxt = os.urandom(region + 16)
        fm = self.maker(snap, c)
        frames = []
        for _ in range(OOO_SEGMENTS):
            k = random.randrange(1, region)
            n = random.randrange(1, 9)
            frames.append(fm.frame(seq_add(snap.rcv_nxt, k), nxt[k:k + n]))
        rx0 = self.env.stat_sum("rx_frames")
        cpu0, t0 = self.env.daemon_cpu_s(), time.monotonic()
        sent = blast(self.raw, frames)
        time.sleep(0.3)
        cpu1, t1 = self.env.daemon_cpu_s(), time.monotonic()
        time.sleep(1.0)
        cpu2 = self.env.daemon_cpu_s()
        rx = self.env.stat_sum("rx_frames") - rx0
        self.r.check("ooo: xtcpd received the storm (queueN.rx_frames)", rx >= 0.9 * sent,
                     f"{rx} of {sent}")
        per = (cpu1 - cpu0) / max(sent, 1) * 1e6
        self.r.log(f"ooo: {sent} forged segments in {t1 - t0:.2f} s; xtcpd CPU {cpu1 - cpu0:.2f} s "
                   f"({per:.1f} us per segment), {cpu2 - cpu1:.2f} s in the next second (loaded machine)")
        # A busy-polling xtcpd spends at most the storm's wall time; work
        # that grew with the number of ranges would show up per segment.
        self.r.check("ooo: xtcpd CPU per forged segment below 200 us", per < 200, f"{per:.1f} us")
        self.r.check("ooo: xtcpd idles again after the storm (< 0.3 s CPU in 1 s)",
                     cpu2 - cpu1 < 0.3, f"{cpu2 - cpu1:.2f} s")
        self.r.check("ooo: connection still ESTABLISHED",
                     self.env.conn_state(*key) == "ESTABLISHED")
        c.peer_send(nxt)
        c.dut_close()
        c.sock.shutdown(socket.SHUT_WR)
        c.peer_read_eof()
        rc = c.dut_wait(20)
        ok, detail = c.dut_received_ok()
        self.r.check("ooo: the real bytes arrive intact after the storm (sha256)", ok, detail)
        self.r.check("ooo: xtcp-cat exits 0", rc == 0, f"exit {rc}")

    def sack(self):
        c = self.connect("sack")
        key = c.key()
        c.peer_send(b"go")
        if not self.r.check("sack: connection settled", self.tap.wait_quiet(key, limit=20)):
            return c.kill()
        chunk = os.urandom(1 << 16)

        def feed():
            for _ in range(SACK_BYTES // len(chunk)):
                c.dut_send(chunk)
            c.dut_close()
        writer = threading.Thread(target=feed)
        writer.start()
        reader = threading.Thread(target=c.peer_read_eof, kwargs={"limit": 60})
        reader.start()
        forged = 0
        end = time.monotonic() + 30
        while forged < SACK_ACKS and reader.is_alive() and time.monotonic() < end:
            snap = self.tap.snapshot(key)
            una = snap.peer_ack
            # Blocks over what is in flight (the sniffer may lag: then some
            # lie beyond SND.NXT, which is hostile too).
            span = max((snap.dut_snd_nxt - una) % (1 << 32), 1 << 16)
            blocks = []
            for k in sorted(random.sample(range(1, span - 2), 4)):
                blocks += [seq_add(una, k), seq_add(una, k + 1)]
            fm = self.maker(snap, c, flags="A", sack=tuple(blocks))
            # A duplicate ACK: SEG.ACK = SND.UNA, our next sequence number.
            self.raw.send(fm.frame(snap.peer_snd_nxt, ack=una))
            forged += 1
        writer.join(60)
        reader.join(60)
        c.sock.shutdown(socket.SHUT_WR)
        rc = c.dut_wait(20)
        self.r.log(f"sack: {forged} forged SACK ACKs during {c.dut_sent_len} bytes dut -> peer")
        self.r.check("sack: forged SACK ACKs were sent while data was in flight", forged >= 20,
                     f"{forged}")
        ok, detail = c.peer_received_ok()
        self.r.check("sack: dut -> peer bytes intact (sha256)", ok, detail)
        self.r.check("sack: xtcp-cat exits 0", rc == 0, f"exit {rc}")

    def timed_transfer(self, c, payload):
        """Peer -> dut, until xtcp-cat has it all and exits; seconds or None."""
        t0 = time.monotonic()
        c.peer_send(payload)
        c.sock.shutdown(socket.SHUT_WR)
        c.dut_close()
        rc = c.dut_wait(60)
        c.peer_read_eof(5)
        ok, detail = c.dut_received_ok()
        self.r.check(f"{c.name}: {len(payload)} bytes intact (sha256), xtcp-cat exits 0",
                     ok and rc == 0, f"{detail}, exit {rc}")
        return time.monotonic() - t0

    def flood(self):
        base = self.connect("base")
        bulk = self.connect("bulk")
        target = LiveConn(self.env, PORTS["flood"], "flood")
        target.start_dut()
        payload = os.urandom(FLOOD_BYTES)
        quiet_s = self.timed_transfer(base, payload)
        frames = []
        t = TCP(sport=1, dport=PORTS["flood"], flags="S", window=64240, options=[("MSS", 1460)])
        fm = FrameMaker(l2(self.env) / IP(src=self.env.ghost_ip, dst=self.env.dut_ip) / t)
        for _ in range(2000):
            frames.append(fm.frame(random.randrange(1 << 32), sport=random.randrange(1024, 65535)))
        stats0 = self.env.stats()
        res = {}

        def flood():
            t0 = time.monotonic()
            res["sent"] = blast(self.raw, frames, FLOOD_S)
            res["s"] = time.monotonic() - t0
        th = threading.Thread(target=flood)
        th.start()
        time.sleep(0.5)
        conns_during = len(self.env.conns())
        flood_s = self.timed_transfer(bulk, payload)
        th.join(FLOOD_S + 30)
        stats1 = self.env.stats()
        d = {k: stats1.get(k, 0) - stats0.get(k, 0)
             for k in ("queue0.rx_frames", "queue0.tx_frames", "queue0.syn_queue_overflows",
                       "queue0.syn_cookies_sent", "queue0.syn_cookies_limited")}
        sent = res.get("sent", 0)
        self.r.log(f"flood: {sent} SYNs in {res.get('s', 0):.1f} s ({sent / max(res.get('s', 1), 1e-3):.0f}/s); "
                   f"xtcpd rx_frames +{d['queue0.rx_frames']} tx_frames +{d['queue0.tx_frames']}; "
                   f"{len(payload)} bytes took {quiet_s:.2f} s without and {flood_s:.2f} s during "
                   f"the flood (loaded machine); {conns_during} connections listed during it")
        self.r.check("flood: xtcpd received the flood (queueN.rx_frames)",
                     d["queue0.rx_frames"] >= 0.5 * sent, f"{d['queue0.rx_frames']} of {sent}")
        # How much of its quiet rate the transfer keeps is a benchmark figure,
        # not a test assertion: on a 2-vCPU machine the flood generator and
        # xtcpd share the cores, and the ratio swings with the host's load.
        # What a user checks is that the bytes still arrive intact during
        # the flood (timed_transfer above) and the numbers in the log line.
        self.r.check("flood: SYNs past the SYN queue are counted and answered with cookies "
                     "(queue0.syn_queue_overflows, syn_cookies_sent)",
                     d["queue0.syn_queue_overflows"] > 0 and d["queue0.syn_cookies_sent"] > 0,
                     f"overflows +{d['queue0.syn_queue_overflows']}, cookies +{d['queue0.syn_cookies_sent']}, "
                     f"rate-limited +{d['queue0.syn_cookies_limited']}")
        self.r.check("flood: half-open connections do not fill the connection table",
                     conns_during < 1000, f"{conns_during}")
        # The flooded listener still serves a real client: the flood's
        # SYN-RECEIVED entries fill the SYN queue, and the SYNs beyond it get
        # SYN cookies (at a bounded rate, SynCookieConfig::max_per_second).
        try:
            target.connect(limit=5)
            target.peer_send(b"after the flood\n")
            target.dut_send(b"still here\n")
            target.dut_close()
            target.sock.shutdown(socket.SHUT_WR)
            target.peer_read_eof(5)
            rc = target.dut_wait(10)
            ok = target.dut_received_ok()[0] and target.peer_received_ok()[0] and rc == 0
        except OSError as e:
            ok, rc = False, str(e)
        self.r.check("flood: the flooded listener accepts a real connection right after it",
                     ok, f"{rc}")
        target.kill()

    def run(self):
        self.tap.start()
        try:
            self.ooo()
            self.sack()
        finally:
            self.tap.stop()  # the flood is not for a python sniffer
        self.flood()
        self.r.check("xtcpd alive after the storms", self.env.daemon_alive())
        return self.r.finish()


if __name__ == "__main__":
    sys.exit(Run().run())
