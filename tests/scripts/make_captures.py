#!/usr/bin/env python3
"""Make the loopback captures that tests/captures needs beyond ../shared/captures.

Each scenario runs inside a private network namespace (unshare -n, its own lo), so nothing
touches the host's network, and dumpcap records it:

    sudo python3 tests/scripts/make_captures.py abort_rst keepalive half_close syn_retransmit dns_then_http

writes tests/captures/local_<scenario>.pcap. Needs root (or unshare rights), iproute2 and dumpcap.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

H = "127.0.0.1"
PORT = 18200
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "captures")


def listener(port, backlog=8):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((H, port))
    s.listen(backlog)
    return s


def abort_rst():
    """The client aborts an established connection: SO_LINGER 0 makes close() send a RST."""
    srv = listener(PORT)

    def server():
        c, _ = srv.accept()
        c.sendall(b"hello " + c.recv(100))
        time.sleep(0.3)
        c.close()

    t = threading.Thread(target=server)
    t.start()
    cl = socket.create_connection((H, PORT))
    cl.sendall(b"abort test\n")
    cl.recv(100)
    cl.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    cl.close()
    t.join()
    srv.close()


def keepalive():
    """Idle connection with TCP keep-alives from the client, then a client-first close."""
    srv = listener(PORT)

    def server():
        c, _ = srv.accept()
        c.recv(100)
        c.recv(100)  # EOF after the client's FIN
        c.close()

    t = threading.Thread(target=server)
    t.start()
    cl = socket.create_connection((H, PORT))
    cl.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    cl.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    cl.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    cl.sendall(b"ping\n")
    time.sleep(3.5)
    cl.close()
    t.join()
    srv.close()


def half_close():
    """The client shuts down its sending side first; the server keeps sending, then closes."""
    srv = listener(PORT)

    def server():
        c, _ = srv.accept()
        data = b""
        while True:
            b = c.recv(100)
            if not b:
                break
            data += b
        for i in range(3):
            c.sendall(b"reply %d to %s" % (i, data.strip()))
            time.sleep(0.05)
        c.close()

    t = threading.Thread(target=server)
    t.start()
    cl = socket.create_connection((H, PORT))
    cl.sendall(b"request\n")
    cl.shutdown(socket.SHUT_WR)
    while cl.recv(100):
        pass
    cl.close()
    t.join()
    srv.close()


def syn_retransmit():
    """A full accept queue makes Linux drop a SYN; the client retransmits it 1 s later."""
    srv = listener(PORT, backlog=0)
    first = socket.create_connection((H, PORT))  # fills the queue (backlog 0 holds one)
    time.sleep(0.2)
    second = socket.socket()
    second.settimeout(10)
    done = threading.Thread(target=second.connect, args=((H, PORT),))
    done.start()
    time.sleep(0.5)  # the second SYN was dropped; make room before its retransmission
    c1, _ = srv.accept()
    done.join()
    c2, _ = srv.accept()
    second.sendall(b"after a dropped SYN\n")
    c2.recv(100)
    for s in (second, c2, first, c1):
        s.close()
        time.sleep(0.05)
    srv.close()


def dns_answer(query, name_map):
    """A tiny authoritative answer: the question, then a CNAME chain and A records."""
    qid = query[:2]
    end = 12
    while query[end] != 0:
        end += 1 + query[end]
    question = query[12:end + 5]
    labels, i = [], 12
    while query[i]:
        labels.append(query[i + 1:i + 1 + query[i]].decode())
        i += 1 + query[i]
    qname = ".".join(labels)
    answers = []
    owner = b"\xc0\x0c"  # pointer to the question name
    name = qname
    while name in name_map and isinstance(name_map[name], str):
        target = name_map[name]
        rdata = b"".join(bytes([len(l)]) + l.encode() for l in target.split(".")) + b"\0"
        answers.append(owner + struct.pack(">HHIH", 5, 1, 300, len(rdata)) + rdata)
        owner = b"\xc0%c" % (12 + len(question) + sum(len(a) for a in answers) - len(rdata))
        name = target
    for addr in name_map.get(name, []) if isinstance(name_map.get(name), list) else []:
        answers.append(owner + struct.pack(">HHIH", 1, 1, 300, 4) + socket.inet_aton(addr))
    flags = 0x8580 if answers else 0x8583
    head = qid + struct.pack(">HHHHH", flags, 1, len(answers), 0, 0)
    return head + question + b"".join(answers)


def dns_then_http():
    """The walkthrough's whole story: a DNS lookup (CNAME then A), a connection to the address
    it gave, an HTTP GET, and a clean close."""
    import http.server

    names = {"www.example.test": "web.example.test", "web.example.test": ["127.0.0.2"]}
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind((H, 53))

    def resolver():
        q, peer = dns.recvfrom(512)
        dns.sendto(dns_answer(q, names), peer)

    class Page(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            body = b"hello from web.example.test\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    web = http.server.HTTPServer(("127.0.0.2", 80), Page)
    threads = [threading.Thread(target=resolver), threading.Thread(target=web.handle_request)]
    for t in threads:
        t.start()
    # The client's lookup: one A query for www.example.test, recursion desired.
    q = struct.pack(">HHHHHH", 0x5A17, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in "www.example.test".split(".")) + b"\0"
    q += struct.pack(">HH", 1, 1)
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.sendto(q, (H, 53))
    reply = c.recv(512)
    addr = socket.inet_ntoa(reply[-4:])
    time.sleep(0.05)
    s = socket.create_connection((addr, 80))
    s.sendall(b"GET / HTTP/1.0\r\nHost: www.example.test\r\n\r\n")
    while s.recv(1000):
        pass
    s.close()
    for t in threads:
        t.join()
    web.server_close()
    dns.close()


SCENARIOS = {f.__name__: f for f in (abort_rst, keepalive, half_close, syn_retransmit, dns_then_http)}
FILTER = {"dns_then_http": "port 53 or tcp port 80"}


def run_in_netns(name):
    out = os.path.abspath(os.path.join(OUT, "local_%s.pcap" % name))
    script = (
        "ip link set lo up && "
        "(dumpcap -q -P -i lo -f '%s' -w %s & echo $! > /tmp/synack-dumpcap.pid) && "
        "sleep 1 && python3 %s --inside %s; sleep 1; kill $(cat /tmp/synack-dumpcap.pid); sleep 0.5"
        % (FILTER.get(name, "tcp port %d" % PORT), out, os.path.abspath(__file__), name)
    )
    subprocess.run(["unshare", "-n", "sh", "-c", script], check=True)
    print("wrote", out)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--inside":
        SCENARIOS[sys.argv[2]]()
    else:
        for n in sys.argv[1:] or SCENARIOS:
            run_in_netns(n)
