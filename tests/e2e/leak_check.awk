# Reads `xtcpctl stats` (name value rows) and prints why the daemon is not
# idle and leak-free, or nothing: frames outside the rings, connections or
# channels still held (the tests run xtcpd with a 2 s TIME-WAIT, so the
# caller's polling outlasts it). Needs -v nq=QUEUES.
{ v[$1] = $2; seen[$1] = 1 }
function need(name) {
  if (!(name in seen)) { bad = bad "missing counter " name "; "; return 0 }
  return 1
}
END {
  for (q = 0; q < nq; q++) {
    p = "queue" q "."
    ok = need(p "frames_total") + need(p "frames_free") + need(p "frames_fill") + \
         need(p "frames_held") + need(p "frames_tx") + need(p "conns") + need(p "channels")
    if (ok < 7) continue
    if (v[p "channels"] != 0) bad = bad p "channels=" v[p "channels"] "; "
    if (v[p "frames_held"] != 0) bad = bad p "frames_held=" v[p "frames_held"] "; "
    if (v[p "frames_tx"] != 0) bad = bad p "frames_tx=" v[p "frames_tx"] "; "
    if (v[p "frames_free"] + v[p "frames_fill"] != v[p "frames_total"])
      bad = bad p "frames_free+frames_fill=" v[p "frames_free"] + v[p "frames_fill"] \
            " != frames_total=" v[p "frames_total"] "; "
    if (v[p "conns"] != 0) bad = bad p "conns=" v[p "conns"] "; "
  }
  if (need("app.conns") && v["app.conns"] != 0) bad = bad "app.conns=" v["app.conns"] "; "
  if (need("app.conns_closing") && v["app.conns_closing"] != 0)
    bad = bad "app.conns_closing=" v["app.conns_closing"] "; "
  if (bad != "") print bad
}
