#!/usr/bin/env python3
"""synack against the read floor and against tshark, side by side on one machine.

    python3 tests/scripts/bench_compare.py [--runs 5] [--packets 1000000] [--work target/bench]
                                           [--only quiet,fields,...]

Generates the 1,000,000-packet mix and a 200k one with ../shared/tools/gen_pcap.py (--seed 1),
and a capture of long connections (a few frames of handshake and close around many data
segments), builds synack, the plugin and the bare read loop in release mode, then times each
pair in alternating runs (A B A B ...) and prints medians, ratios, peak RSS (GNU time) and the
targets (docs/performance.md):

  quiet       synack -q                        / the bare read loop (cli/examples/read_loop.rs)
  fields      synack -T fields, the 7 fields   / the read loop
  conv        synack conv                      / the read loop
  analysis    synack -T fields with tshark's TCP-analysis fields / the read loop
  floor       the least tracker (cli/examples/track_floor.rs: the same reading, then only
              Ethernet, IPv4, TCP's ports, numbers and flags and one hash-map entry per
              connection) / the read loop: what no tracker gets below, for reading the others
  vs-tshark   tshark -T fields / synack -T fields, the 7 fields (outputs must be identical)
  plugin-cols tshark -r with / without the plugin (columns, no tree: what the GUI does on load)
  plugin-own  tshark -T fields of tshark's own fields, with / without the plugin
  plugin-all  tshark -T fields of every synack.* field with the plugin / frame.number without
  plugin-mem  tshark -2 -r with / without the plugin: the RSS it adds, per TCP frame (mix and
              long connections)
  threads     synack --threads 1 / --threads N (N: --threads, default 2), for -q, the 7 fields
              and conv: the speed-up (outputs must be identical)
  instr       instructions per frame (valgrind's callgrind, the 200k mix, --threads 1) of the
              read loop, the least tracker, -q, the 7 fields, conv and the analysis fields: a
              measure that, unlike the times, does not move with the machine or its load

The cases against the read loop run one dissector (--threads 1), as they were measured before
--threads existed.

As root, tshark with the plugin runs under `unshare -U` (root ignores WIRESHARK_PLUGIN_DIR).
"""
import argparse
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
FIELDS = ["frame.number", "tcp.flags.str", "tcp.options.mss_val", "tcp.options.wscale.shift",
          "tcp.options.sack_perm", "tcp.options.timestamp.tsval", "dns.qry.name"]
ANALYSIS = ["frame.number", "tcp.analysis.flags", "tcp.analysis.acks_frame", "tcp.analysis.ack_rtt",
            "tcp.analysis.bytes_in_flight", "tcp.analysis.push_bytes_sent", "tcp.analysis.retransmission",
            "tcp.analysis.duplicate_ack_num", "tcp.time_delta"]
OWN = ["frame.number", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "tcp.flags.str", "tcp.stream"]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, out_path=None, env=None):
    """Run cmd under GNU time; return (seconds, peak RSS KiB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%e %M", "-o", tf.name] + cmd
        out = open(out_path, "wb") if out_path else subprocess.DEVNULL
        t0 = time.perf_counter()
        subprocess.run(full, stdout=out, stderr=subprocess.DEVNULL, check=True, env=env)
        wall = time.perf_counter() - t0
        if out_path:
            out.close()
        _, rss = tf.read().split()[-2:]
        return wall, int(rss)


def instructions(cmd, env=None):
    """Instructions cmd executes, every thread counted (callgrind); None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, check=True)
    counts = [int(l.split(":")[-1].replace(",", "")) for l in r.stderr.splitlines() if "Collected :" in l]
    return sum(counts) if counts else None


def long_connections(path, conns=40, segments=5000):
    """A pcap of `conns` connections on loopback, each a handshake, `segments` data segments
    with their ACKs, and a FIN close: few connections, many TCP frames."""
    def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
        return b"\x00" * 12 + b"\x08\x00" + ip + tcp
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
    t = 0
    def put(b):
        nonlocal t
        t += 100
        out.append(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(b), len(b)) + b)
    for c in range(conns):
        a, b = bytes([10, 0, c // 250, c % 250 + 1]), bytes([10, 1, 0, 1])
        sp, cs, ss = 20000 + c, 1000, 5000
        put(frame(a, b, sp, 80, cs, 0, 0x02))
        put(frame(b, a, 80, sp, ss, cs + 1, 0x12))
        put(frame(a, b, sp, 80, cs + 1, ss + 1, 0x10))
        for i in range(segments // 2):
            put(frame(a, b, sp, 80, cs + 1 + 100 * i, ss + 1, 0x18, b"x" * 100))
            put(frame(b, a, 80, sp, ss + 1, cs + 1 + 100 * (i + 1), 0x10))
        end = cs + 1 + 100 * (segments // 2)
        put(frame(a, b, sp, 80, end, ss + 1, 0x11))
        put(frame(b, a, 80, sp, ss + 1, end + 1, 0x11))
        put(frame(a, b, sp, 80, end + 1, ss + 2, 0x10))
    with open(path, "wb") as f:
        f.write(b"".join(out))


def alternate(runs, a, b, a_env, b_env, compare=None):
    """Medians and peak RSS of a and b run alternately; `compare`: check outputs on run 0."""
    at, bt, am, bm = [], [], [], []
    for r in range(runs):
        outs = (compare + ".a", compare + ".b") if compare and r == 0 else (None, None)
        t, m = timed(b, outs[1], b_env)
        bt.append(t)
        bm.append(m)
        t, m = timed(a, outs[0], a_env)
        at.append(t)
        am.append(m)
        if outs[0] and open(outs[0], "rb").read() != open(outs[1], "rb").read():
            sys.exit(f"outputs differ: {outs[0]} vs {outs[1]}")
    return statistics.median(at), statistics.median(bt), max(am), max(bm)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "bench"))
    ap.add_argument("--gen", default=os.path.join(ROOT, "..", "shared", "tools", "gen_pcap.py"))
    ap.add_argument("--only", default="")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    only = set(filter(None, a.only.split(",")))
    want = lambda name: not only or name in only
    os.makedirs(a.work, exist_ok=True)
    big = os.path.join(a.work, f"mix-{a.packets}.pcap")
    small = os.path.join(a.work, "mix-200000.pcap")
    flows = os.path.join(a.work, "long-connections.pcap")
    for path, n in ((big, a.packets), (small, 200_000)):
        if not os.path.exists(path):
            print(f"generating {path}", file=sys.stderr)
            sh([sys.executable, a.gen, "--packets", str(n), "--seed", "1", "--out", path], stdout=subprocess.DEVNULL)
    if not os.path.exists(flows):
        long_connections(flows)
    sh(["cargo", "build", "--release", "-q", "-p", "synack", "--bin", "synack", "--example", "read_loop",
        "--example", "track_floor"], cwd=ROOT)
    sh(["cargo", "build", "--release", "-q", "-p", "synack-plugin", "--lib"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    synack = os.path.join(target, "release", "synack")
    loop = os.path.join(target, "release", "examples", "read_loop")
    least = os.path.join(target, "release", "examples", "track_floor")
    ver = subprocess.run(["pkg-config", "--modversion", "wireshark"], capture_output=True, text=True).stdout.strip()
    mm = ".".join(ver.split(".")[:2])
    plugdir = os.path.join(a.work, "plugins")
    os.makedirs(os.path.join(plugdir, mm, "epan"), exist_ok=True)
    shutil.copy(os.path.join(target, "release", "libsynack_plugin.so"), os.path.join(plugdir, mm, "epan", "synack.so"))
    home = tempfile.mkdtemp()
    env = dict(os.environ, HOME=home, LC_ALL="C.UTF-8")
    penv = dict(env, WIRESHARK_PLUGIN_DIR=plugdir)
    nenv = dict(env, WIRESHARK_PLUGIN_DIR=os.path.join(a.work, "no-plugins"))
    wrap = ["unshare", "-U"] if os.geteuid() == 0 else []
    tshark = wrap + ["tshark"]
    e = lambda fields: sum((["-e", f] for f in fields), [])
    synack_fields = [l.split("\t")[0] for l in subprocess.run([synack, "--list-fields"], capture_output=True,
                                                               text=True).stdout.splitlines()
                     if l.startswith("synack.")]

    rows = []  # (case, a s, b s, ratio, a RSS, b RSS, how the ratio reads, target, ok)
    floor = [loop, big]
    one = ["--threads", "1"]
    for name, cmd in (("quiet", [synack, "-r", big, "-q"] + one),
                      ("fields", [synack, "-r", big, "-T", "fields"] + e(FIELDS) + one),
                      ("conv", [synack, "conv", "-r", big] + one),
                      ("analysis", [synack, "-r", big, "-T", "fields"] + e(ANALYSIS) + one)):
        if want(name):
            goal = {"quiet": 2.0, "fields": 2.5, "conv": 2.5, "analysis": 3.5}[name]
            s, l, sm, lm = alternate(a.runs, cmd, floor, env, env)
            rows.append((name, s, l, s / l, sm, lm, "synack/loop", f"<= {goal}", s / l <= goal and sm <= 32 * 1024))
    if want("floor"):
        t, l, tm, lm = alternate(a.runs, [least, big], floor, env, env)
        rows.append(("floor", t, l, t / l, tm, lm, "least tracker/loop", "(measured)", True))
    if want("vs-tshark"):
        s, t, sm, tm = alternate(a.runs, [synack, "-r", big, "-T", "fields"] + e(FIELDS) + one,
                                 tshark + ["-r", big, "-T", "fields"] + e(FIELDS), env, env,
                                 compare=os.path.join(a.work, "vs-tshark"))
        rows.append(("vs-tshark", s, t, t / s, sm, tm, "tshark/synack", ">= 50", t / s >= 50))
    for name, with_args, without_args, goal in (
            ("plugin-cols", ["-r", small], ["-r", small], 1.05),
            ("plugin-own", ["-r", small, "-T", "fields"] + e(OWN), ["-r", small, "-T", "fields"] + e(OWN), 1.05),
            ("plugin-all", ["-r", small, "-T", "fields"] + e(synack_fields),
             ["-r", small, "-T", "fields", "-e", "frame.number"], 1.12)):
        if want(name):
            w, wo, wm, wom = alternate(a.runs, tshark + with_args, tshark + without_args, penv, nenv)
            rows.append((name, w, wo, w / wo, wm, wom, "with/without", f"<= {goal}", w / wo <= goal))

    n = ["--threads", str(a.threads)]
    for name, cmd in (("threads-q", [synack, "-r", big, "-q"]),
                      ("threads-fld", [synack, "-r", big, "-T", "fields"] + e(FIELDS)),
                      ("threads-conv", [synack, "conv", "-r", big])):
        if want("threads"):
            m, o, mm, om = alternate(a.runs, cmd + n, cmd + one, env, env, compare=os.path.join(a.work, name))
            rows.append((name, m, o, o / m, mm, om, f"speed-up 1 -> {a.threads} threads", "(measured)", True))

    print(f"\n{'case':12} {'A s':>8} {'B s':>8} {'ratio':>7} {'A RSS':>10} {'B RSS':>10}  target")
    for name, x, y, r, xm, ym, how, goal, ok in rows:
        print(f"{name:12} {x:8.3f} {y:8.3f} {r:7.2f} {xm/1024:8.1f}Mi {ym/1024:8.1f}Mi  {how} {goal} "
              f"{'ok' if ok else 'MISSED'}")

    if want("instr"):
        print("\ninstructions per frame (callgrind, mix-200000.pcap, --threads 1):")
        base = {}
        for name, cmd in (("read loop", [loop, small]),
                          ("least tracker", [least, small]),
                          ("synack -q", [synack, "-r", small, "-q"] + one),
                          ("-T fields (7)", [synack, "-r", small, "-T", "fields"] + e(FIELDS) + one),
                          ("conv", [synack, "conv", "-r", small] + one),
                          ("analysis fields", [synack, "-r", small, "-T", "fields"] + e(ANALYSIS) + one)):
            n = instructions(cmd, env)
            if n is None:
                print("  (valgrind not found: skipped)")
                break
            base.setdefault("loop", n)
            if name == "least tracker":
                base["least"] = n
            per = n / 200_000
            rel = f"{n / base['loop']:6.2f}x the loop"
            if "least" in base and name != "least tracker":
                rel += f", {n / base['least']:5.2f}x the least tracker"
            print(f"  {name:16} {per:8.0f}  {rel}")

    if want("plugin-mem"):
        print("\nplugin memory, tshark -2 -r (peak RSS with - without, over the TCP frames):")
        for path in (big, flows):
            tcp = int(subprocess.run(tshark + ["-r", path, "-Y", "tcp", "-T", "fields", "-e", "frame.number"],
                                     capture_output=True, env=env).stdout.count(b"\n"))
            _, wm = timed(tshark + ["-2", "-r", path], None, penv)
            _, wom = timed(tshark + ["-2", "-r", path], None, nenv)
            extra = (wm - wom) * 1024
            print(f"  {os.path.basename(path):24} {tcp:8} TCP frames: +{extra/2**20:6.1f} MiB = {extra/tcp:6.1f} B "
                  f"per TCP frame (the store's rows: 32 B; the rest is per connection)")


if __name__ == "__main__":
    main()
