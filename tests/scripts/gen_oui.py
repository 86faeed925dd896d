#!/usr/bin/env python3
"""Write dissector-core/src/oui24.bin: the 24-bit OUIs (IEEE MA-L assignments) in the
manufacturer file of the Wireshark synack is checked against, sorted, 3 bytes each.

Wireshark 4.0 decides whether an Ethernet pseudowire in MPLS starts with a control word by
whether both MAC addresses' first three bytes are such OUIs (only the 24-bit entries count:
/28 and /36 blocks do not, tried with crafted frames). Debian 12's tshark 4.0.17 reads
/usr/share/wireshark/manuf:

    python3 tests/scripts/gen_oui.py [MANUF] [OUT]
"""
import os
import sys

manuf = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wireshark/manuf"
out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dissector-core", "src", "oui24.bin")
ouis = set()
with open(manuf, encoding="utf-8", errors="replace") as f:
    for line in f:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        addr = line.split()[0]
        parts = addr.split(":")
        if "/" in addr or len(parts) != 3:
            continue
        ouis.add(bytes(int(p, 16) for p in parts))
with open(out, "wb") as f:
    for o in sorted(ouis):
        f.write(o)
print("%d OUIs from %s" % (len(ouis), manuf))
