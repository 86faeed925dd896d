#!/usr/bin/env python3
"""Write dissector-core/src/unprintable.rs: the code points above U+007F that GLib's
g_unichar_isprint() calls unprintable (controls, format characters, unassigned code points and
surrogates), as ranges. Wireshark 4.0's format_text() shows those as \\uXXXX, and Debian 12's
GLib 2.74 (Unicode 15.0) is the one tshark 4.0.17 runs with, so the table is read from it:

    python3 tests/scripts/gen_unprintable.py [OUT]
"""
import ctypes
import os
import sys

glib = ctypes.CDLL("libglib-2.0.so.0")
glib.g_unichar_isprint.restype = ctypes.c_int
glib.g_unichar_isprint.argtypes = [ctypes.c_uint32]
version = [ctypes.c_uint.in_dll(glib, n).value for n in ("glib_major_version", "glib_minor_version", "glib_micro_version")]

ranges, start = [], None
for cp in range(0x80, 0x110000):
    unprintable = not glib.g_unichar_isprint(cp)
    if unprintable and start is None:
        start = cp
    elif not unprintable and start is not None:
        ranges.append((start, cp - 1))
        start = None
if start is not None:
    ranges.append((start, 0x10FFFF))

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dissector-core", "src", "unprintable.rs")
with open(out, "w") as f:
    f.write("//! Code points above U+007F that GLib %d.%d.%d's `g_unichar_isprint` calls unprintable, as\n" % tuple(version))
    f.write("//! inclusive ranges in order. Written by tests/scripts/gen_unprintable.py; do not edit.\n\n")
    f.write("/// Inclusive ranges of unprintable code points, sorted.\n")
    f.write("#[rustfmt::skip]\npub(crate) static RANGES: [(u32, u32); %d] = [\n" % len(ranges))
    for i in range(0, len(ranges), 6):
        f.write("    " + " ".join("(0x%x, 0x%x)," % r for r in ranges[i:i + 6]) + "\n")
    f.write("];\n")
print("%d ranges from GLib %d.%d.%d" % ((len(ranges),) + tuple(version)))
