#!/usr/bin/env python3
"""Make the loopback captures that tests/captures needs beyond ../shared/captures.

Each scenario runs inside a private network namespace (unshare -n, its own lo), so nothing
touches the host's network, and dumpcap records it:

    sudo python3 tests/scripts/make_captures.py abort_rst keepalive half_close syn_retransmit dns_then_http

writes tests/captures/local_<scenario>.pcap. Needs root (or unshare rights), iproute2 and dumpcap.

The "pair" scenarios need two hosts and a delay between them (FINs that cross, a SYN+ACK that
finds its socket gone): two private namespaces, each with a TUN device (10.9.0.1, the client,
and 10.9.0.2, the server), joined by a relay that holds each packet for the given one-way
delay (the kernel here has no netem). Each side's dumpcap records its own TUN device, so one
run gives the capture at the client and the capture at the server:

    sudo python3 tests/scripts/make_captures.py close_crossing

writes tests/captures/local_close_crossing_at_client.pcap and ..._at_server.pcap.

The relay also plays the network's part in the verdict scenarios (outgoing_policy): a firewall
beside the client that answers one port's SYNs with its own RST (refused_paths), a path that
loses everything the client sends after its SYN (half_open), a SYN+ACK held 300 ms
(slow_handshake); and each namespace can have its own TCP settings (SYSCTLS: a server without
window scaling, SACK or ECN in options_stripped).
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
OUT = os.environ.get("SYNACK_CAPTURES_OUT", os.path.join(HERE, "..", "captures"))


def listener(port, backlog=8, host=H, rcvbuf=None):
    """A listening socket; `rcvbuf` is set before listen(), where it bounds the window."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((host, port))
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


def close_server_first():
    """The server closes first; the client acknowledges the FIN on its own, then closes later."""
    srv = listener(PORT)

    def server():
        c, _ = srv.accept()
        c.recv(100)
        c.sendall(b"bye")
        c.close()

    t = threading.Thread(target=server)
    t.start()
    cl = socket.create_connection((H, PORT))
    cl.sendall(b"hello\n")
    while cl.recv(100):
        pass
    time.sleep(0.3)  # long past the delayed ACK: the ACK of the server's FIN goes alone
    cl.close()
    t.join()
    srv.close()


def syn_unanswered():
    """A full accept queue drops every SYN: the client retransmits (1 s, then 2 s) and gives up."""
    srv = listener(PORT, backlog=0)
    first = socket.create_connection((H, PORT))  # fills the queue; never accepted
    time.sleep(0.2)
    second = socket.socket()
    second.settimeout(3.5)
    try:
        second.connect((H, PORT))
    except OSError:
        pass
    second.close()
    time.sleep(0.2)
    first.close()
    srv.close()


def rst_in_fin_wait_2():
    """The client shuts down its sending side; once its FIN is acknowledged (FIN_WAIT_2), the
    server aborts with SO_LINGER 0: the RST reaches the client in FIN_WAIT_2."""
    srv = listener(PORT)

    def server():
        c, _ = srv.accept()
        while c.recv(100):
            pass
        time.sleep(0.2)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()

    t = threading.Thread(target=server)
    t.start()
    cl = socket.create_connection((H, PORT))
    cl.sendall(b"request\n")
    cl.shutdown(socket.SHUT_WR)
    try:
        cl.recv(100)
    except OSError:
        pass
    t.join()
    cl.close()
    srv.close()


def rst_in_close_wait():
    """The client shuts down its sending side (the server goes to CLOSE_WAIT), then aborts with
    SO_LINGER 0: the RST reaches the server in CLOSE_WAIT."""
    srv = listener(PORT)

    def server():
        c, _ = srv.accept()
        while True:
            try:
                if not c.recv(100):
                    break
            except OSError:
                break
        time.sleep(0.5)  # in CLOSE_WAIT until the RST
        c.close()

    t = threading.Thread(target=server)
    t.start()
    cl = socket.create_connection((H, PORT))
    cl.sendall(b"request\n")
    cl.shutdown(socket.SHUT_WR)
    time.sleep(0.2)
    cl.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    cl.close()
    t.join()
    srv.close()


def zero_window():
    """The server reads nothing for a second with a small receive buffer: its window falls to
    zero and the client probes until it reads again (a receiver stall)."""
    srv = listener(PORT, 1, rcvbuf=4096)

    def server():
        c, _ = srv.accept()
        time.sleep(1.0)
        while c.recv(65536):
            pass
        c.close()

    t = threading.Thread(target=server)
    t.start()
    cl = socket.create_connection((H, PORT))
    cl.sendall(b"x" * 200000)
    cl.shutdown(socket.SHUT_WR)
    cl.recv(10)
    cl.close()
    t.join()
    srv.close()


def port_reuse():
    """The client connects twice from the same port: the server closes first each time (so the
    client keeps no TIME_WAIT), and the second SYN reuses the first connection's ports."""
    srv = listener(PORT)
    for _ in range(2):
        cl = socket.socket()
        cl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        cl.bind((H, 18299))
        cl.connect((H, PORT))
        c, _ = srv.accept()
        c.sendall(b"hello")
        c.close()
        cl.recv(10)
        cl.recv(10)
        cl.close()
        time.sleep(0.2)
    srv.close()


SCENARIOS = {
    f.__name__: f
    for f in (
        abort_rst,
        keepalive,
        half_close,
        syn_retransmit,
        dns_then_http,
        close_server_first,
        syn_unanswered,
        rst_in_fin_wait_2,
        rst_in_close_wait,
        zero_window,
        port_reuse,
    )
}

# Two hosts joined by a delaying relay (see the module's doc).
CLIENT, SERVER = "10.9.0.1", "10.9.0.2"
PAIR_PORT = 18300


def pair_close_crossing(role, at):
    """Both ends shut down their sending side at the same instant, 25 ms apart on the wire:
    the FINs cross (a simultaneous close, RFC 9293 Figure 13)."""
    if role == "server":
        srv = listener(PAIR_PORT, 1, SERVER)
        c, _ = srv.accept()
        c.recv(100)
        c.sendall(b"reply")
        time.sleep(max(0, at - time.time()))
        c.shutdown(socket.SHUT_WR)
        while c.recv(100):
            pass
        c.close()
        srv.close()
    else:
        cl = socket.create_connection((SERVER, PAIR_PORT))
        cl.sendall(b"request")
        cl.recv(100)
        time.sleep(max(0, at - time.time()))
        cl.shutdown(socket.SHUT_WR)
        while cl.recv(100):
            pass
        cl.close()


def pair_half_close_in_flight(role, at):
    """The client shuts down its sending side while the server's data is on the wire: the
    server's next segments, sent before the FIN reached it, do not acknowledge it."""
    if role == "server":
        srv = listener(PAIR_PORT, 1, SERVER)
        c, _ = srv.accept()
        c.recv(100)
        for i in range(6):
            c.sendall(b"part %d " % i)
            time.sleep(0.01)
        while c.recv(100):
            pass
        c.sendall(b"last")
        c.close()
        srv.close()
    else:
        cl = socket.create_connection((SERVER, PAIR_PORT))
        cl.sendall(b"request")
        time.sleep(0.02)
        cl.shutdown(socket.SHUT_WR)
        while cl.recv(100):
            pass
        cl.close()


def pair_rst_in_syn_received(role, at):
    """The client gives up on its connect at once: when the server's SYN+ACK arrives the client
    has no socket for it and answers with RST, which returns the server's half-open
    connection (SYN_RECEIVED, from LISTEN) to LISTEN."""
    if role == "server":
        srv = listener(PAIR_PORT, 1, SERVER)
        time.sleep(max(0, at - time.time()) + 0.5)
        srv.close()
    else:
        cl = socket.socket()
        cl.setblocking(False)
        try:
            cl.connect((SERVER, PAIR_PORT))
        except BlockingIOError:
            pass
        time.sleep(0.005)
        cl.close()
        time.sleep(0.3)


def pair_refused_paths(role, at):
    """Three connections from the client: one the server accepts (how fast and with which TTL
    the host answers), one to a port nothing listens on (the host's RST), one that a firewall
    beside the client refuses (the relay answers the SYN with its own RST, TTL 255)."""
    if role == "server":
        srv = listener(PAIR_PORT, 1, SERVER)
        c, _ = srv.accept()
        c.recv(100)
        c.sendall(b"reply")
        c.close()
        time.sleep(1.0)
        srv.close()
    else:
        cl = socket.create_connection((SERVER, PAIR_PORT))
        cl.sendall(b"request")
        cl.recv(100)
        cl.close()
        for port in (PAIR_PORT + 1, FIREWALLED):
            time.sleep(0.2)
            try:
                socket.create_connection((SERVER, port), timeout=1)
            except OSError:
                pass


def pair_exchange(role, at, client_opts=()):
    """One request and one reply, the client closing first."""
    if role == "server":
        srv = listener(PAIR_PORT, 1, SERVER)
        srv.settimeout(8)
        try:
            c, _ = srv.accept()
            c.recv(100)
            c.sendall(b"reply")
            c.recv(100)
            c.close()
        except OSError:
            pass
        srv.close()
    else:
        cl = socket.socket()
        for level, opt, val in client_opts:
            cl.setsockopt(level, opt, val)
        cl.settimeout(8)
        try:
            cl.connect((SERVER, PAIR_PORT))
            cl.sendall(b"request")
            cl.recv(100)
        except OSError:
            pass
        cl.close()


def pair_options_stripped(role, at):
    """The server's host has window scaling, SACK and ECN off; the client asks for ECN and
    announces an MSS of 1300 (as behind a clamping tunnel)."""
    pair_exchange(role, at, [(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1300)])


def pair_half_open(role, at):
    """Everything the client sends after its SYN is lost: the server's SYN+ACK is never
    acknowledged (seen at the server: a half-open connection)."""
    if role == "server":
        pair_exchange(role, at)
    else:
        cl = socket.socket()
        cl.settimeout(2)
        try:
            cl.connect((SERVER, PAIR_PORT))
            cl.sendall(b"request")
        except OSError:
            pass
        time.sleep(5)
        cl.close()


FIREWALLED = PAIR_PORT + 2


def ip_checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def firewall_rst(syn):
    """The RST+ACK a firewall sends for an IPv4 SYN, with its own TTL (255)."""
    ihl = (syn[0] & 15) * 4
    src, dst = syn[12:16], syn[16:20]
    sport, dport, seq = struct.unpack("!HHI", syn[ihl : ihl + 8])
    tcp = struct.pack("!HHIIBBHHH", dport, sport, 0, (seq + 1) & 0xFFFFFFFF, 5 << 4, 0x14, 0, 0, 0)
    pseudo = dst + src + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", ip_checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 255, 6, 0, dst, src)
    ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
    return ip + tcp


def tcp_of(pkt):
    """(flags, destination port) of an IPv4 TCP packet, else None."""
    if len(pkt) < 40 or pkt[0] >> 4 != 4 or pkt[9] != 6:
        return None
    ihl = (pkt[0] & 15) * 4
    return pkt[ihl + 13], struct.unpack("!H", pkt[ihl + 2 : ihl + 4])[0]


def outgoing_policy(name, role, pkt):
    """What the relay does with a packet this host sends: ("pass", extra delay), ("drop",) or
    ("reply", packet written back to this host instead)."""
    t = tcp_of(pkt)
    if t is None:
        return ("pass", 0)
    flags, dport = t
    if name == "refused_paths" and role == "client" and dport == FIREWALLED and flags & 0x02:
        return ("reply", firewall_rst(pkt))
    if name == "half_open" and role == "client" and flags & 0x12 != 0x02:
        return ("drop",)
    if name == "slow_handshake" and role == "server" and flags & 0x12 == 0x12:
        return ("pass", 0.3)
    return ("pass", 0)


PAIRS = {
    "close_crossing": (pair_close_crossing, 0.025),
    "half_close_in_flight": (pair_half_close_in_flight, 0.025),
    "rst_in_syn_received": (pair_rst_in_syn_received, 0.025),
    "refused_paths": (pair_refused_paths, 0.020),
    "slow_handshake": (pair_exchange, 0.010),
    "options_stripped": (pair_options_stripped, 0.010),
    "half_open": (pair_half_open, 0.010),
}

# Per-namespace settings of a pair's hosts.
SYSCTLS = {
    ("options_stripped", "server"): ["net.ipv4.tcp_window_scaling=0", "net.ipv4.tcp_sack=0", "net.ipv4.tcp_ecn=0"],
    ("options_stripped", "client"): ["net.ipv4.tcp_ecn=1"],
    ("half_open", "server"): ["net.ipv4.tcp_synack_retries=2"],
}


def tun_open(name):
    """A TUN device (no packet information header) in this process's namespace."""
    import fcntl

    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, 0x400454CA, struct.pack("16sH", name.encode(), 0x0001 | 0x1000))  # TUNSETIFF: IFF_TUN|IFF_NO_PI
    return fd


def pair_side(name, role, fd, at):
    """One host of a pair: its TUN device, its capture, the relay to the other host, its part
    of the scenario."""
    import heapq
    import select

    scenario, delay = PAIRS[name]
    me, peer = (CLIENT, SERVER) if role == "client" else (SERVER, CLIENT)
    tun = tun_open("tun0")
    for cmd in (
        "ip link set lo up",
        "ip addr add %s peer %s dev tun0" % (me, peer),
        "ip link set tun0 up",
        "ethtool -K tun0 tso off gso off 2>/dev/null || true",
    ):
        subprocess.run(["sh", "-c", cmd], check=True)
    for s in SYSCTLS.get((name, role), []):
        subprocess.run(["sysctl", "-q", "-w", s], check=True)
    out = os.path.abspath(os.path.join(OUT, "local_%s_at_%s.pcap" % (name, role)))
    cap = subprocess.Popen(["dumpcap", "-q", "-P", "-i", "tun0", "-f", "tcp", "-w", out])
    link = socket.socket(fileno=fd)
    stop = threading.Event()

    def relay():
        held, n = [], 0
        while not stop.is_set():
            wait = max(0.0, held[0][0] - time.time()) if held else 0.05
            ready, _, _ = select.select([tun, link], [], [], min(wait, 0.05))
            if tun in ready:
                pkt = os.read(tun, 65535)
                action = outgoing_policy(name, role, pkt)
                if action[0] == "reply":
                    os.write(tun, action[1])
                elif action[0] == "pass" and action[1] == 0:
                    link.send(pkt)
                elif action[0] == "pass":
                    threading.Timer(action[1], link.send, [pkt]).start()
            if link in ready:
                n += 1
                heapq.heappush(held, (time.time() + delay, n, link.recv(65535)))
            while held and held[0][0] <= time.time():
                os.write(tun, heapq.heappop(held)[2])

    t = threading.Thread(target=relay, daemon=True)
    t.start()
    time.sleep(1.0 if role == "server" else 1.5)
    scenario(role, at)
    time.sleep(1.0)
    stop.set()
    cap.terminate()
    cap.wait()
    print("wrote", out)


def run_pair(name):
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    at = time.time() + 3.0
    me = os.path.abspath(__file__)
    procs = [
        subprocess.Popen(["unshare", "-n", "python3", me, "--pair", name, role, str(s.fileno()), repr(at)], pass_fds=[s.fileno()])
        for role, s in (("server", left), ("client", right))
    ]
    for p in procs:
        p.wait()
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
    elif len(sys.argv) == 6 and sys.argv[1] == "--pair":
        pair_side(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
    else:
        for n in sys.argv[1:] or list(SCENARIOS) + list(PAIRS):
            run_pair(n) if n in PAIRS else run_in_netns(n)
