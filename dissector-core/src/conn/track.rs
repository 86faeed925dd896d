//! What the tracker says about one TCP segment: its handshake step, both endpoints' states
//! after it and what changed, the negotiated options, the DNS lookup behind it, and the
//! anomalies it shows (RFC 9293 §3.5 for the handshake, RFC 7323/2018/6691 for the options).

use super::lookup::DnsLink;
use super::state::State;
use crate::tcp::TcpOptions;

/// A step of the three-way handshake (RFC 9293 §3.5, figure 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// 1: the client's SYN.
    Syn = 1,
    /// 2: the server's SYN+ACK.
    SynAck = 2,
    /// 3: the client's ACK of the server's SYN.
    Ack = 3,
}

impl Stage {
    /// The value names of `synack.stage`.
    pub const NAMES: [(u32, &'static str); 3] = [(1, "SYN"), (2, "SYN+ACK"), (3, "ACK")];

    /// The stage's name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Syn => "SYN",
            Stage::SynAck => "SYN+ACK",
            Stage::Ack => "ACK",
        }
    }
}

/// Anomalies the tracker flags, for expert infos and warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Anomalies(pub u8);

impl Anomalies {
    /// A handshake ACK number is not the peer's ISN + 1.
    pub const ACK_MISMATCH: u8 = 1;
    /// A RST before the handshake completed (refused or aborted open).
    pub const RST_IN_HANDSHAKE: u8 = 2;
    /// A SYN sent again with the same ISN.
    pub const SYN_RETRANSMISSION: u8 = 4;
    /// A SYN+ACK sent again.
    pub const SYNACK_RETRANSMISSION: u8 = 8;
    /// Payload on a SYN or SYN+ACK (TCP Fast Open, RFC 7413).
    pub const DATA_ON_SYN: u8 = 16;
    /// The segment is not acceptable in the state of its sender or receiver.
    pub const NOT_ACCEPTABLE: u8 = 32;

    const NAMES: [(u8, &'static str); 6] = [
        (Self::ACK_MISMATCH, "ack_mismatch"),
        (Self::RST_IN_HANDSHAKE, "rst_in_handshake"),
        (Self::SYN_RETRANSMISSION, "syn_retransmission"),
        (Self::SYNACK_RETRANSMISSION, "synack_retransmission"),
        (Self::DATA_ON_SYN, "data_on_syn"),
        (Self::NOT_ACCEPTABLE, "not_acceptable"),
    ];

    /// Whether `bit` is set.
    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// Names of the set flags, in a fixed order.
    pub fn names(self) -> impl Iterator<Item = &'static str> + 'static {
        Self::NAMES.into_iter().filter(move |(b, _)| self.has(*b)).map(|(_, n)| n)
    }
}

/// Options one side offered in its SYN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SynOptions {
    /// MSS (RFC 6691).
    pub mss: Option<u16>,
    /// Window-scale shift as sent (RFC 7323 §2).
    pub ws: Option<u8>,
    /// SACK permitted (RFC 2018).
    pub sack: bool,
    /// Timestamps (RFC 7323 §3).
    pub ts: bool,
}

impl SynOptions {
    pub(crate) fn of(opts: &TcpOptions<'_>) -> SynOptions {
        SynOptions {
            mss: opts.mss(),
            ws: opts.window_scale(),
            sack: opts.sack_permitted(),
            ts: opts.timestamps().is_some(),
        }
    }
}

/// What the handshake negotiated, shown on the stage-3 segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// MSS the client announced.
    pub mss_client: Option<u16>,
    /// MSS the server announced.
    pub mss_server: Option<u16>,
    /// Shift counts (client, server), only when both sent WS (RFC 7323 §2.2); capped at 14.
    pub ws: Option<(u8, u8)>,
    /// Both offered SACK_PERM.
    pub sack: bool,
    /// Both offered timestamps.
    pub ts: bool,
}

/// One endpoint's state change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The client changed (else the server).
    pub client: bool,
    /// Before.
    pub from: State,
    /// After.
    pub to: State,
}

/// The tracker's annotation of one TCP segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpTrack {
    /// Connection index (tshark's `tcp.stream`).
    pub stream: u32,
    /// Sent by the client.
    pub from_client: bool,
    /// The client was guessed from the ports (connection picked up mid-stream).
    pub inferred: bool,
    /// Handshake step, if this segment is one.
    pub stage: Option<Stage>,
    /// Client state after the segment.
    pub client: State,
    /// Server state after the segment.
    pub server: State,
    /// What changed: client first, then server.
    pub changes: [Option<Change>; 2],
    /// On stages 2 and 3: the ACK number is the peer's ISN + 1.
    pub ack_ok: Option<bool>,
    /// SYN to handshake ACK, once known.
    pub irtt_ns: Option<i128>,
    /// On stage 3: the negotiated options.
    pub negotiated: Option<Negotiated>,
    /// On stage 1: the DNS response that answered the server's address.
    pub dns: Option<DnsLink>,
    /// Flags for expert infos.
    pub anomalies: Anomalies,
}

impl TcpTrack {
    /// One line for people: `Handshake 2/3 SYN+ACK · client SYN_SENT · server LISTEN →
    /// SYN_RECEIVED`.
    pub fn summary(&self) -> String {
        let mut s = String::with_capacity(96);
        self.write_summary(&mut s);
        s
    }

    /// [`TcpTrack::summary`] appended to `s` (no allocation when `s` has room).
    pub fn write_summary(&self, s: &mut String) {
        if let Some(st) = self.stage {
            s.push_str("Handshake ");
            s.push(char::from(b'0' + st as u8));
            s.push_str("/3 ");
            s.push_str(st.name());
            s.push_str(" · ");
        }
        for (i, (who, now)) in [("client", self.client), ("server", self.server)].into_iter().enumerate() {
            if i > 0 {
                s.push_str(" · ");
            }
            s.push_str(who);
            s.push(' ');
            match self.changes[i] {
                Some(c) => {
                    s.push_str(c.from.name());
                    s.push_str(" → ");
                    s.push_str(c.to.name());
                }
                None => s.push_str(now.name()),
            }
        }
        if self.inferred {
            s.push_str(" (picked up mid-stream)");
        }
    }

    /// `client CLOSED → SYN_SENT; server ...`, or `None` when nothing changed.
    pub fn transition_text(&self) -> Option<String> {
        let mut s = String::new();
        self.write_transition(&mut s).then_some(s)
    }

    /// [`TcpTrack::transition_text`] appended to `s`; false (nothing written) when nothing
    /// changed.
    pub fn write_transition(&self, s: &mut String) -> bool {
        let mut any = false;
        for c in self.changes.iter().flatten() {
            if any {
                s.push_str("; ");
            }
            any = true;
            s.push_str(if c.client { "client " } else { "server " });
            s.push_str(c.from.name());
            s.push_str(" → ");
            s.push_str(c.to.name());
        }
        any
    }
}
