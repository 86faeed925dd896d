#!/usr/bin/env python3
"""Write tests/captures/synth_dns_label_bytes.pcap: DNS queries whose names hold every byte
value (`a<byte>b`), UTF-8 sequences valid, overlong, broken off, surrogate, past U+10FFFF and
of 5 and 6 bytes, and code points GLib calls unprintable (format, unassigned, private use,
noncharacters), so that the cross-check holds synack's name text to tshark 4.0's; and
synth_dns_types.pcap: one query for each record type 0-270 and the named ones above, so that
the Info column test holds synack's type mnemonics to tshark's.

    python3 tests/scripts/make_dns_text_capture.py [DIR]

Deterministic; written with struct alone (raw IPv4, link type 101).
"""
import os
import random
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def query(i, label, qtype=1):
    qn = bytes([len(label)]) + label + b"\x04test\x00"
    q = struct.pack("!HHHHHH", i, 0x0100, 1, 0, 0, 0) + qn + struct.pack("!HH", qtype, 1)
    u = struct.pack("!HHHH", 40000 + i % 1000, 53, 8 + len(q), 0) + q
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), i, 0, 64, 17, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + u


labels = [b"a" + bytes([x]) + b"b" for x in range(256)]
labels += [b"a" + bytes.fromhex(h) + b"z" for h in (
    "c0af", "c080", "c1bf", "c2a0", "c2ad", "e28099", "e2808b", "e280a8", "ee8080", "efb790", "efbfbe",
    "eda080", "e08080", "e080af", "f09f9880", "f3a08081", "f48fbfbf", "f4908080", "f7bfbfbf",
    "f888808080", "fbbfbfbfbf", "fc8480808080", "fdbfbfbfbfbf", "f0b28d90", "f0afa89e", "f09080",
    "e0c0", "c041", "80bf", "feff")]
rng = random.Random(19)
for _ in range(200):
    s = b""
    for _ in range(3):
        while True:
            cp = rng.choice([rng.randint(0x80, 0x7FF), rng.randint(0x800, 0xFFFF), rng.randint(0x10000, 0x3FFFF),
                             rng.randint(0xE0000, 0x10FFFF)])
            if not 0xD800 <= cp <= 0xDFFF:
                break
        s += chr(cp).encode("utf-8")
    labels.append(s)

def write(name, packets):
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "captures")
    with open(os.path.join(d, name), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for i, p in enumerate(packets):
            f.write(struct.pack("<IIII", 1700000000, i * 1000, len(p), len(p)) + p)


write("synth_dns_label_bytes.pcap", [query(i, label) for i, label in enumerate(labels)])
types = list(range(0, 271)) + [32767, 32768, 32769, 32770, 65280, 65281, 65282, 65283, 65422, 65534, 65535]
write("synth_dns_types.pcap", [query(i, b"x", t) for i, t in enumerate(types)])
