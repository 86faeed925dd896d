#!/usr/bin/env python3
"""Write the two tables the CLI's display filters read off tshark:

- cli/src/filter/tshark_names.txt: every protocol filter name tshark knows (`P name`) and every
  field of the protocols synack dissects at least in part (`F name`), so that a filter naming
  something tshark has and synack does not decode gets an error that says so, distinct from a
  name nobody knows.
- cli/src/filter/value_names.tsv: the value names (value_string, range_string, true/false
  strings) tshark has for the fields synack shows, which a filter may use instead of the number:
  `ip.proto == "UDP"`, `dns.flags.rcode == "no such name"`, `tcp.flags.syn == set`.

Debian 12's tshark 4.0.17 is the reference:

    python3 tests/scripts/gen_tshark_names.py
"""
import os
import re
import subprocess

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
out_dir = os.path.join(root, "cli", "src", "filter")
env = dict(os.environ, LC_ALL="C.UTF-8")


def tshark_g(what):
    return subprocess.run(["tshark", "-G", what], capture_output=True, text=True, env=env, check=True).stdout


with open(os.path.join(root, "dissector-core", "src", "fields", "mod.rs"), encoding="utf-8") as f:
    ours = re.findall(r'^\s+[A-Z][A-Za-z0-9]* = "([^"]+)"', f.read(), re.M)
prefixes = {n.split(".")[0] for n in ours if not n.startswith("_ws.col")}
prefixes |= {"pppoed", "pppoes", "pppoe", "mdns", "llmnr", "icmp", "icmpv6", "frame", "_ws"}

protos, fields = [], []
for line in tshark_g("fields").splitlines():
    cols = line.split("\t")
    if cols[0] == "P":
        protos.append(cols[2])
    elif cols[0] == "F" and cols[2].split(".")[0] in prefixes:
        fields.append(cols[2])
with open(os.path.join(out_dir, "tshark_names.txt"), "w", encoding="utf-8") as f:
    f.write("# tshark 4.0.17's protocol names and the fields of the protocols synack decodes\n")
    f.write("# (written by tests/scripts/gen_tshark_names.py)\n")
    for p in sorted(set(protos)):
        f.write("P %s\n" % p)
    for n in sorted(set(fields)):
        f.write("F %s\n" % n)

wanted = set(ours)
rows = []
for line in tshark_g("values").splitlines():
    cols = line.split("\t")
    if len(cols) < 4 or cols[1] not in wanted:
        continue
    if cols[0] == "V":
        rows.append("%s\t%d\t%d\t%s" % (cols[1], int(cols[2], 0), int(cols[2], 0), cols[3]))
    elif cols[0] == "R" and len(cols) >= 5:
        rows.append("%s\t%d\t%d\t%s" % (cols[1], int(cols[2], 0), int(cols[3], 0), cols[4]))
    elif cols[0] == "T":
        rows.append("%s\t1\t1\t%s" % (cols[1], cols[2]))
        rows.append("%s\t0\t0\t%s" % (cols[1], cols[3]))
with open(os.path.join(out_dir, "value_names.tsv"), "w", encoding="utf-8") as f:
    f.write("# field\tlow\thigh\tname: tshark 4.0.17's value names for synack's fields\n")
    f.write("# (written by tests/scripts/gen_tshark_names.py)\n")
    for r in rows:
        f.write(r + "\n")
print("%d protocols, %d fields, %d value names" % (len(protos), len(fields), len(rows)))
