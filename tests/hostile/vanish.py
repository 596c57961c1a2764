"""Peers that vanish while xtcpd closes (issue 6): the dut's connection must
be reclaimed, `xtcpctl conns` empty, within a bounded time.

  LAST-ACK    we send our FIN, xtcp-cat closes and exits (orphaned), and
              we never ACK its FIN: the FIN retransmissions stop after
              max_orphan_retransmits (8, like Linux's tcp_orphan_retries)
  FIN-WAIT-2  xtcp-cat sends its FIN, we ACK it and then vanish; the app is
              killed: xtcpd resets a dead app's connections at once
              (app.orphans_reset). An app that close()s in FIN-WAIT-2 arms
              the 60 s FIN-WAIT-2 timeout instead (engine unit test
              test_hostile_segments.cpp); xtcp-cat has no way to do that.
Both run at once; about 110 s in all (bench/hostile.sh, not CI).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hostile_lib import Env, GhostConn, LiveConn, Report, Tap, seq_add  # noqa: E402

PORTS = {"last_ack": 7401, "fin_wait_2": 7402}
LIMIT_S = 200


def open_ghost(env, tap, name):
    app = LiveConn(env, PORTS[name], name)
    app.start_dut()
    end = time.monotonic() + 5
    while time.monotonic() < end:
        g = GhostConn(env, tap, PORTS[name], 1000)
        if g.handshake(limit=0.5):
            return app, g
    return app, None


def state_of(env, port):
    return [c["state"] for c in env.conns() if c["local_port"] == port]


def main():
    env, r = Env(), Report("vanish")
    tap = Tap(env, PORTS.values())
    tap.start()
    try:
        la, gla = open_ghost(env, tap, "last_ack")
        fw, gfw = open_ghost(env, tap, "fin_wait_2")
        if not r.check("both handshakes", gla is not None and gfw is not None):
            return r.finish()
        # LAST-ACK: our FIN first, then the app's; its FIN is never ACKed.
        gla.send("FA")
        gla.snd_nxt = seq_add(gla.snd_nxt, 1)
        time.sleep(0.3)
        la.dut_close()
        rc = la.dut_wait(5)
        time.sleep(0.3)
        r.check("last_ack: xtcp-cat exited 0, the dut is in LAST_ACK",
                rc == 0 and state_of(env, PORTS["last_ack"]) == ["LAST_ACK"],
                f"exit {rc}, {state_of(env, PORTS['last_ack'])}")
        # FIN-WAIT-2: the app's FIN, our ACK, then silence; the app dies.
        fw.dut_close()
        gfw.receive(lambda c: c.dut_fin, limit=5)
        time.sleep(0.3)
        st = state_of(env, PORTS["fin_wait_2"])
        orphans0 = env.stats().get("app.orphans_reset", 0)
        fw.proc.kill()
        fw.dut_wait(5)
        r.check("fin_wait_2: the dut is in FIN_WAIT_2 when its app is killed",
                st == ["FIN_WAIT_2"], f"{st}")
        t0 = time.monotonic()
        gone = {}
        while time.monotonic() - t0 < LIMIT_S and len(gone) < 2:
            for name, port in PORTS.items():
                if name not in gone and not state_of(env, port):
                    gone[name] = time.monotonic() - t0
                    r.log(f"{name}: reclaimed after {gone[name]:.0f} s")
            time.sleep(1)
        orphans = env.stats().get("app.orphans_reset", 0) - orphans0
        r.check("fin_wait_2: counted as a dead app's connection reset (app.orphans_reset)",
                orphans == 1, f"+{orphans}")
        for name in PORTS:
            r.check(f"{name}: connection reclaimed within {LIMIT_S} s", name in gone,
                    f"{gone.get(name, -1):.0f} s")
        r.check("xtcpd alive", env.daemon_alive())
    finally:
        tap.stop()
    return r.finish()


if __name__ == "__main__":
    sys.exit(main())
