"""Shared pieces of the hostile-segment tests (issue 6), run with Debian's
/usr/bin/python3 (python3-scapy) inside the PEER namespace.

Tap       sniffs the peer veth (AF_PACKET sees the peer's own egress too)
          and keeps, per flow, what RFC 9293 3.3.1 calls the dut's RCV.NXT
          (its last ACK), RCV.WND (window field << its shift), SND.NXT
          and the peer's latest TSval.
LiveConn  a kernel-TCP client in this namespace against `xtcp-cat -l` in
          the dut, whose stdin is a FIFO this script writes: the test
          decides when the dut sends and closes (ESTABLISHED, CLOSE-WAIT,
          FIN-WAIT-2 on the dut side).
Report    one PASS/FAIL line per check; exit status 1 if any failed.
The environment comes from variables the shell script exports (HOSTILE_*).
"""
import hashlib
import json
import os
import queue
import random
import socket
import struct
import subprocess
import threading
import time

from scapy.all import AsyncSniffer, Ether, IP, TCP, Raw, conf, sendp  # noqa: F401

conf.verb = 0
# scapy's default 64 KiB would drop frames of a burst before the sniffer
# thread reads them; the tap must see every segment of its flows.
conf.bufsize = 1 << 22
SEQ_MOD = 1 << 32
# Forged frames carry this IP TTL and ID, so the tap (which sees the peer
# veth's egress, forged frames included) leaves them out of the flow's state.
FORGED_TTL, FORGED_ID = 33, 0x4848


def seq_add(a, b):
    return (a + b) % SEQ_MOD


class Env:
    def __init__(self):
        e = os.environ
        self.pif = e["HOSTILE_PIF"]
        self.dut_ns = e["HOSTILE_DUT_NS"]
        self.peer_ip = e["HOSTILE_PEER4"]
        self.dut_ip = e["HOSTILE_DUT4"]
        self.ghost_ip = e["HOSTILE_GHOST4"]  # no kernel owns it: scapy's own flows
        self.peer_mac = e["HOSTILE_PEER_MAC"]
        self.dut_mac = e["HOSTILE_DUT_MAC"]
        self.build = e["HOSTILE_BUILD"]
        self.sock = e["XTCP_SOCKET"]
        self.tmp = e["HOSTILE_TMP"]
        self.daemon_pid = int(e["HOSTILE_DAEMON_PID"])

    def ctl(self, *args):
        out = subprocess.run([f"{self.build}/xtcpctl", "--socket", self.sock, *args],
                             capture_output=True, text=True, timeout=10)
        return out.stdout

    def stats(self):
        d = {}
        for line in self.ctl("stats").splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[1].lstrip("-").isdigit():
                d[parts[0]] = int(parts[1])
        return d

    def stat_sum(self, suffix):
        """Sum of one per-queue counter (queue<N>.<suffix>) over all queues."""
        return sum(v for k, v in self.stats().items()
                   if k.startswith("queue") and k.endswith("." + suffix))

    def conns(self):
        try:
            return json.loads(self.ctl("conns", "--json"))["connections"]
        except (ValueError, KeyError):
            return []

    def conn_state(self, dut_port, peer_port):
        for c in self.conns():
            if c["local_port"] == dut_port and c["peer_port"] == peer_port:
                return c["state"]
        return None

    def daemon_alive(self):
        try:
            with open(f"/proc/{self.daemon_pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def daemon_cpu_s(self):
        """utime + stime of xtcpd in seconds (proc(5) fields 14 and 15)."""
        with open(f"/proc/{self.daemon_pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Report:
    def __init__(self, name):
        self.name = name
        self.failed = []
        self.passed = 0
        self.t0 = time.monotonic()

    def check(self, what, ok, detail=""):
        t = time.monotonic() - self.t0
        if ok:
            self.passed += 1
            print(f"[{t:6.1f}s] PASS {what}{': ' + detail if detail else ''}", flush=True)
        else:
            self.failed.append(what)
            print(f"[{t:6.1f}s] FAIL {what}{': ' + detail if detail else ''}", flush=True)
        return ok

    def log(self, msg):
        print(f"[{time.monotonic() - self.t0:6.1f}s] {msg}", flush=True)

    def finish(self):
        self.log(f"{self.name}: {self.passed} checks passed, {len(self.failed)} failed")
        for w in self.failed:
            self.log(f"  failed: {w}")
        return 1 if self.failed else 0


class FlowView:
    """What the tap learnt about one flow (dut port, peer port)."""

    def __init__(self):
        self.dut_segs = []      # (time, TCP layer summary dict), bounded
        self.dut_wscale = 0
        self.peer_wscale = 0
        self.rcv_nxt = None     # dut's last ACK
        self.rcv_win_field = None
        self.dut_snd_nxt = None
        self.peer_snd_nxt = None
        self.peer_ack = None    # the peer's last ACK: the dut's SND.UNA
        self.peer_tsval = None
        self.peer_win_field = None
        self.last_seen = 0.0

    def rcv_wnd(self):
        return self.rcv_win_field << self.dut_wscale


def tcp_summary(t, payload_len):
    ts = None
    for o in t.options:
        if o[0] == "Timestamp":
            ts = o[1]
    return {"flags": int(t.flags), "seq": t.seq, "ack": t.ack, "win": t.window,
            "len": payload_len, "ts": ts, "opts": [o[0] for o in t.options]}


class Tap:
    MAX_SEGS = 4096

    def __init__(self, env, dut_port_set):
        self.env = env
        self.ports = set(dut_port_set)
        self.flows = {}
        self.queues = {}  # flow -> queue.Queue of (summary, payload) from the dut
        self.lock = threading.Lock()
        self.sniffer = AsyncSniffer(iface=env.pif, store=False, prn=self._on)

    def start(self):
        self.sniffer.start()
        time.sleep(0.5)  # the socket is bound once start() returns; settle

    def stop(self):
        try:
            self.sniffer.stop()
        except Exception:  # already stopped after an error: nothing to free
            pass

    def subscribe(self, key):
        """Every later dut segment of flow KEY also goes to the returned queue."""
        q = queue.Queue()
        with self.lock:
            self.queues[key] = q
        return q

    def flow(self, dut_port, peer_port):
        with self.lock:
            return self.flows.setdefault((dut_port, peer_port), FlowView())

    def _on(self, pkt):
        if not pkt.haslayer(TCP) or not pkt.haslayer(IP):
            return
        ip, t = pkt[IP], pkt[TCP]
        if ip.ttl == FORGED_TTL and ip.id == FORGED_ID:
            return
        now = time.monotonic()
        plen = ip.len - ip.ihl * 4 - t.dataofs * 4
        seg_len = plen + (1 if t.flags.S else 0) + (1 if t.flags.F else 0)
        if ip.src == self.env.dut_ip and t.sport in self.ports:
            key, from_dut = (t.sport, t.dport), True
        elif ip.dst == self.env.dut_ip and t.dport in self.ports:
            key, from_dut = (t.dport, t.sport), False
        else:
            return
        with self.lock:
            fv = self.flows.setdefault(key, FlowView())
            fv.last_seen = now
            wscale = [o[1] for o in t.options if o[0] == "WScale"]
            if from_dut:
                q = self.queues.get(key)
                if q is not None:
                    q.put((tcp_summary(t, plen), bytes(t.payload)[:plen]))
                if t.flags.S and wscale:
                    fv.dut_wscale = wscale[0]
                if len(fv.dut_segs) < self.MAX_SEGS:
                    fv.dut_segs.append((now, tcp_summary(t, plen)))
                if t.flags.A:
                    fv.rcv_nxt = t.ack
                    fv.rcv_win_field = t.window
                fv.dut_snd_nxt = seq_add(t.seq, seg_len)
            else:
                if t.flags.S and wscale:
                    fv.peer_wscale = wscale[0]
                fv.peer_snd_nxt = seq_add(t.seq, seg_len)
                if t.flags.A:
                    fv.peer_ack = t.ack
                fv.peer_win_field = t.window
                for o in t.options:
                    if o[0] == "Timestamp":
                        fv.peer_tsval = o[1][0]

    def dut_segs_since(self, key, since):
        with self.lock:
            return [s for (t, s) in self.flows.get(key, FlowView()).dut_segs if t >= since]

    def snapshot(self, key):
        with self.lock:
            fv = self.flows[key]
            snap = FlowView()
            snap.__dict__.update({k: v for k, v in fv.__dict__.items() if k != "dut_segs"})
            return snap

    def clear_segs(self, key):
        with self.lock:
            self.flows[key].dut_segs = []

    def wait_quiet(self, key, quiet=0.15, limit=5.0):
        """Until the flow is settled: the dut ACKed all the peer sent, the
        peer ACKed all the dut sent, and nothing moved for QUIET seconds."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            with self.lock:
                fv = self.flows.get(key)
                ok = (fv is not None and fv.rcv_nxt is not None and
                      fv.rcv_nxt == fv.peer_snd_nxt and fv.peer_ack == fv.dut_snd_nxt and
                      time.monotonic() - fv.last_seen >= quiet)
            if ok:
                return True
            time.sleep(0.03)
        return False


def l2(env):
    return Ether(src=env.peer_mac, dst=env.dut_mac)


def inject(env, snap, dut_port, peer_port, flags, seq, ack=None, payload=b"",
           ts="peer", extra_opts=(), src=None, ip_chksum=None, tcp_chksum=None, raw_opts=None):
    """One segment on the peer veth as if from the live flow. ts="peer" adds
    TSval = the peer's latest (PAWS passes), None leaves it out, an int or
    a function of the snapshot gives the value. raw_opts: option bytes put
    in the header as they are (a multiple of 4), for malformed options."""
    if ack is None:
        ack = snap.dut_snd_nxt
    opts = list(extra_opts)
    if callable(ts):
        ts = ts(snap)
    if ts is not None and snap.peer_tsval is not None:
        tsval = snap.peer_tsval if ts == "peer" else ts
        opts.append(("Timestamp", (tsval, 0)))
    t = TCP(sport=peer_port, dport=dut_port, flags=flags, seq=seq, ack=ack,
            window=snap.peer_win_field or 502, options=[] if raw_opts else opts)
    body = payload
    if raw_opts:
        # Options scapy would not encode: the data offset covers them, the
        # checksum (computed over header and body) stays valid.
        t.dataofs = 5 + len(raw_opts) // 4
        body = raw_opts + payload
    ip = IP(src=src or env.peer_ip, dst=env.dut_ip, ttl=FORGED_TTL, id=FORGED_ID)
    if ip_chksum is not None:
        ip.chksum = ip_chksum
    if tcp_chksum is not None:
        t.chksum = tcp_chksum
    pkt = l2(env) / ip / t
    if body:
        pkt = pkt / Raw(body)
    sendp(pkt, iface=env.pif)
    return pkt


def is_pure_ack(s, ack):
    return s["flags"] & 0x17 == 0x10 and s["ack"] == ack and s["len"] == 0


class LiveConn:
    """A kernel client here, `xtcp-cat -l PORT` in the dut fed by a FIFO."""

    def __init__(self, env, port, name):
        self.env, self.port, self.name = env, port, name
        self.fifo = f"{env.tmp}/{name}.in"
        self.out = f"{env.tmp}/{name}.out"
        self.err = f"{env.tmp}/{name}.err"
        os.mkfifo(self.fifo)
        self.sent = hashlib.sha256()
        self.sent_len = 0
        self.dut_sent = hashlib.sha256()
        self.dut_sent_len = 0
        self.received = bytearray()
        self.proc = None
        self.sock = None
        self.fifo_w = None

    def start_dut(self):
        cmd = ["ip", "netns", "exec", self.env.dut_ns, f"{self.env.build}/xtcp-cat",
               "--socket", self.env.sock, "-l", self.env.dut_ip, str(self.port)]
        # xtcp-cat's stdin is the FIFO: open it read side in the child and
        # the write side here (open(2) of a FIFO blocks until both exist).
        shell = f'exec "$@" < "{self.fifo}" > "{self.out}" 2> "{self.err}"'
        self.proc = subprocess.Popen(["sh", "-c", shell, "sh", *cmd])
        self.fifo_w = open(self.fifo, "wb", buffering=0)

    def connect(self, limit=10.0):
        end = time.monotonic() + limit
        while True:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(max(end - time.monotonic(), 0.5))
            try:
                s.connect((self.env.dut_ip, self.port))
                break
            except (ConnectionRefusedError, ConnectionResetError, socket.timeout):
                s.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        s.settimeout(10)
        self.sock = s
        self.peer_port = s.getsockname()[1]
        return self.peer_port

    def key(self):
        return (self.port, self.peer_port)

    def peer_send(self, data):
        self.sock.sendall(data)
        self.sent.update(data)
        self.sent_len += len(data)

    def dut_send(self, data):
        self.fifo_w.write(data)
        self.dut_sent.update(data)
        self.dut_sent_len += len(data)

    def dut_close(self):
        self.fifo_w.close()

    def peer_read_until(self, n, limit=20.0):
        end = time.monotonic() + limit
        while len(self.received) < n and time.monotonic() < end:
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                continue
            if not chunk:
                break
            self.received += chunk
        return len(self.received) >= n

    def peer_read_eof(self, limit=20.0):
        end = time.monotonic() + limit
        self.sock.settimeout(1)
        while time.monotonic() < end:
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                continue
            if not chunk:
                return True
            self.received += chunk
        return False

    def dut_wait(self, limit=20.0):
        try:
            return self.proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None

    def dut_received_ok(self):
        with open(self.out, "rb") as f:
            data = f.read()
        return (hashlib.sha256(data).hexdigest() == self.sent.hexdigest(),
                f"peer sent {self.sent_len} bytes, dut wrote {len(data)}")

    def peer_received_ok(self):
        return (hashlib.sha256(bytes(self.received)).hexdigest() == self.dut_sent.hexdigest(),
                f"dut sent {self.dut_sent_len} bytes, peer got {len(self.received)}")

    def kill(self):
        for f in (self.fifo_w,):
            try:
                if f:
                    f.close()
            except OSError:
                pass
        if self.sock:
            self.sock.close()
        if self.proc and self.proc.poll() is None:
            self.proc.kill()


class GhostConn:
    """A TCP endpoint played by scapy from env.ghost_ip (an address no kernel
    owns, so nothing answers the dut but this). Just enough TCP for the
    tests: handshake, in-order sending, receiving with a chosen window."""

    def __init__(self, env, tap, dut_port, isn, syn_opts=(("MSS", 1460),)):
        self.env, self.dut_port, self.isn = env, dut_port, isn
        self.sport = random.randint(20000, 60000)
        self.q = tap.subscribe((dut_port, self.sport))
        self.syn_opts = list(syn_opts)
        self.snd_nxt = isn
        self.rcv_nxt = None
        self.received = bytearray()
        self.ooo = {}
        self.dut_fin = False
        self.dut_ack = None
        self.dut_win = 0
        self.segs = []  # every dut segment seen (summary, payload length)

    def send(self, flags, payload=b"", seq=None, window=65535, options=()):
        t = TCP(sport=self.sport, dport=self.dut_port, flags=flags,
                seq=self.snd_nxt if seq is None else seq, ack=self.rcv_nxt or 0,
                window=window, options=list(options))
        pkt = l2(self.env) / IP(src=self.env.ghost_ip, dst=self.env.dut_ip, ttl=FORGED_TTL,
                                id=FORGED_ID) / t
        if payload:
            pkt = pkt / Raw(payload)
        sendp(pkt, iface=self.env.pif)

    def next_seg(self, timeout):
        try:
            s, data = self.q.get(timeout=timeout)
        except queue.Empty:
            return None
        self.segs.append((s, len(data)))
        if s["flags"] & 0x10:
            self.dut_ack, self.dut_win = s["ack"], s["win"]
        return s, data

    def handshake(self, limit=3.0):
        self.send("S", options=self.syn_opts)
        end = time.monotonic() + limit
        while time.monotonic() < end:
            got = self.next_seg(0.2)
            if got and got[0]["flags"] & 0x12 == 0x12 and got[0]["ack"] == seq_add(self.isn, 1):
                self.rcv_nxt = seq_add(got[0]["seq"], 1)
                self.snd_nxt = seq_add(self.isn, 1)
                self.send("A")
                return got[0]
        return None

    def take(self, s, data):
        """In-order delivery of one dut segment's payload and FIN."""
        seq = s["seq"]
        if data:
            off = (seq - self.rcv_nxt) % SEQ_MOD
            if off < (1 << 31):
                self.ooo.setdefault(off, data)
            else:  # starts before rcv_nxt: keep the new part
                back = (self.rcv_nxt - seq) % SEQ_MOD
                if back < len(data):
                    self.ooo.setdefault(0, data[back:])
            while 0 in self.ooo:
                d = self.ooo.pop(0)
                self.received += d
                self.rcv_nxt = seq_add(self.rcv_nxt, len(d))
                self.ooo = {k - len(d): v for k, v in self.ooo.items() if k - len(d) >= 0}
        if s["flags"] & 0x01 and seq_add(seq, len(data)) == self.rcv_nxt and not self.dut_fin:
            self.dut_fin = True
            self.rcv_nxt = seq_add(self.rcv_nxt, 1)

    def receive(self, until, window=65535, limit=10.0, on_seg=None):
        """ACKs every data segment with WINDOW until until(self) or LIMIT s."""
        end = time.monotonic() + limit
        while not until(self) and time.monotonic() < end:
            got = self.next_seg(0.2)
            if not got:
                continue
            s, data = got
            self.take(s, data)
            if on_seg:
                on_seg(s, data)
            # Data, FIN and probes (a sequence number below RCV.NXT) get an ACK.
            if data or s["flags"] & 0x01 or s["seq"] != self.rcv_nxt:
                self.send("A", window=window)
        return until(self)

    def send_stream(self, data, mss=1000, limit=15.0):
        """Sends DATA in order, at most 16 segments ahead of the dut's ACK."""
        start = self.snd_nxt
        end = time.monotonic() + limit
        off = 0
        while time.monotonic() < end:
            acked = (self.dut_ack - start) % SEQ_MOD if self.dut_ack is not None else 0
            if acked >= len(data) and acked < (1 << 31):
                return True
            if off < len(data) and off - acked < 16 * mss:
                chunk = data[off:off + mss]
                self.send("PA", payload=chunk, seq=seq_add(start, off))
                off += len(chunk)
                self.snd_nxt = seq_add(start, off)
                continue
            got = self.next_seg(0.3)
            if got:
                self.take(*got)
            elif off - acked > 0:  # nothing came: resend from the ACK
                off = acked
        return False


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class FrameMaker:
    """Many forged frames fast: scapy builds one template, each frame only
    patches SEQ / ACK / payload and the checksums (RFC 1071 sums)."""

    def __init__(self, template):
        b = bytes(template)
        self.eth, ihl = b[:14], (b[14] & 0x0F) * 4
        self.ip = bytearray(b[14:14 + ihl])
        self.tcp = bytearray(b[14 + ihl:])
        self.pseudo = bytes(self.ip[12:20]) + b"\0\x06"

    def frame(self, seq, payload=b"", ack=None, sport=None):
        ip, tcp = bytearray(self.ip), bytearray(self.tcp)
        if sport is not None:
            struct.pack_into("!H", tcp, 0, sport)
        struct.pack_into("!H", ip, 2, len(ip) + len(tcp) + len(payload))
        struct.pack_into("!H", ip, 10, 0)
        struct.pack_into("!H", ip, 10, _csum(bytes(ip)))
        struct.pack_into("!I", tcp, 4, seq)
        if ack is not None:
            struct.pack_into("!I", tcp, 8, ack)
        struct.pack_into("!H", tcp, 16, 0)
        seg = bytes(tcp) + payload
        struct.pack_into("!H", tcp, 16,
                         _csum(self.pseudo + struct.pack("!H", len(seg)) + seg))
        return self.eth + bytes(ip) + bytes(tcp) + payload
