# Loopback traffic for the live-capture tests (tests/live.rs), run inside a private network
# namespace: a DNS query and its answer over UDP, then a TCP connection that sends a line and closes.
import socket, struct, threading, time
def dns_server(s):
    q, addr = s.recvfrom(512)
    qid = q[:2]
    question = q[12:]
    ans = qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01"
    s.sendto(ans, addr)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 53))
threading.Thread(target=dns_server, args=(u,), daemon=True).start()
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind(("127.0.0.1", 8080)); t.listen(1)
def tcp_server():
    c, _ = t.accept(); c.recv(100); c.sendall(b"ok\n"); c.close()
threading.Thread(target=tcp_server, daemon=True).start()
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
qname = b"".join(bytes([len(p)]) + p for p in b"live.example.test".split(b".")) + b"\x00"
c.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + qname + b"\x00\x01\x00\x01", ("127.0.0.1", 53))
c.recvfrom(512)
k = socket.create_connection(("127.0.0.1", 8080)); k.sendall(b"hello\n"); k.recv(100); k.close()
time.sleep(0.5)
