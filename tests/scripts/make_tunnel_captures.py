#!/usr/bin/env python3
"""Write the encapsulation captures of tests/captures (gen_*.pcap): one short TCP conversation
(handshake, a request, a reply, a FIN close; no well-known port, so that tshark dissects nothing
above TCP) carried in each encapsulation synack decodes: GRE (with key and sequence number,
IPv6 payload, transparent Ethernet bridging), IP in IP (4in4, 6in4, 4in6, 6in6), VXLAN, an
MPLS label stack and a PPPoE session; the GRE one starts with a DNS query and answer.

    python3 tests/scripts/make_tunnel_captures.py [DIR]

Deterministic (fixed addresses, sequence numbers and times); written with struct alone.
"""
import os
import struct
import sys

def csum(b):
    if len(b)%2: b+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(b)//2),b))
    while s>>16: s=(s&0xffff)+(s>>16)
    return ~s&0xffff
def ip4(src,dst,proto,payload,ttl=64,ident=1):
    h=struct.pack('!BBHHHBBH4s4s',0x45,0,20+len(payload),ident,0x4000,ttl,proto,0,bytes(src),bytes(dst))
    h=h[:10]+struct.pack('!H',csum(h))+h[12:]
    return h+payload
def ip6(src,dst,nh,payload,hl=64):
    return struct.pack('!IHBB',0x60000000,len(payload),nh,hl)+bytes(src)+bytes(dst)+payload
def tcp(src,dst,sp,dp,seq,ack,flags,data=b'',opts=b'',v6=False):
    off=(20+len(opts))//4
    h=struct.pack('!HHIIBBHHH',sp,dp,seq,ack,off<<4,flags,65535,0,0)+opts
    seg=h+data
    if v6: ph=bytes(src)+bytes(dst)+struct.pack('!IxxxB',len(seg),6)
    else: ph=bytes(src)+bytes(dst)+struct.pack('!BBH',0,6,len(seg))
    c=csum(ph+seg)
    return seg[:16]+struct.pack('!H',c)+seg[18:]
def udp(src,dst,sp,dp,data,v6=False):
    seg=struct.pack('!HHHH',sp,dp,8+len(data),0)+data
    if v6: ph=bytes(src)+bytes(dst)+struct.pack('!IxxxB',len(seg),17)
    else: ph=bytes(src)+bytes(dst)+struct.pack('!BBH',0,17,len(seg))
    c=csum(ph+seg) or 0xffff
    return seg[:6]+struct.pack('!H',c)+seg[8:]
def eth(dst,src,etype,payload):
    return bytes(dst)+bytes(src)+struct.pack('!H',etype)+payload
MAC_A=[2,0,0,0,0,1]; MAC_B=[2,0,0,0,0,2]; MAC_C=[2,0,0,0,0,3]; MAC_D=[2,0,0,0,0,4]
SYN,ACK,FIN,PSH,RST=2,16,1,8,4
MSSOPT=b'\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x03\x07'
def conversation(c,s,cp,sp,v6=False):
    """(from_client, tcp bytes) of a handshake, request, reply and FIN close."""
    ci,si=1000,5000
    req=b'hello from the client\n'; rep=b'and hello back\n'
    segs=[(True,ci,0,SYN,b'',MSSOPT),(False,si,ci+1,SYN|ACK,b'',MSSOPT),(True,ci+1,si+1,ACK,b'',b''),
          (True,ci+1,si+1,PSH|ACK,req,b''),(False,si+1,ci+1+len(req),ACK,b'',b''),
          (False,si+1,ci+1+len(req),PSH|ACK,rep,b''),(True,ci+1+len(req),si+1+len(rep),FIN|ACK,b'',b''),
          (False,si+1+len(rep),ci+2+len(req),FIN|ACK,b'',b''),(True,ci+2+len(req),si+2+len(rep),ACK,b'',b'')]
    out=[]
    for fc,seq,ack,fl,data,opts in segs:
        a,b,pa,pb=(c,s,cp,sp) if fc else (s,c,sp,cp)
        out.append((fc,a,b,tcp(a,b,pa,pb,seq,ack,fl,data,opts,v6)))
    return out
def dnsq(qid,name,resp=False,addr=None):
    q=b''.join(bytes([len(l)])+l.encode() for l in name.split('.'))+b'\0'+struct.pack('!HH',1,1)
    if not resp: return struct.pack('!HHHHHH',qid,0x0100,1,0,0,0)+q
    return struct.pack('!HHHHHH',qid,0x8180,1,1,0,0)+q+b'\xc0\x0c'+struct.pack('!HHIH',1,1,60,4)+bytes(addr)
def write(path,frames,linktype=1):
    f=open(path,'wb'); f.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,linktype))
    for i,fr in enumerate(frames):
        f.write(struct.pack('<IIII',1700000000,i*1000,len(fr),len(fr))+fr)
    f.close()


def out(name):
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "captures")
    return os.path.join(d, "gen_%s.pcap" % name)

OA=[192,0,2,1]; OB=[192,0,2,2]; IC=[10,1,0,1]; IS=[10,2,0,1]
OA6=[0x20,1,0xd,0xb8]+[0]*11+[1]; OB6=[0x20,1,0xd,0xb8]+[0]*11+[2]
IC6=[0xfd,0]+[0]*13+[1]; IS6=[0xfd,0]+[0]*13+[2]
def gre(proto, payload, key=None, seq=None, csum_=False):
    flags=0
    extra=b''
    if csum_: flags|=0x8000; extra+=b'\0\0\0\0'
    if key is not None: flags|=0x2000; extra+=struct.pack('!I',key)
    if seq is not None: flags|=0x1000; extra+=struct.pack('!I',seq)
    return struct.pack('!HH',flags,proto)+extra+payload
def outer4(fc, inner, proto):
    a,b=(OA,OB) if fc else (OB,OA)
    m1,m2=(MAC_A,MAC_B) if fc else (MAC_B,MAC_A)
    return eth(m2,m1,0x0800,ip4(a,b,proto,inner))
def outer6(fc, inner, nh):
    a,b=(OA6,OB6) if fc else (OB6,OA6)
    m1,m2=(MAC_A,MAC_B) if fc else (MAC_B,MAC_A)
    return eth(m2,m1,0x86dd,ip6(a,b,nh,inner))
conv4=conversation(IC,IS,40001,18400); conv6=conversation(IC6,IS6,40002,18400,True)
dq=udp(IC,[10,2,0,53],5353+1,53,dnsq(0x1234,'www.example.test'))
dr=udp([10,2,0,53],IC,53,5354,dnsq(0x1234,'www.example.test',True,IS))
# GRE IPv4 in IPv4, with key and sequence numbers
fr=[outer4(True, gre(0x0800, ip4(IC,[10,2,0,53],17,dq), key=7, seq=1), 47), outer4(False, gre(0x0800, ip4([10,2,0,53],IC,17,dr), key=7, seq=1), 47)]
for i,(fc,a,b,t) in enumerate(conv4):
    fr.append(outer4(fc, gre(0x0800, ip4(a,b,6,t), key=7, seq=i+2), 47))
write(out('gre_ipv4'),fr)
# GRE IPv6 in IPv4, plain
write(out('gre_ipv6'),[outer4(fc, gre(0x86dd, ip6(a,b,6,t)), 47) for fc,a,b,t in conv6])
# GRE transparent Ethernet bridging
write(out('gre_eth'),[outer4(fc, gre(0x6558, eth(*(((MAC_D,MAC_C) if fc else (MAC_C,MAC_D))+(0x0800, ip4(a,b,6,t))))), 47) for fc,a,b,t in conv4])
# IP in IP: 4in4, 6in4, 4in6, 6in6
write(out('ipip_4in4'),[outer4(fc, ip4(a,b,6,t), 4) for fc,a,b,t in conv4])
write(out('ipip_6in4'),[outer4(fc, ip6(a,b,6,t), 41) for fc,a,b,t in conv6])
write(out('ipip_4in6'),[outer6(fc, ip4(a,b,6,t), 4) for fc,a,b,t in conv4])
write(out('ipip_6in6'),[outer6(fc, ip6(a,b,6,t), 41) for fc,a,b,t in conv6])
# VXLAN
def vx(fc, inner_eth):
    a,b=(OA,OB) if fc else (OB,OA)
    return outer4(fc, udp(a,b,50000+ (1 if fc else 2),4789, struct.pack('!BxxxI',0x08,(42<<8))+inner_eth), 17)
write(out('vxlan'),[vx(fc, eth(*(((MAC_D,MAC_C) if fc else (MAC_C,MAC_D))+(0x0800, ip4(a,b,6,t))))) for fc,a,b,t in conv4])
# MPLS: two labels then IPv4
def mpls(labels, payload):
    out=b''
    for i,l in enumerate(labels):
        out+=struct.pack('!I',(l<<12)|(0<<9)|((1 if i==len(labels)-1 else 0)<<8)|64)
    return out+payload
write(out('mpls_ipv4'),[eth(*(((MAC_B,MAC_A) if fc else (MAC_A,MAC_B))+(0x8847, mpls([100,200], ip4(a,b,6,t))))) for fc,a,b,t in conv4])
# PPPoE session
def pppoe(sid, proto, payload):
    ppp=struct.pack('!H',proto)+payload
    return struct.pack('!BBHH',0x11,0,sid,len(ppp))+ppp
write(out('pppoe_ipv4'),[eth(*(((MAC_B,MAC_A) if fc else (MAC_A,MAC_B))+(0x8864, pppoe(0x2a, 0x0021, ip4(a,b,6,t))))) for fc,a,b,t in conv4])
# GRE with its checksum (RFC 2784 §2.5) carrying IPv6
write(out('gre_csum_ipv6'),[outer4(fc, gre(0x86dd, ip6(a,b,6,t), csum_=True), 47) for fc,a,b,t in conv6])
# PPPoE and MPLS carrying IPv6
write(out('pppoe_ipv6'),[eth(*(((MAC_B,MAC_A) if fc else (MAC_A,MAC_B))+(0x8864, pppoe(0x2b, 0x0057, ip6(a,b,6,t))))) for fc,a,b,t in conv6])
write(out('mpls_ipv6'),[eth(*(((MAC_B,MAC_A) if fc else (MAC_A,MAC_B))+(0x8847, mpls([16,17,18], ip6(a,b,6,t))))) for fc,a,b,t in conv6])
# DNS inside VXLAN, then a connection to the address it gave
def vx_ip(fc, src, dst, proto, payload):
    m1,m2=(MAC_C,MAC_D) if fc else (MAC_D,MAC_C)
    return vx(fc, eth(m2,m1,0x0800, ip4(src,dst,proto,payload)))
write(out('vxlan_dns'),[vx_ip(True, IC,[10,2,0,53],17,dq), vx_ip(False,[10,2,0,53],IC,17,dr)]+[vx_ip(fc,a,b,6,t) for fc,a,b,t in conv4])
# Geneve with 8 bytes of options, an Ethernet frame inside
def gnv(fc, inner_eth):
    a,b=(OA,OB) if fc else (OB,OA)
    opts=struct.pack('!HBB',0x0102,0x80,1)+b'\x00\x00\x00\x2a'
    hdr=struct.pack('!BBHI',len(opts)//4,0,0x6558,(77<<8))
    return outer4(fc, udp(a,b,40000+(1 if fc else 2),6081,hdr+opts+inner_eth), 17)
write(out('geneve_opts'),[gnv(fc, eth(*(((MAC_D,MAC_C) if fc else (MAC_C,MAC_D))+(0x0800, ip4(a,b,6,t))))) for fc,a,b,t in conv4])
# VXLAN inside GRE: two encapsulations
write(out('vxlan_in_gre'),[outer4(fc, gre(0x0800, ip4(*(([172,16,0,1],[172,16,0,2]) if fc else ([172,16,0,2],[172,16,0,1])), 17,
    udp(*(([172,16,0,1],[172,16,0,2]) if fc else ([172,16,0,2],[172,16,0,1])), 50010 if fc else 50011, 4789,
        struct.pack('!BxxxI',0x08,(9<<8))+eth(*(((MAC_D,MAC_C) if fc else (MAC_C,MAC_D))+(0x0800, ip4(a,b,6,t))))))), 47) for fc,a,b,t in conv4])
# ERSPAN type II (GRE with a sequence number, an 8-byte header: version 1, VLAN 10, session 5,
# index 77) and type I (no sequence number, no header), each around an Ethernet frame
def erspan2(fc, inner_eth, seq):
    hdr=struct.pack('!HHI',(1<<12)|10,5,77)
    return outer4(fc, gre(0x88be, hdr+inner_eth, seq=seq), 47)
inner_eth=lambda fc,a,b,t: eth(*(((MAC_D,MAC_C) if fc else (MAC_C,MAC_D))+(0x0800, ip4(a,b,6,t))))
write(out('erspan2'),[erspan2(fc, inner_eth(fc,a,b,t), i) for i,(fc,a,b,t) in enumerate(conv4)])
write(out('erspan1'),[outer4(fc, gre(0x88be, inner_eth(fc,a,b,t)), 47) for fc,a,b,t in conv4])
# PPP and Cisco HDLC link types (LINKTYPE_PPP 9 with and without the HDLC-like address and
# control bytes, LINKTYPE_PPP_HDLC 50, LINKTYPE_C_HDLC 104)
write(out('ppp'),[b'\xff\x03\x00\x21'+ip4(a,b,6,t) for fc,a,b,t in conv4],9)
write(out('ppp_no_address'),[b'\x00\x21'+ip4(a,b,6,t) for fc,a,b,t in conv4],9)
write(out('ppp_hdlc'),[b'\xff\x03\x00\x21'+ip4(a,b,6,t) for fc,a,b,t in conv4],50)
write(out('chdlc'),[(b'\x0f' if fc else b'\x8f')+b'\x00\x08\x00'+ip4(a,b,6,t) for fc,a,b,t in conv4],104)
# 802.11 (LINKTYPE_IEEE802_11 105, and behind radiotap, 127). STA: the client's station, AP:
# the access point (BSS ID), GW: the router behind it.
import zlib
STA=[2,0,0,0,0x11,1]; AP=[2,0,0,0,0x11,2]; GW=[2,0,0,0,0x11,3]; PEER=[2,0,0,0,0x11,4]
LLC_IP=b'\xaa\xaa\x03\x00\x00\x00\x08\x00'
def wlan_data(fc, seq, body, qos=False, ds=None, order=False, pad=False):
    """A data frame from the station to the DS (fc) or back: QoS data (TID 5) or plain data."""
    ds = ds if ds is not None else (1 if fc else 2)
    flags=ds|(0x80 if order else 0)
    hdr=struct.pack('<BBH',0x88 if qos else 0x08,flags,44)
    if ds==1: addrs=AP+STA+GW
    elif ds==2: addrs=STA+AP+GW
    elif ds==0: addrs=(PEER+STA+AP) if fc else (STA+PEER+AP)
    else: addrs=(AP+PEER+GW) if fc else (PEER+AP+STA)
    hdr+=bytes(addrs)+struct.pack('<H',seq<<4)
    if ds==3: hdr+=bytes(STA if fc else GW)
    if qos: hdr+=struct.pack('<H',5)
    if order: hdr+=b'\x00\x00\x00\x00'
    if pad: hdr+=b'\x00'*((-len(hdr))%4)
    return hdr+body
def radiotap(frame, fcs=True, pad=False):
    """Radiotap with TSFT, flags, rate, channel and antenna signal; the FCS appended when fcs."""
    flags=(0x10 if fcs else 0)|(0x20 if pad else 0)
    fields=struct.pack('<QBBHHb',123456789,flags,0x0c,2437,0x00a0,-42)
    hdr=struct.pack('<BBHI',0,0,8+len(fields)+1,0x2f)+fields+b'\x00'
    return hdr+frame+(struct.pack('<I',zlib.crc32(frame)) if fcs else b'')
beacon=struct.pack('<BBH',0x80,0,0)+bytes([0xff]*6)+bytes(AP)+bytes(AP)+struct.pack('<H',7<<4)+b'\x00'*12+b'\x00\x04test'
ack=struct.pack('<BBH',0xd4,0,0)+bytes(STA)
rts=struct.pack('<BBH',0xb4,0,100)+bytes(AP)+bytes(STA)
null=struct.pack('<BBH',0x48,0x11,44)+bytes(AP+STA+AP)+struct.pack('<H',9<<4)
prot=struct.pack('<BBH',0x88,0x41,44)+bytes(AP+STA+GW)+struct.pack('<H',10<<4)+struct.pack('<H',0)+b'\x01\x00\x00\x20\x00\x00\x00\x00'+b'\x5a'*40
wl=[(fc,wlan_data(fc,i+20,LLC_IP+ip4(a,b,6,t),qos=True)) for i,(fc,a,b,t) in enumerate(conv4)]
dnsf=[wlan_data(True,11,LLC_IP+ip4(IC,[10,2,0,53],17,dq),qos=True), wlan_data(False,12,LLC_IP+ip4([10,2,0,53],IC,17,dr),qos=True)]
write(out('wlan_radiotap_fcs'),[radiotap(beacon),radiotap(rts)]+[radiotap(f) for f in dnsf]+[radiotap(null),radiotap(prot)]+
      [radiotap(f) for _,f in wl]+[radiotap(ack)],127)
# Plain data frames on link type 105: ad hoc (no DS), a WDS link (4 addresses), then +HTC.
write(out('wlan_adhoc'),[wlan_data(fc,i,LLC_IP+ip4(a,b,6,t),ds=0) for i,(fc,a,b,t) in enumerate(conv4)],105)
write(out('wlan_wds_ipv6'),[wlan_data(fc,i,b'\xaa\xaa\x03\x00\x00\x00\x86\xdd'+ip6(a,b,6,t),qos=True,ds=3) for i,(fc,a,b,t) in enumerate(conv6)],105)
write(out('wlan_radiotap_htc_pad'),[radiotap(wlan_data(fc,i,LLC_IP+ip4(a,b,6,t),qos=True,order=True,pad=True),fcs=False,pad=True) for i,(fc,a,b,t) in enumerate(conv4)],127)
# GTP-U (UDP 2152): T-PDUs with IPv4, one with a sequence number and a PDCP extension header,
# and an echo request between the tunnel endpoints.
def gtpu(teid, inner, seq=None, ext=False, msg=0xff):
    opt=b''
    flags=0x30
    if seq is not None or ext:
        flags|=(0x02 if seq is not None else 0)|(0x04 if ext else 0)
        opt=struct.pack('!HBB',seq or 0,0,0xc0 if ext else 0)
        if ext: opt+=b'\x01\x12\x34\x00'
    return struct.pack('!BBHI',flags,msg,len(opt)+len(inner),teid)+opt+inner
def gtp_outer(fc, g):
    a,b=(OA,OB) if fc else (OB,OA)
    return outer4(fc, udp(a,b,2152,2152,g), 17)
write(out('gtpu'),[gtp_outer(True, gtpu(0, b'', seq=1, msg=1))]+
      [gtp_outer(True, gtpu(0x100, ip4(IC,[10,2,0,53],17,dq), seq=5, ext=True)), gtp_outer(False, gtpu(0x200, ip4([10,2,0,53],IC,17,dr)))]+
      [gtp_outer(fc, gtpu(0x100 if fc else 0x200, ip4(a,b,6,t))) for fc,a,b,t in conv4])
write(out('gtpu_ipv6'),[gtp_outer(fc, gtpu(0x300, ip6(a,b,6,t), seq=i)) for i,(fc,a,b,t) in enumerate(conv6)])
# Not a tunnel (so not gen_*, whose conversation tests/tunnels.rs checks), but the same kind of
# check, in synth_icmp_quotes.pcap: ICMP errors quoting a TCP segment (the 8 bytes RFC
# 792 asks for, or the whole header) as Destination Unreachable, Redirect (Wireshark reads 8
# bytes of it whatever it holds), Time Exceeded and Fragmentation Needed; before them a SYN and
# SYN+ACK with TCP Fast Open in the experimental option (kind 254, ExID 0xF989).
def icmp4(t, code, rest4, quote):
    b=struct.pack('!BBH',t,code,0)+rest4+quote
    return b[:2]+struct.pack('!H',csum(b))+b[4:]
QC=[10,0,0,1]; QS=[10,0,0,2]; QR=[10,0,0,254]
seg=tcp(QC,QS,40000,80,1001,5001,PSH|ACK,data=b'x'*10,opts=b'\x01\x01\x08\x0a\x00\x00\x00\x05\x00\x00\x00\x06')
quoted=ip4(QC,QS,6,seg)
write(os.path.join(os.path.dirname(out('x')), 'synth_icmp_quotes.pcap'),[ip4(QC,QS,6,tcp(QC,QS,40000,80,1000,0,SYN,opts=b'\xfe\x04\xf9\x89\x01\x01\x01\x00')),
    ip4(QS,QC,6,tcp(QS,QC,80,40000,5000,1001,SYN|ACK,opts=b'\xfe\x0c\xf9\x89'+b'\x11'*8)),
    ip4(QR,QC,1,icmp4(3,1,b'\0\0\0\0',quoted[:28])), ip4(QR,QC,1,icmp4(5,1,bytes(QS),quoted[:28])),
    ip4(QR,QC,1,icmp4(3,3,b'\0\0\0\0',quoted)), ip4(QR,QC,1,icmp4(5,1,bytes(QS),quoted)),
    ip4(QR,QC,1,icmp4(11,0,b'\0\0\0\0',quoted[:40])), ip4(QR,QC,1,icmp4(3,4,b'\0\0\x05\xdc',quoted[:24]))],101)
# Aruba's GRE (protocol type 0x8210): 802.11 QoS data frames, without FCS, in GRE.
write(out('gre_aruba_wlan'),[outer4(fc, gre(0x8210, wlan_data(fc,i,LLC_IP+ip4(a,b,6,t),qos=True)), 47) for i,(fc,a,b,t) in enumerate(conv4)])
# Ethernet pseudowires in MPLS (RFC 4448): with a control word (read from it, the bytes where
# MAC addresses would be are under no OUI Wireshark knows), and without one (both MACs under
# OUIs it knows: 00:11:22, 00:00:0c), which is how Wireshark 4.0 tells the two apart.
PW_A=[0,0x11,0x22,0,0,1]; PW_B=[0,0,0x0c,0,0,2]
def pw(fc, label, inner_macs, seg, cw=None):
    d,s_=inner_macs if fc else inner_macs[::-1]
    inner=eth(d,s_,0x0800,seg)
    m1,m2=(MAC_A,MAC_B) if fc else (MAC_B,MAC_A)
    return eth(m2,m1,0x8847,mpls([16,label],(struct.pack('!I',cw) if cw is not None else b'')+inner))
PW_C=[2,0,0xfe,0xfe,0,3]; PW_D=[2,0,0xfe,0xfe,0,4]
write(out('mpls_pw_cw'),[pw(fc,17,(PW_D,PW_C),ip4(a,b,6,t),cw=i) for i,(fc,a,b,t) in enumerate(conv4)])
write(out('mpls_pw_nocw'),[pw(fc,18,(PW_B,PW_A),ip4(a,b,6,t)) for fc,a,b,t in conv4])
