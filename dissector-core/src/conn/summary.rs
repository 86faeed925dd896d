//! The summary of one connection, for `synack conv`: endpoints, counts each way, handshake
//! frames, options, who closed and how, final states, and Zeek's `conn_state` and `history`.

use super::key::Endpoint;
use super::lookup::DnsLink;
use super::state::State;
use super::track::SynOptions;
use super::verdict::Verdict;

/// How a connection was first closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseKind {
    /// A FIN.
    Fin,
    /// A RST.
    Rst,
}

/// Who closed first, how, and in which frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closer {
    /// The client sent it.
    pub client: bool,
    /// FIN or RST.
    pub kind: CloseKind,
    /// Frame.
    pub frame: u32,
}

/// The tunnel a connection came through: the outermost IP header's addresses on the client's
/// and the server's side and the encapsulation after it, as the first segment showed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outer {
    /// The outer address on the client's side.
    pub client: std::net::IpAddr,
    /// The outer address on the server's side.
    pub server: std::net::IpAddr,
    /// The encapsulation: `GRE`, `VXLAN`, `Geneve`, `Teredo`, `GTP-U` or `IP in IP`.
    pub via: &'static str,
}

impl Outer {
    /// The tunnel around a segment whose layers are `layers` (outermost first), sent by the
    /// client when `from_client`: `None` for a segment carried in a single IP header.
    pub fn of(layers: &[crate::packet::Layer<'_>], from_client: bool) -> Option<Outer> {
        use crate::packet::Layer;
        let addrs = |l: &Layer<'_>| match l {
            Layer::Ipv4(h) => Some((std::net::IpAddr::from(h.src), std::net::IpAddr::from(h.dst))),
            Layer::Ipv6(h) => Some((std::net::IpAddr::from(h.src), std::net::IpAddr::from(h.dst))),
            _ => None,
        };
        let first = layers.iter().position(|l| addrs(l).is_some())?;
        let (src, dst) = addrs(&layers[first])?;
        let rest = &layers[first + 1..];
        // A segment quoted in an ICMP error is not carried by a tunnel.
        if !rest.iter().any(|l| addrs(l).is_some()) || rest.iter().any(|l| matches!(l, Layer::Icmp(_))) {
            return None;
        }
        let via = rest
            .iter()
            .find_map(|l| match l {
                Layer::Gre(_) | Layer::Erspan(_) => Some("GRE"),
                Layer::Vxlan(_) => Some("VXLAN"),
                Layer::Geneve(_) => Some("Geneve"),
                Layer::Teredo(_) => Some("Teredo"),
                Layer::Gtp(_) => Some("GTP-U"),
                Layer::Ipv4(_) | Layer::Ipv6(_) => Some("IP in IP"),
                _ => None,
            })
            .unwrap_or("IP in IP");
        let (client, server) = if from_client { (src, dst) } else { (dst, src) };
        Some(Outer { client, server, via })
    }
}

/// A finished (or still open at the end) connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnSummary {
    /// Stream index.
    pub stream: u32,
    /// Client endpoint.
    pub client: Endpoint,
    /// Server endpoint.
    pub server: Endpoint,
    /// The client was guessed from the ports.
    pub inferred: bool,
    /// First and last frame.
    pub frames: (u32, u32),
    /// First and last capture time, ns since the epoch.
    pub times_ns: (i128, i128),
    /// Packets sent by (client, server).
    pub packets: [u64; 2],
    /// Frame bytes sent by (client, server).
    pub bytes: [u64; 2],
    /// Payload bytes sent by (client, server), retransmissions included.
    pub payload: [u64; 2],
    /// Frames of the client's first SYN, the server's first SYN+ACK, the stage-3 ACK.
    pub handshake: [Option<u32>; 3],
    /// SYN to handshake ACK, when the handshake completed.
    pub irtt_ns: Option<i128>,
    /// A refused connection: the client's SYN to the server's RST.
    pub refused_after_ns: Option<i128>,
    /// Options each side offered in its SYN (client, server).
    pub options: [Option<SynOptions>; 2],
    /// Who closed first and how; `None`: still open.
    pub closer: Option<Closer>,
    /// Final (client, server) states.
    pub states: (State, State),
    /// Zeek's conn_state code.
    pub zeek_state: &'static str,
    /// Zeek's history string.
    pub history: String,
    /// The DNS lookup that named the server.
    pub dns: Option<DnsLink>,
    /// What happened to it.
    pub verdict: Verdict,
    /// The tunnel it came through, if any.
    pub outer: Option<Outer>,
    /// 0 for a connection's first summary; N when its tracking expired N times (idle past the
    /// idle timeout) and it was seen again: the same stream, counted afresh from there.
    pub part: u32,
}
