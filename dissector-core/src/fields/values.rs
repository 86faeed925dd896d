//! Finding a field's values in a dissected packet: each field is answered by the part of the
//! packet its [`Group`] names (capture facts, one kind of layer, or the tracker's annotation).

use super::{Field, Group};
use crate::conn::analysis::{flag, Analysis};
use crate::conn::TcpTrack;
use crate::dns::{rtype, RecordData};
use crate::packet::{DnsLayer, Layer, Packet, TcpLayer};
use crate::tcp::{TcpOption, TcpOptions};

/// A field value borrowed from a dissected packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'p> {
    /// Unsigned integer.
    U(u64),
    /// Unsigned 16-bit integer shown in hex whatever the field's base (mDNS registers some
    /// fields a second time with BASE_HEX).
    Hex16(u16),
    /// Signed integer.
    I(i64),
    /// Boolean.
    Bool(bool),
    /// Text.
    Str(&'p str),
    /// Owned text.
    String(String),
    /// IPv4 address.
    Ipv4([u8; 4]),
    /// IPv6 address.
    Ipv6([u8; 16]),
    /// MAC address.
    Ether([u8; 6]),
    /// Bytes.
    Bytes(&'p [u8]),
    /// Nanoseconds (relative or since the epoch).
    Time(i128),
}

/// Append the values of `field` found in `pkt`, in protocol-tree order.
pub fn values<'p>(pkt: &'p Packet<'_>, field: Field, out: &mut Vec<Value<'p>>) {
    values_indexed(pkt, &LayerIndex::new(pkt), field, out)
}

/// Which of a packet's layers belong to which protocol, found once for the values
/// of several fields ([`values_indexed`]).
#[derive(Debug, Clone)]
pub struct LayerIndex {
    /// Bit i: layer i is of that kind (by `Home as usize`). `None` past 64 layers (a long VLAN
    /// stack): the layers are then looked at one by one.
    masks: Option<[u64; 6]>,
    /// Whether the packet's sequence analysis is shown ([`Packet::tcp_analysis`]), once a
    /// field asked.
    seq: std::cell::OnceCell<bool>,
}

impl LayerIndex {
    /// The index of `pkt`'s layers.
    pub fn new(pkt: &Packet<'_>) -> LayerIndex {
        let seq = std::cell::OnceCell::new();
        if pkt.layers.len() > 64 {
            return LayerIndex { masks: None, seq };
        }
        let mut masks = [0u64; 6];
        for (i, l) in pkt.layers.iter().enumerate() {
            if let Some(h) = Home::of_layer(l) {
                masks[h as usize] |= 1 << i;
            }
        }
        LayerIndex { masks: Some(masks), seq }
    }
}

/// [`values`] with the packet's [`LayerIndex`] made by the caller, once for all its fields.
pub fn values_indexed<'p>(pkt: &'p Packet<'_>, index: &LayerIndex, field: Field, out: &mut Vec<Value<'p>>) {
    use Field as F;
    let m = &pkt.meta;
    match field {
        F::FrameNumber => return out.push(Value::U(u64::from(m.number))),
        F::FrameTimeRelative => return out.push(Value::Time(pkt.rel_ns)),
        F::FrameTimeEpoch => return out.push(Value::Time(m.ts_ns)),
        F::FrameLen => return out.push(Value::U(u64::from(m.len))),
        F::FrameCapLen => return out.push(Value::U(u64::from(m.caplen))),
        F::ColNo => return out.push(Value::U(u64::from(m.number))),
        F::ColTime => return out.push(Value::Time(pkt.rel_ns)),
        F::ColLength => return out.push(Value::U(u64::from(m.len))),
        F::ColProtocol => return out.push(Value::Str(crate::columns::protocol(pkt))),
        F::ColInfo => return out.push(Value::String(crate::columns::info(pkt))),
        F::ColSource => return out.push(Value::String(crate::columns::addresses(pkt).0)),
        F::ColDestination => return out.push(Value::String(crate::columns::addresses(pkt).1)),
        _ => {}
    }
    let home = match field.info().group {
        Group::Column | Group::Frame => return,
        Group::Track => {
            if let Some(tr) = &pkt.track {
                track_values(tr, field, out);
            }
            return;
        }
        Group::TcpSeq => {
            if let Some(a) = pkt.analysis.as_ref().filter(|_| *index.seq.get_or_init(|| pkt.tcp_analysis().is_some())) {
                analysis_values(a, field, out);
            }
            return;
        }
        Group::Eth => Home::Eth,
        Group::Ip => Home::Ip,
        Group::Tcp | Group::Opt => Home::Tcp,
        Group::Udp => Home::Udp,
        Group::Dns | Group::DnsTx | Group::DnsLink => Home::Dns,
        Group::Tunnel => Home::Tunnel,
    };
    // LLMNR (RFC 4795 §2.1.1) has no RD bit where DNS has it: tshark shows C and T instead.
    if field == F::DnsFlagsRecdesired && crate::dissect::dns_port(pkt) == Some(5355) {
        return;
    }
    // Each layer kind is asked only about its own protocol's fields: `-T fields` asks for every
    // field of every frame, and handing a DNS field to the TCP layer's decoding cost a call
    // and a jump table for nothing; the index goes straight to the layers of that kind.
    match index.masks {
        Some(masks) => {
            let mut mask = masks[home as usize];
            while mask != 0 {
                let i = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                if let Some(l) = pkt.layers.get(i) {
                    layer_values(l, field, out);
                }
            }
        }
        None => pkt.layers.iter().filter(|l| Home::of_layer(l) == Some(home)).for_each(|l| layer_values(l, field, out)),
    }
}

/// The values of `field` that `layer` holds.
fn layer_values<'p>(layer: &'p Layer<'_>, field: Field, out: &mut Vec<Value<'p>>) {
    use Field as F;
    let u = |v: u64| Value::U(v);
    match layer {
        Layer::Gre(g) => match field {
            F::GreFlagsAndVersion => out.push(u(u64::from(g.flags_version))),
            F::GreProto => out.push(u(u64::from(g.proto))),
            F::GreChecksum => out.extend(g.checksum.map(|c| u(u64::from(c)))),
            F::GreKey if g.version() == 0 => out.extend(g.key.map(|k| u(u64::from(k)))),
            F::GreKeyPayloadLength if g.version() == 1 => out.extend(g.key.map(|k| u(u64::from(k >> 16)))),
            F::GreKeyCallId if g.version() == 1 => out.extend(g.key.map(|k| u(u64::from(k & 0xffff)))),
            F::GreAckNumber => out.extend(g.ack.map(|a| u(u64::from(a)))),
            F::GreSequenceNumber => out.extend(g.seq.map(|s| u(u64::from(s)))),
            _ => {}
        },
        Layer::Ppp(p) => match field {
            F::PppAddress => out.extend(p.address_control.map(|(a, _)| u(u64::from(a)))),
            F::PppControl => out.extend(p.address_control.map(|(_, c)| u(u64::from(c)))),
            F::PppProtocol => out.push(u(u64::from(p.protocol))),
            _ => {}
        },
        Layer::Chdlc(c) => match field {
            F::ChdlcAddress => out.push(u(u64::from(c.address))),
            F::ChdlcProtocol => out.push(u(u64::from(c.protocol))),
            _ => {}
        },
        Layer::Erspan(e) => match field {
            F::ErspanVersion => out.push(u(u64::from(e.version))),
            F::ErspanVlan => out.push(u(u64::from(e.vlan))),
            F::ErspanSpanid => out.push(u(u64::from(e.spanid))),
            F::ErspanIndex => out.extend(e.index.map(|x| u(u64::from(x)))),
            F::ErspanTimestamp => out.extend(e.timestamp.map(|x| u(u64::from(x)))),
            F::ErspanO => out.extend(e.o.map(|x| u(u64::from(x)))),
            _ => {}
        },
        Layer::Vxlan(v) => match field {
            F::VxlanFlags => out.push(u(u64::from(v.flags))),
            F::VxlanVni => out.push(u(u64::from(v.vni))),
            _ => {}
        },
        Layer::Geneve(g) => match field {
            F::GeneveVersion => out.push(u(u64::from(g.version))),
            F::GeneveFlags => out.push(u(u64::from(g.flags))),
            F::GeneveProtoType => out.push(u(u64::from(g.proto))),
            F::GeneveVni => out.push(u(u64::from(g.vni))),
            _ => {}
        },
        Layer::Teredo(t) => match field {
            F::TeredoOrigPort => out.extend(t.origin.map(|(p, _)| u(u64::from(p)))),
            F::TeredoOrigAddr => out.extend(t.origin.map(|(_, a)| Value::Ipv4(a))),
            F::TeredoAuthIdlen => out.extend(t.auth.map(|(i, _)| u(u64::from(i)))),
            F::TeredoAuthAulen => out.extend(t.auth.map(|(_, a)| u(u64::from(a)))),
            _ => {}
        },
        Layer::Radiotap(r) => match field {
            F::RadiotapVersion => out.push(u(u64::from(r.version))),
            F::RadiotapPad => out.push(u(u64::from(r.pad))),
            F::RadiotapLength => out.push(u(u64::from(r.length))),
            F::RadiotapPresentWord => out.extend(r.present[..usize::from(r.words)].iter().map(|w| u(u64::from(*w)))),
            F::RadiotapFlags => out.extend(r.flags.map(|f| u(u64::from(f)))),
            F::RadiotapFlagsFcs => out.extend(r.flags.map(|f| Value::Bool(f & 0x10 != 0))),
            _ => {}
        },
        Layer::Wlan(w) => {
            let [da, sa, bssid] = w.da_sa_bssid();
            match field {
                F::WlanFcTypeSubtype => out.push(u(u64::from(w.frame_type()) << 4 | u64::from(w.subtype()))),
                F::WlanFcType => out.push(u(u64::from(w.frame_type()))),
                F::WlanFcSubtype => out.push(u(u64::from(w.subtype()))),
                F::WlanFlags => out.push(u(u64::from(w.flags))),
                F::WlanFcDs => out.push(u(u64::from(w.ds()))),
                F::WlanFcRetry => out.push(Value::Bool(w.flags & 0x08 != 0)),
                F::WlanFcProtected => out.push(Value::Bool(w.flags & 0x40 != 0)),
                F::WlanDuration => out.push(u(u64::from(w.duration & 0x7fff))),
                F::WlanRa => out.extend(w.ra().map(Value::Ether)),
                F::WlanTa => out.extend(w.ta().map(Value::Ether)),
                F::WlanDa => out.extend(da.map(Value::Ether)),
                F::WlanSa => out.extend(sa.map(Value::Ether)),
                F::WlanBssid => out.extend(bssid.map(Value::Ether)),
                F::WlanStaa => out.extend(w.staa().map(Value::Ether)),
                F::WlanSeq => out.extend(w.seq_ctl.map(|s| u(u64::from(s >> 4)))),
                F::WlanFrag => out.extend(w.seq_ctl.map(|s| u(u64::from(s & 0xf)))),
                F::WlanQosTid => out.extend(w.qos.map(|q| u(u64::from(q & 0xf)))),
                F::WlanFcs => out.extend(w.fcs.map(|f| u(u64::from(f)))),
                _ => {}
            }
        }
        Layer::Llc(l) => match field {
            F::LlcDsap => out.push(u(u64::from(l.dsap))),
            F::LlcSsap => out.push(u(u64::from(l.ssap))),
            F::LlcControl => out.push(u(u64::from(l.control))),
            F::LlcOui => out.extend(l.snap.map(|s| u(u64::from(s.0)))),
            // A protocol ID is an EtherType only under these organization codes (RFC 1042,
            // 802.1H); Wireshark names the others' (Cisco's, ...) with other fields.
            F::LlcType => out.extend(l.snap.filter(|s| matches!(s.0, 0 | 0xf8)).map(|s| u(u64::from(s.1)))),
            _ => {}
        },
        Layer::Nflog(n) => match field {
            F::NflogFamily => out.push(u(u64::from(n.family))),
            F::NflogVersion => out.push(u(u64::from(n.version))),
            F::NflogResId => out.push(u(u64::from(n.res_id))),
            F::NflogTlvLength => out.extend(n.tlvs[..usize::from(n.count)].iter().map(|t| u(u64::from(t.0)))),
            F::NflogTlvType => out.extend(n.tlvs[..usize::from(n.count)].iter().map(|t| u(u64::from(t.1)))),
            F::NflogProtocol => out.extend(n.packet_hdr.map(|h| u(u64::from(h.0)))),
            F::NflogHook => out.extend(n.packet_hdr.map(|h| u(u64::from(h.1)))),
            F::NflogIfindexIndev => out.extend(n.indev.map(|x| u(u64::from(x)))),
            F::NflogIfindexOutdev => out.extend(n.outdev.map(|x| u(u64::from(x)))),
            // FT_INT32: the 32 bits read as signed.
            F::NflogUid => out.extend(n.uid.map(|x| Value::I(i64::from(x as i32)))),
            F::NflogGid => out.extend(n.gid.map(|x| Value::I(i64::from(x as i32)))),
            _ => {}
        },
        Layer::Gtp(g) => match field {
            F::GtpFlags => out.push(u(u64::from(g.flags))),
            F::GtpFlagsVersion => out.push(u(u64::from(g.flags >> 5))),
            F::GtpFlagsPayload => out.push(u(u64::from((g.flags >> 4) & 1))),
            F::GtpFlagsReserved => out.push(u(u64::from((g.flags >> 3) & 1))),
            F::GtpFlagsE => out.push(Value::Bool(g.flags & 0x04 != 0)),
            F::GtpFlagsS => out.push(Value::Bool(g.flags & 0x02 != 0)),
            F::GtpFlagsPn => out.push(Value::Bool(g.flags & 0x01 != 0)),
            F::GtpMessage => out.push(u(u64::from(g.message))),
            F::GtpLength => out.push(u(u64::from(g.length))),
            F::GtpTeid => out.push(u(u64::from(g.teid))),
            F::GtpSeqNumber => out.extend(g.seq.map(|x| u(u64::from(x)))),
            F::GtpNpduNumber => out.extend(g.npdu.map(|x| u(u64::from(x)))),
            F::GtpExtHdrNext => out.extend(g.next_types().iter().map(|x| u(u64::from(*x)))),
            F::GtpExtHdrLength => out.extend(
                g.ext_len[..usize::from(g.exts).min(crate::tunnel::GTP_EXT_KEPT)].iter().map(|x| u(u64::from(*x))),
            ),
            _ => {}
        },
        Layer::Mpls(m) => match field {
            F::MplsLabel => out.push(u(u64::from(m.label))),
            F::MplsExp => out.push(u(u64::from(m.exp))),
            F::MplsBottom => out.push(u(u64::from(m.bottom))),
            F::MplsTtl => out.push(u(u64::from(m.ttl))),
            _ => {}
        },
        Layer::Pppoe(p) => match field {
            F::PppoeVersion => out.push(u(u64::from(p.ver_type >> 4))),
            F::PppoeType => out.push(u(u64::from(p.ver_type & 0xf))),
            F::PppoeCode => out.push(u(u64::from(p.code))),
            F::PppoeSessionId => out.push(u(u64::from(p.session_id))),
            F::PppoePayloadLength => out.push(u(u64::from(p.length))),
            F::PppProtocol => out.extend(p.ppp_protocol.map(|x| u(u64::from(x)))),
            _ => {}
        },
        Layer::Ethernet(e) => match field {
            F::EthSrc => out.push(Value::Ether(e.src)),
            F::EthDst => out.push(Value::Ether(e.dst)),
            F::EthAddr => out.extend([Value::Ether(e.dst), Value::Ether(e.src)]),
            // Below 0x0600 the field is 802.3's length (IEEE 802.3 §3.2.6): tshark shows eth.len.
            F::EthType if e.ethertype >= 0x0600 => out.push(Value::U(u64::from(e.ethertype))),
            _ => {}
        },
        Layer::Vlan(v) => {
            if field == F::VlanId {
                out.push(Value::U(u64::from(v.id)))
            }
        }
        Layer::Ipv4(h) if field == F::IpAddr => out.extend([Value::Ipv4(h.src), Value::Ipv4(h.dst)]),
        Layer::Ipv6(h) if field == F::Ipv6Addr => out.extend([Value::Ipv6(h.src), Value::Ipv6(h.dst)]),
        Layer::Ipv4(h) => out.push(match field {
            F::IpVersion => Value::U(4),
            F::IpHdrLen => Value::U(u64::from(h.hdr_len)),
            F::IpLen => Value::U(u64::from(h.total_len)),
            F::IpId => Value::U(u64::from(h.id)),
            F::IpTtl => Value::U(u64::from(h.ttl)),
            F::IpProto => Value::U(u64::from(h.proto)),
            F::IpSrc => Value::Ipv4(h.src),
            F::IpDst => Value::Ipv4(h.dst),
            _ => return,
        }),
        Layer::Ipv6(h) => out.push(match field {
            F::Ipv6Plen => Value::U(u64::from(h.payload_len)),
            F::Ipv6Nxt => Value::U(u64::from(h.next_header)),
            F::Ipv6Hlim => Value::U(u64::from(h.hop_limit)),
            F::Ipv6Src => Value::Ipv6(h.src),
            F::Ipv6Dst => Value::Ipv6(h.dst),
            _ => return,
        }),
        Layer::Tcp(t) => tcp_values(t, field, out),
        Layer::Udp(u) => match field {
            F::UdpSrcport => out.push(Value::U(u64::from(u.header.src_port))),
            F::UdpDstport => out.push(Value::U(u64::from(u.header.dst_port))),
            F::UdpPort => {
                out.push(Value::U(u64::from(u.header.src_port)));
                out.push(Value::U(u64::from(u.header.dst_port)));
            }
            F::UdpLength => out.push(Value::U(u64::from(u.header.length))),
            _ => {}
        },
        Layer::Dns(d) => dns_values(d, field, out),
        Layer::Sll(_) | Layer::Null(_) | Layer::Icmp(_) => {}
    }
}

/// Which kind of layer holds a field's values (from its [`Group`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Home {
    /// Ethernet and 802.1Q.
    Eth = 0,
    /// IPv4 and IPv6.
    Ip = 1,
    Tcp = 2,
    Udp = 3,
    Dns = 4,
    /// GRE, VXLAN, MPLS, PPPoE.
    Tunnel = 5,
}

impl Home {
    /// The kind of a layer (`None`: a layer without fields).
    fn of_layer(l: &Layer<'_>) -> Option<Home> {
        Some(match l {
            Layer::Ethernet(_) | Layer::Vlan(_) => Home::Eth,
            Layer::Ipv4(_) | Layer::Ipv6(_) => Home::Ip,
            Layer::Tcp(_) => Home::Tcp,
            Layer::Udp(_) => Home::Udp,
            Layer::Dns(_) => Home::Dns,
            Layer::Gre(_)
            | Layer::Erspan(_)
            | Layer::Vxlan(_)
            | Layer::Geneve(_)
            | Layer::Teredo(_)
            | Layer::Mpls(_)
            | Layer::Gtp(_)
            | Layer::Pppoe(_)
            | Layer::Ppp(_)
            | Layer::Nflog(_)
            | Layer::Radiotap(_)
            | Layer::Wlan(_)
            | Layer::Llc(_)
            | Layer::Chdlc(_) => Home::Tunnel,
            Layer::Sll(_) | Layer::Null(_) | Layer::Icmp(_) => return None,
        })
    }
}

fn tcp_values<'p>(t: &'p TcpLayer<'_>, field: Field, out: &mut Vec<Value<'p>>) {
    use Field as F;
    let u = |v: u32| Value::U(u64::from(v));
    match field {
        F::TcpSrcport => return out.push(u(u32::from(t.src_port))),
        F::TcpDstport => return out.push(u(u32::from(t.dst_port))),
        F::TcpPort => {
            out.push(u(u32::from(t.src_port)));
            return out.push(u(u32::from(t.dst_port)));
        }
        _ => {}
    }
    let (Some(h), Some(v)) = (&t.header, &t.view) else {
        if let (F::TcpSeq, Some(seq)) = (field, t.quoted_seq) {
            out.push(u(seq));
        }
        return;
    };
    let hl_ok = h.hdr_len >= 20;
    if !t.in_icmp && hl_ok && option_values(&t.options, t.options_len, field, out) {
        return;
    }
    let ace = v.ace.then(|| h.flags.ace());
    match field {
        F::TcpStream => out.push(u(v.stream)),
        F::TcpLen => {
            if let Some(l) = t.seglen {
                out.push(u(l))
            }
        }
        F::TcpSeq => out.push(u(v.seq)),
        // In an ICMP quote tshark shows the raw sequence number as tcp.seq, and no seq_raw.
        F::TcpSeqRaw if !t.in_icmp => out.push(u(h.seq)),
        F::TcpHdrLen => out.push(u(u32::from(h.hdr_len))),
        _ if !hl_ok => {}
        F::TcpNxtseq => {
            if let Some(n) = v.nxtseq {
                out.push(u(n))
            }
        }
        F::TcpAck => out.push(u(v.ack)),
        F::TcpAckRaw => out.push(u(h.ack)),
        F::TcpFlags => out.push(u(u32::from(h.flags.0))),
        F::TcpFlagsRes => out.push(Value::Bool(h.flags.0 & 0xe00 != 0)),
        F::TcpFlagsAe if ace.is_none() => out.push(Value::Bool(h.flags.has(0x100))),
        F::TcpFlagsCwr if ace.is_none() => out.push(Value::Bool(h.flags.has(0x080))),
        F::TcpFlagsEce if ace.is_none() => out.push(Value::Bool(h.flags.has(0x040))),
        F::TcpFlagsUrg => out.push(Value::Bool(h.flags.has(0x020))),
        F::TcpFlagsAck => out.push(Value::Bool(h.flags.ack())),
        F::TcpFlagsPush => out.push(Value::Bool(h.flags.has(0x008))),
        F::TcpFlagsReset => out.push(Value::Bool(h.flags.rst())),
        F::TcpFlagsSyn => out.push(Value::Bool(h.flags.syn())),
        F::TcpFlagsFin => out.push(Value::Bool(h.flags.fin())),
        F::TcpFlagsStr => out.push(match ace {
            None => Value::Str(h.flags.letters()),
            Some(_) => Value::String(h.flags.to_letters(ace)),
        }),
        F::TcpWindowSizeValue => out.push(u(u32::from(h.window))),
        F::TcpWindowSize => out.push(u(v.window)),
        F::TcpWindowSizeScalefactor => {
            if let Some(s) = v.scalefactor {
                out.push(Value::I(i64::from(s)))
            }
        }
        F::TcpUrgentPointer => out.push(u(u32::from(h.urgent))),
        F::TcpTimeRelative => out.push(Value::Time(i128::from(v.time_relative_ns))),
        F::TcpTimeDelta => out.push(Value::Time(i128::from(v.time_delta_ns))),
        F::TcpOptionKind => out.extend(t.options.entries().map(|e| u(u32::from(e.kind)))),
        F::TcpOptionLen => out.extend(t.options.entries().filter_map(|e| e.len.map(|l| u(u32::from(l))))),
        _ => {
            let Some(k) = option_kind(field) else { return };
            for e in t.options.of_kind(k) {
                match (&e.value, field) {
                    (TcpOption::Mss(m), F::TcpOptionsMssVal) => out.push(u(u32::from(*m))),
                    (TcpOption::WindowScale(s), F::TcpOptionsWscaleShift) => out.push(u(u32::from(*s))),
                    (TcpOption::WindowScale(s), F::TcpOptionsWscaleMultiplier) => {
                        out.push(u(1u32 << TcpOption::ws_shift(*s)))
                    }
                    (TcpOption::SackPermitted, F::TcpOptionsSackPerm) => out.push(Value::Bytes(e.raw)),
                    (TcpOption::Sack(d), F::TcpOptionsSackLe | F::TcpOptionsSackRe) => {
                        // RFC 2018 §3: edges are sequence numbers of the peer's data.
                        for (le, re) in TcpOption::sack_blocks(d) {
                            let edge = if field == F::TcpOptionsSackLe { le } else { re };
                            out.push(u(edge.wrapping_sub(v.peer_base)));
                        }
                    }
                    (TcpOption::Timestamps { tsval, .. }, F::TcpOptionsTsval) => out.push(u(*tsval)),
                    (TcpOption::Timestamps { tsecr, .. }, F::TcpOptionsTsecr) => out.push(u(*tsecr)),
                    _ => {}
                }
            }
        }
    }
}

/// The option kind a `tcp.options.*` value field is read from.
fn option_kind(field: Field) -> Option<u8> {
    use crate::tcp::option::kind;
    use Field as F;
    Some(match field {
        F::TcpOptionsMssVal => kind::MSS,
        F::TcpOptionsWscaleShift | F::TcpOptionsWscaleMultiplier => kind::WS,
        F::TcpOptionsSackPerm => kind::SACK_PERM,
        F::TcpOptionsSackLe | F::TcpOptionsSackRe => kind::SACK,
        F::TcpOptionsTsval | F::TcpOptionsTsecr => kind::TIMESTAMP,
        _ => return None,
    })
}

/// synack's own option decode (`synack.opt.*`): the first well-formed option of each kind.
/// Returns whether `field` is one of them.
pub(crate) fn option_values(
    opts: &TcpOptions<'_>,
    declared_len: usize,
    field: Field,
    out: &mut Vec<Value<'_>>,
) -> bool {
    let ours = field.info().group == Group::Opt;
    if ours {
        each_option_value(opts, declared_len, |f| f == field, |_, v| out.push(v));
    }
    ours
}

/// Every `synack.opt.*` value of `opts` whose field `want` asks for, handed to `each` in
/// table order: the one definition of those fields, for one field (the CLI) or all (the
/// plugin, in one pass).
pub fn each_option_value(
    opts: &TcpOptions<'_>,
    declared_len: usize,
    want: impl Fn(Field) -> bool,
    mut each: impl FnMut(Field, Value<'static>),
) {
    use Field as F;
    let u = |v: u32| Value::U(u64::from(v));
    let mut put = |f: Field, v: Option<Value<'static>>| {
        if let Some(v) = v {
            each(f, v)
        }
    };
    if want(F::SynackOptMss) {
        put(F::SynackOptMss, opts.mss().map(|m| u(u32::from(m))));
    }
    if want(F::SynackOptWs) {
        put(F::SynackOptWs, opts.window_scale().map(|w| u(u32::from(w))));
    }
    if want(F::SynackOptSackPerm) {
        put(F::SynackOptSackPerm, opts.sack_permitted().then_some(Value::Bool(true)));
    }
    let ts = opts.timestamps();
    if want(F::SynackOptTsval) {
        put(F::SynackOptTsval, ts.map(|(v, _)| u(v)));
    }
    if want(F::SynackOptTsecr) {
        put(F::SynackOptTsecr, ts.map(|(_, e)| u(e)));
    }
    if want(F::SynackOptLayout) && !opts.is_empty() {
        put(F::SynackOptLayout, Some(Value::String(crate::tcp::layout(opts, declared_len))));
    }
}

/// The tracker's fields from a [`TcpTrack`] alone; returns whether `field` is one of them.
pub(crate) fn track_values<'p>(tr: &'p TcpTrack, field: Field, out: &mut Vec<Value<'p>>) -> bool {
    let ours = field.info().group == Group::Track;
    if ours {
        each_track_value(tr, |f| f == field, |_, v| out.push(v));
    }
    ours
}

/// Every tracker value of `tr` whose field `want` asks for, handed to `each` in table order:
/// the one definition of those fields, for one field (the CLI) or all (the plugin, in one pass).
pub fn each_track_value<'p>(tr: &'p TcpTrack, want: impl Fn(Field) -> bool, mut each: impl FnMut(Field, Value<'p>)) {
    use Field as F;
    let u = |v: u32| Value::U(u64::from(v));
    let neg = tr.negotiated.as_ref();
    let mut put = |f: Field, v: Option<Value<'p>>| {
        if let Some(v) = v {
            each(f, v)
        }
    };
    // Each value is made only when its field is wanted: the summary and transition allocate.
    macro_rules! field {
        ($f:expr, $v:expr) => {
            if want($f) {
                put($f, $v);
            }
        };
    }
    field!(F::SynackSummary, Some(Value::String(tr.summary())));
    field!(F::SynackStream, Some(u(tr.stream)));
    field!(F::SynackFromClient, Some(Value::Bool(tr.from_client)));
    field!(F::SynackInferred, tr.inferred.then_some(Value::Bool(true)));
    field!(F::SynackStage, tr.stage.map(|s| u(s as u32)));
    field!(F::SynackStateClient, Some(Value::Str(tr.client.name())));
    field!(F::SynackStateServer, Some(Value::Str(tr.server.name())));
    field!(F::SynackTransition, tr.transition_text().map(Value::String));
    field!(F::SynackHsAckOk, tr.ack_ok.map(Value::Bool));
    field!(F::SynackIrtt, tr.irtt_ns.map(Value::Time));
    field!(F::SynackMssClient, neg.and_then(|n| n.mss_client).map(|m| u(u32::from(m))));
    field!(F::SynackMssServer, neg.and_then(|n| n.mss_server).map(|m| u(u32::from(m))));
    field!(F::SynackWsClient, neg.and_then(|n| n.ws).map(|w| u(u32::from(w.0))));
    field!(F::SynackWsServer, neg.and_then(|n| n.ws).map(|w| u(u32::from(w.1))));
    field!(F::SynackSack, neg.map(|n| Value::Bool(n.sack)));
    field!(F::SynackTs, neg.map(|n| Value::Bool(n.ts)));
    field!(F::SynackDnsName, tr.dns.as_ref().map(|l| Value::Str(&l.name)));
    field!(F::SynackDnsFrame, tr.dns.as_ref().map(|l| u(l.frame)));
    if want(F::SynackAnomaly) {
        for n in tr.anomalies.names() {
            put(F::SynackAnomaly, Some(Value::Str(n)));
        }
    }
    field!(F::SynackVerdict, tr.verdict.as_ref().map(|v| Value::String(v.sentence())));
    if want(F::SynackVerdictCode) {
        for c in tr.verdict.iter().flat_map(|v| v.codes()) {
            put(F::SynackVerdictCode, Some(Value::Str(c)));
        }
    }
}

fn dns_values<'p>(layer: &'p DnsLayer, field: Field, out: &mut Vec<Value<'p>>) {
    use Field as F;
    let d = &layer.message;
    let h = &d.header;
    let u = |v: u16| Value::U(u64::from(v));
    let tx = layer.transaction.as_ref();
    match field {
        F::DnsResponseIn => out.extend(tx.and_then(|t| t.response_in).map(|f| Value::U(u64::from(f)))),
        F::DnsResponseTo => out.extend(tx.and_then(|t| t.response_to).map(|f| Value::U(u64::from(f)))),
        F::DnsTime => out.extend(tx.and_then(|t| t.time_ns).map(Value::Time)),
        F::SynackDnsSummary => {
            if tx.is_some() {
                out.push(Value::String(layer.summary()))
            }
        }
        F::SynackDnsUsedBy => {
            out.extend(tx.into_iter().flat_map(|t| t.used_by.iter().map(|s| Value::U(u64::from(*s)))))
        }
        F::DnsLength => {
            if let Some(l) = layer.tcp_length {
                out.push(u(l))
            }
        }
        F::DnsId => out.push(u(h.id)),
        F::DnsFlags => out.push(u(h.flags)),
        F::DnsFlagsResponse => out.push(Value::Bool(h.is_response())),
        F::DnsFlagsOpcode => out.push(u(h.opcode())),
        F::DnsFlagsTruncated => out.push(Value::Bool(h.truncated())),
        F::DnsFlagsRecdesired => out.push(Value::Bool(h.flags & 0x0100 != 0)),
        F::DnsFlagsRcode if h.is_response() => out.push(u(h.rcode())),
        // RFC 2136 §2.2: UPDATE renames the counts (zones, prerequisites, updates).
        F::DnsCountQueries if h.opcode() != 5 => out.push(u(h.qdcount)),
        F::DnsCountAnswers if h.opcode() != 5 => out.push(u(h.ancount)),
        F::DnsCountAuthRr if h.opcode() != 5 => out.push(u(h.nscount)),
        F::DnsCountAddRr => out.push(u(h.arcount)),
        F::DnsQryName => out.extend(d.questions.iter().map(|q| Value::Str(q.name.text.as_str()))),
        F::DnsQryType => out.extend(d.questions.iter().map(|q| u(q.qtype))),
        F::DnsQryClass => {
            let mask = if d.multicast { 0x7fff } else { 0xffff };
            out.extend(d.questions.iter().map(|q| u(q.qclass & mask)))
        }
        _ => {
            for r in &d.records {
                let opt = r.rtype == rtype::OPT;
                match field {
                    F::DnsRespName if !(r.rtype == rtype::SRV && r.name.text != crate::dns::name::ROOT) => {
                        out.push(Value::Str(r.name.text.as_str()))
                    }
                    F::DnsRespType => {
                        out.push(u(r.rtype));
                        // Wireshark lists each type of an NSEC/NSEC3 bit map under the same name.
                        if let Ok(RecordData::Nsec { bitmap, .. } | RecordData::Nsec3 { bitmap, .. }) = &r.data {
                            out.extend(crate::dns::rdata::bitmap_types(bitmap).into_iter().map(u));
                        }
                    }
                    F::DnsRespClass if !opt => out.push(u(if d.multicast { r.class & 0x7fff } else { r.class })),
                    F::DnsRespTtl if !opt => out.push(Value::U(u64::from(r.ttl))),
                    F::DnsRespLen => out.push(u(r.rdlen)),
                    F::DnsRrUdpPayloadSize if opt => {
                        out.push(if d.multicast { Value::Hex16(r.class & 0x7fff) } else { u(r.class) })
                    }
                    _ => {
                        let Ok(data) = &r.data else { continue };
                        match (data, field) {
                            (RecordData::A(a), F::DnsA) => out.push(Value::Ipv4(*a)),
                            (RecordData::Aaaa(a), F::DnsAaaa) => out.push(Value::Ipv6(*a)),
                            (RecordData::Cname(n), F::DnsCname)
                            | (RecordData::Ns(n), F::DnsNs)
                            | (RecordData::Ptr(n), F::DnsPtrDomainName)
                            | (RecordData::Mx { exchange: n, .. }, F::DnsMxMailExchange)
                            | (RecordData::Soa { mname: n, .. }, F::DnsSoaMname)
                            | (RecordData::Soa { rname: n, .. }, F::DnsSoaRname)
                            | (RecordData::Srv { target: n, .. }, F::DnsSrvTarget) => {
                                out.push(Value::Str(n.text.as_str()))
                            }
                            (RecordData::Mx { preference, .. }, F::DnsMxPreference) => out.push(u(*preference)),
                            (RecordData::Srv { port, .. }, F::DnsSrvPort) => out.push(u(*port)),
                            (RecordData::Txt(strings), F::DnsTxt) => {
                                out.extend(strings.iter().map(|s| Value::String(ascii_text(s))))
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}

/// Wireshark reads TXT strings as ASCII: bytes above 0x7f become U+FFFD.
fn ascii_text(b: &[u8]) -> String {
    b.iter().map(|&c| if c < 0x80 { char::from(c) } else { '\u{fffd}' }).collect()
}

/// tshark's SEQ/ACK analysis subtree: which items it shows, and how often (a duplicate ACK has
/// both a label and an expert item of the same name; a fast or spurious retransmission is also
/// a retransmission).
fn analysis_values(a: &Analysis, field: Field, out: &mut Vec<Value<'_>>) {
    use flag::*;
    use Field as F;
    let u = |v: u32| Value::U(u64::from(v));
    let present = |bits: u16| a.flags & bits != 0;
    let yes = Value::Bool(true);
    match field {
        F::TcpAnalysisAcksFrame if a.acks_frame != 0 => out.push(u(a.acks_frame)),
        F::TcpAnalysisAckRtt if a.acks_frame != 0 && a.ack_rtt_ns != 0 => {
            out.push(Value::Time(i128::from(a.ack_rtt_ns)))
        }
        F::TcpAnalysisBytesInFlight if a.bytes_in_flight != 0 => out.push(u(a.bytes_in_flight)),
        F::TcpAnalysisPushBytesSent if a.bytes_in_flight != 0 => out.push(u(a.push_bytes_sent)),
        _ if a.flags == 0 => {}
        F::TcpAnalysisFlags => out.push(yes),
        F::TcpAnalysisReusedPorts if present(REUSED_PORTS) => out.push(yes),
        F::TcpAnalysisRetransmission if present(RETRANSMISSION | FAST_RETRANSMISSION | SPURIOUS_RETRANSMISSION) => {
            out.push(yes)
        }
        F::TcpAnalysisRto if present(RETRANSMISSION) && a.rto_ns != 0 => out.push(Value::Time(i128::from(a.rto_ns))),
        F::TcpAnalysisRtoFrame if present(RETRANSMISSION) && a.rto_ns != 0 => out.push(u(a.rto_frame)),
        F::TcpAnalysisFastRetransmission if present(FAST_RETRANSMISSION) => out.push(yes),
        F::TcpAnalysisSpuriousRetransmission if present(SPURIOUS_RETRANSMISSION) => out.push(yes),
        F::TcpAnalysisOutOfOrder if present(OUT_OF_ORDER) => out.push(yes),
        F::TcpAnalysisLostSegment if present(LOST_SEGMENT) => out.push(yes),
        F::TcpAnalysisAckLostSegment if present(ACK_LOST_SEGMENT) => out.push(yes),
        F::TcpAnalysisWindowUpdate if present(WINDOW_UPDATE) => out.push(yes),
        F::TcpAnalysisWindowFull if present(WINDOW_FULL) => out.push(yes),
        F::TcpAnalysisKeepAlive if present(KEEP_ALIVE) => out.push(yes),
        F::TcpAnalysisKeepAliveAck if present(KEEP_ALIVE_ACK) => out.push(yes),
        F::TcpAnalysisDuplicateAck if a.dupack_num != 0 => {
            if present(DUPLICATE_ACK) {
                out.push(yes.clone());
            }
            out.push(yes)
        }
        F::TcpAnalysisDuplicateAckNum if a.dupack_num != 0 => out.push(u(a.dupack_num)),
        F::TcpAnalysisDuplicateAckFrame if a.dupack_num != 0 => out.push(u(a.dupack_frame)),
        F::TcpAnalysisZeroWindow if present(ZERO_WINDOW) => out.push(yes),
        F::TcpAnalysisZeroWindowProbe if present(ZERO_WINDOW_PROBE) => out.push(yes),
        F::TcpAnalysisZeroWindowProbeAck if present(ZERO_WINDOW_PROBE_ACK) => out.push(yes),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::{FieldType, FIELDS};

    /// one by one: the values are the same either way.
    #[test]
    fn values_of_long_and_short_vlan_stacks() {
        for tags in [3u16, 70] {
            let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
            for t in 0..tags {
                f.extend_from_slice(&[0x81, 0x00]);
                f.extend_from_slice(&(t + 1).to_be_bytes());
            }
            f.extend_from_slice(&[0x08, 0x00]);
            f.extend_from_slice(&[0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
            f.extend_from_slice(&[0x30, 0x39, 0x30, 0x3a, 0, 8, 0, 0]);
            let meta = crate::FrameMeta {
                number: 1,
                ts_ns: 0,
                caplen: f.len() as u32,
                len: f.len() as u32,
                linktype: crate::link::LINKTYPE_ETHERNET,
            };
            let mut d = crate::Dissector::new();
            let mut scratch = Vec::new();
            let pkt = d.dissect(meta, &f, &mut scratch);
            assert_eq!(pkt.layers.len(), usize::from(tags) + 3);
            let get = |field: Field| {
                let mut v = Vec::new();
                values(&pkt, field, &mut v);
                v
            };
            assert_eq!(get(Field::VlanId), (1..=tags).map(|t| Value::U(u64::from(t))).collect::<Vec<_>>());
            assert_eq!(get(Field::IpSrc), vec![Value::Ipv4([10, 0, 0, 1])]);
            assert_eq!(get(Field::UdpDstport), vec![Value::U(12346)]);
            assert_eq!(get(Field::EthSrc).len(), 1);
        }
    }

    #[test]
    fn each_field_is_in_its_own_protocols_group() {
        for info in FIELDS {
            let want: &[Group] = match info.abbrev.split('.').next() {
                Some("_ws") => &[Group::Column],
                Some("frame") => &[Group::Frame],
                Some("eth" | "vlan") => &[Group::Eth],
                Some("ip" | "ipv6") => &[Group::Ip],
                Some("tcp") => &[Group::Tcp, Group::TcpSeq],
                Some("udp") => &[Group::Udp],
                Some("dns") => &[Group::Dns, Group::DnsTx],
                Some(
                    "gre" | "erspan" | "vxlan" | "geneve" | "teredo" | "gtp" | "mpls" | "pppoe" | "ppp" | "chdlc"
                    | "nflog" | "radiotap" | "wlan" | "llc",
                ) => &[Group::Tunnel],
                _ if info.abbrev.starts_with("synack.opt.") => &[Group::Opt],
                _ if info.abbrev.starts_with("synack.dns.")
                    && info.ftype != FieldType::FrameNum
                    && info.abbrev != "synack.dns.name" =>
                {
                    &[Group::DnsLink]
                }
                _ => &[Group::Track],
            };
            assert!(want.contains(&info.group), "{} is in {:?}", info.abbrev, info.group);
        }
    }

    /// A segment with every tracker field set (stage 1 facts and stage 3 facts together, which
    /// no real segment has, so that each field has a value).
    fn full_track() -> TcpTrack {
        use crate::conn::{Anomalies, Change, DnsLink, Negotiated, Stage, State};
        TcpTrack {
            stream: 7,
            from_client: true,
            inferred: true,
            itself: false,
            stage: Some(Stage::Ack),
            client: State::Established,
            server: State::SynReceived,
            changes: [Some(Change { client: true, from: State::SynSent, via: None, to: State::Established }), None],
            note: None,
            arrived: None,
            ack_ok: Some(true),
            irtt_ns: Some(1_500),
            negotiated: Some(Negotiated {
                mss_client: Some(1460),
                mss_server: Some(1400),
                ws: Some((7, 8)),
                sack: true,
                ts: true,
            }),
            dns: Some(DnsLink { name: "www.example.test".into(), frame: 3, msg: 0 }),
            anomalies: Anomalies(Anomalies::ACK_MISMATCH | Anomalies::NOT_ACCEPTABLE),
            verdict: Some(std::sync::Arc::new(crate::conn::Verdict {
                outcome: crate::conn::Outcome::Closed { by_client: true, both: true, payload: [10, 20] },
                findings: vec![crate::conn::Finding::NoSack { client: false }],
                itself: false,
            })),
        }
    }

    #[test]
    fn one_field_and_all_fields_give_the_same_values() {
        let t = full_track();
        // MSS, WS, SACK_PERM, TS, NOP, EOL.
        let raw = [2, 4, 5, 0xb4, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 0];
        let opts = crate::tcp::parse_options(&raw, raw.len());
        let (mut all, asked) = (Vec::new(), core::cell::RefCell::new(Vec::new()));
        let ask = |f| {
            asked.borrow_mut().push(f);
            true
        };
        each_track_value(&t, ask, |f, v| all.push((f, v)));
        let track_asked = asked.borrow().len();
        each_option_value(&opts, raw.len(), ask, |f, v| all.push((f, v)));
        let asked = asked.into_inner();
        assert_eq!(asked.len(), track_asked + 6);
        for info in FIELDS {
            let f = info.field;
            let (mut one, mut from_opts) = (Vec::new(), Vec::new());
            let is_track = track_values(&t, f, &mut one);
            let is_opt = option_values(&opts, raw.len(), f, &mut from_opts);
            assert_eq!(is_track, asked[..track_asked].contains(&f), "{}", info.abbrev);
            assert_eq!(is_opt, asked[track_asked..].contains(&f), "{}", info.abbrev);
            one.extend(from_opts);
            let expect: Vec<_> = all.iter().filter(|(g, _)| *g == f).map(|(_, v)| v.clone()).collect();
            assert_eq!(one, expect, "{}", info.abbrev);
            if is_track || is_opt {
                assert!(!one.is_empty(), "{} has no value on the full segment", info.abbrev);
            }
        }
        // Table order, as the plugin adds them.
        let order: Vec<usize> = all.iter().map(|(f, _)| *f as usize).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
        assert!(all.contains(&(Field::SynackTransition, Value::String("client SYN_SENT → ESTABLISHED".into()))));
    }
}
