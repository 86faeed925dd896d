#!/usr/bin/env python3
"""synack against tshark, side by side on one machine (issue "Performance").

    python3 tests/scripts/bench_compare.py [--runs 3] [--packets 1000000] [--work target/bench]

Generates the 1,000,000-packet mix and a 100k one with ../shared/tools/gen_pcap.py (--seed 1),
builds synack, the plugin and the bare read loop in release mode, then times, alternating runs:

  fields   synack -T fields  vs  tshark -T fields, same 7 fields (outputs must be identical)
  analysis the same with tshark's TCP sequence analysis fields (tcp.analysis.*, identical too)
  conv     synack conv       vs  tshark -q -z conv,tcp
  quiet    synack -q         vs  a bare pcap-parser read loop (cli/examples/read_loop.rs)
  plugin   tshark + plugin   vs  tshark alone, on the 100k file

and prints each median, the ratios, peak RSS (GNU time), and the targets.
As root, tshark with the plugin runs under `unshare -U` (root ignores WIRESHARK_PLUGIN_DIR).
"""
import argparse
import os
import shutil
import statistics
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--work", default=os.path.join(ROOT, "target", "bench"))
    ap.add_argument("--gen", default=os.path.join(ROOT, "..", "shared", "tools", "gen_pcap.py"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    big = os.path.join(a.work, f"mix-{a.packets}.pcap")
    small = os.path.join(a.work, "mix-100000.pcap")
    for path, n in ((big, a.packets), (small, 100_000)):
        if not os.path.exists(path):
            print(f"generating {path}", file=sys.stderr)
            sh([sys.executable, a.gen, "--packets", str(n), "--seed", "1", "--out", path], stdout=subprocess.DEVNULL)
    sh(["cargo", "build", "--release", "-q", "-p", "synack", "--bin", "synack", "--example", "read_loop"], cwd=ROOT)
    sh(["cargo", "build", "--release", "-q", "-p", "synack-plugin", "--lib"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    synack = os.path.join(target, "release", "synack")
    loop = os.path.join(target, "release", "examples", "read_loop")
    ver = subprocess.run(["pkg-config", "--modversion", "wireshark"], capture_output=True, text=True).stdout.strip()
    mm = ".".join(ver.split(".")[:2])
    plugdir = os.path.join(a.work, "plugins")
    os.makedirs(os.path.join(plugdir, mm, "epan"), exist_ok=True)
    shutil.copy(os.path.join(target, "release", "libsynack_plugin.so"), os.path.join(plugdir, mm, "epan", "synack.so"))
    root = os.geteuid() == 0
    home = tempfile.mkdtemp()
    env = dict(os.environ, HOME=home, LC_ALL="C.UTF-8")
    penv = dict(env, WIRESHARK_PLUGIN_DIR=plugdir)
    wrap = ["unshare", "-U"] if root else []
    efields = sum((["-e", f] for f in FIELDS), [])
    afields = sum((["-e", f] for f in ANALYSIS), [])

    cases = {
        "fields": ([synack, "-r", big, "-T", "fields"] + efields, wrap + ["tshark", "-r", big, "-T", "fields"] + efields, env),
        "analysis": ([synack, "-r", big, "-T", "fields"] + afields, wrap + ["tshark", "-r", big, "-T", "fields"] + afields, env),
        "conv": ([synack, "conv", "-r", big], wrap + ["tshark", "-r", big, "-q", "-z", "conv,tcp"], env),
        "quiet": ([synack, "-r", big, "-q"], [loop, big], env),
        "plugin": (wrap + ["tshark", "-r", small, "-T", "fields", "-e", "frame.number"],
                   wrap + ["tshark", "-r", small, "-T", "fields", "-e", "frame.number"], None),
    }
    results = {}
    for name, (mine, theirs, e) in cases.items():
        ours_t, theirs_t, ours_m, theirs_m = [], [], [], []
        for r in range(a.runs):
            compared = name in ("fields", "analysis") and r == 0
            o_out = os.path.join(a.work, f"{name}.ours") if compared else None
            t_out = os.path.join(a.work, f"{name}.theirs") if compared else None
            te, tm = timed(theirs, t_out, env if name != "plugin" else env)
            oe, om = timed(mine, o_out, e if e is not None else penv)
            ours_t.append(oe)
            ours_m.append(om)
            theirs_t.append(te)
            theirs_m.append(tm)
            if o_out:
                same = open(o_out, "rb").read() == open(t_out, "rb").read()
                if not same:
                    sys.exit(f"{name}: synack's output differs from tshark's ({o_out} vs {t_out})")
                print(f"{name}: synack's and tshark's outputs are identical", file=sys.stderr)
        results[name] = (statistics.median(ours_t), statistics.median(theirs_t), max(ours_m), max(theirs_m))

    n = a.packets
    print(f"\n{'case':8} {'synack s':>9} {'other s':>9} {'ratio':>8} {'synack RSS':>11} {'other RSS':>10}  target")
    targets = {"fields": ("tshark/synack", 100.0), "analysis": ("tshark/synack", 20.0), "conv": ("tshark/synack", 50.0), "quiet": ("loop/synack", 0.4), "plugin": ("with/without", 1.10)}
    for name, (o, t, om, tm) in results.items():
        label, goal = targets[name]
        ratio = o / t if name == "plugin" else t / o
        ok = ratio <= goal if name == "plugin" else ratio >= goal
        print(f"{name:8} {o:9.2f} {t:9.2f} {ratio:8.2f} {om/1024:9.1f}MiB {tm/1024:8.1f}MiB  {label} {'<=' if name == 'plugin' else '>='} {goal} {'ok' if ok else 'MISSED'}")
    rss_ok = max(results["fields"][2], results["conv"][2], results["quiet"][2]) <= 32 * 1024
    print(f"peak RSS of synack on {n} packets: {max(results[k][2] for k in ('fields', 'conv', 'quiet'))/1024:.1f} MiB (target <= 32 MiB: {'ok' if rss_ok else 'MISSED'})")
    print(f"throughput: synack fields {n/results['fields'][0]/1e6:.2f} M packets/s, tshark {n/results['fields'][1]/1e3:.0f} k packets/s")


if __name__ == "__main__":
    main()
