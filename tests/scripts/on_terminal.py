#!/usr/bin/env python3
"""Run a command on a pseudo-terminal of a given size, as a person at a terminal would.

usage: on_terminal.py ROWS COLS WAIT_FOR KEYS -- COMMAND...
Reads the command's output; once WAIT_FOR has appeared (or, for "@N", after N seconds), types KEYS (Python escapes allowed,
e.g. 'q' or '\\x03'). Writes everything the command wrote to stdout (escape sequences
included) and exits with the command's exit code; 124 if it did not end within 60 s.
"""
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time


def main():
    rows, cols, wait_for, keys = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    keys = keys.encode().decode("unicode_escape").encode()
    cmd = sys.argv[sys.argv.index("--") + 1 :]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out, typed, start = b"", False, time.time()
    deadline = start + 60
    at = float(wait_for[1:]) if wait_for.startswith("@") else None
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the command closed the terminal
                break
            if not chunk:
                break
            out += chunk
        due = time.time() - start >= at if at is not None else wait_for.encode() in out
        if not typed and due:
            os.write(fd, keys)
            typed = True
    else:
        os.kill(pid, 9)
        sys.stdout.buffer.write(out)
        sys.exit(124)
    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(out)
    sys.exit(os.waitstatus_to_exitcode(status))


main()
