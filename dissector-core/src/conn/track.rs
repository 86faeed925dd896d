//! What the tracker says about one TCP segment: its handshake step, both endpoints' states
//! after it and what changed, the negotiated options, the DNS lookup behind it, and the
//! anomalies it shows (RFC 9293 §3.5 for the handshake, RFC 7323/2018/6691 for the options).

use super::lookup::DnsLink;
use super::state::State;
use super::verdict::Verdict;
use crate::tcp::TcpOptions;

/// A step of the three-way handshake (RFC 9293 §3.5, Figure 6), or of a simultaneous open
/// (Figure 7), where both ends send SYN and both answer with SYN+ACK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// 1: the client's SYN.
    Syn = 1,
    /// 2: the server's SYN+ACK.
    SynAck = 2,
    /// 3: the client's ACK of the server's SYN.
    Ack = 3,
    /// 4: the other end's own SYN, crossing the client's (simultaneous open).
    SimultaneousSyn = 4,
    /// 5: a SYN+ACK from an end that sent its own SYN (simultaneous open; a self-connect too).
    SimultaneousSynAck = 5,
}

impl Stage {
    /// The value names of `synack.stage`.
    pub const NAMES: [(u32, &'static str); 5] =
        [(1, "SYN"), (2, "SYN+ACK"), (3, "ACK"), (4, "SYN (simultaneous open)"), (5, "SYN+ACK (simultaneous open)")];

    /// The stage's name.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize - 1].1
    }

    /// How the summary line and the Info tag name it: `1/3 SYN`, `simultaneous open SYN+ACK`.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Syn => "1/3 SYN",
            Stage::SynAck => "2/3 SYN+ACK",
            Stage::Ack => "3/3 ACK",
            Stage::SimultaneousSyn => "simultaneous open SYN",
            Stage::SimultaneousSynAck => "simultaneous open SYN+ACK",
        }
    }
}

/// A control the evidence is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctl {
    /// A SYN.
    Syn,
    /// A SYN+ACK.
    SynAck,
    /// A FIN.
    Fin,
    /// An ACK (of the receiver's SYN).
    Ack,
}

impl Ctl {
    /// `SYN`, `FIN`, `ACK`.
    pub fn name(self) -> &'static str {
        match self {
            Ctl::Syn => "SYN",
            Ctl::SynAck => "SYN+ACK",
            Ctl::Fin => "FIN",
            Ctl::Ack => "ACK",
        }
    }
}

/// Why, in the one-pass view, an endpoint is not where the previous frame left it: what this
/// frame showed about earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    /// The server answered the client's SYN with RST: nothing listened, it was CLOSED
    /// (connection refused, RFC 9293 §3.10.7.1).
    NoListener,
    /// The server sent its own SYN: it was CLOSED and opened actively (simultaneous open,
    /// Figure 7), not listening.
    ActiveOpen,
    /// A segment the endpoint was taken to have received had not arrived yet: this frame
    /// does not acknowledge it.
    NotYetArrived {
        /// The segment went to the client (else to the server).
        to_client: bool,
        /// What it carried.
        what: Ctl,
        /// Its frame.
        frame: u32,
    },
    /// The endpoint had given up on its open before the peer's SYN+ACK arrived (RFC 9293 §3.10.4
    /// ABORT in SYN-SENT sends nothing): it answered from CLOSED with a RST.
    GaveUp {
        /// The client gave up (else the server).
        client: bool,
    },
    /// A SYN or FIN sent again: the earlier copy got no answer and is taken as lost.
    Unanswered {
        /// The segment went to the client (else to the server).
        to_client: bool,
        /// What it carried.
        what: Ctl,
        /// The frame of the copy that got no answer.
        frame: u32,
    },
}

impl Note {
    /// The endpoint the note corrects: the client, or else the server.
    pub fn about_client(self) -> bool {
        match self {
            Note::NoListener | Note::ActiveOpen => false,
            Note::GaveUp { client } => client,
            Note::NotYetArrived { to_client, .. } | Note::Unanswered { to_client, .. } => to_client,
        }
    }

    /// The note in words: `server: no listener, connection refused`.
    pub fn write(self, s: &mut String) {
        use core::fmt::Write;
        let who = if self.about_client() { "client" } else { "server" };
        let peer = if self.about_client() { "server" } else { "client" };
        let _ = match self {
            Note::NoListener => write!(s, "server: no listener, connection refused"),
            Note::ActiveOpen => write!(s, "server: not listening, it opens actively too (simultaneous open)"),
            Note::GaveUp { .. } => {
                write!(s, "{who}: it had given up on its open: no connection to take the {peer}'s SYN+ACK")
            }
            Note::NotYetArrived { what, frame, .. } => {
                write!(s, "{who}: the {peer}'s {} (frame {frame}) had not arrived yet", what.name())
            }
            Note::Unanswered { what, frame, .. } => {
                write!(s, "{who}: the {peer}'s {} (frame {frame}) got no answer: sent again", what.name())
            }
        };
    }
}

/// Both endpoints' states after one segment, and what changed: a frame's row of RFC 9293's
/// figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// Client state.
    pub client: State,
    /// Server state.
    pub server: State,
    /// What changed: client first, then server.
    pub changes: [Option<Change>; 2],
    /// In the one-pass view, what this frame showed about earlier ones.
    pub note: Option<Note>,
    /// An earlier segment that had not arrived at its capture position and arrives now, just
    /// before this one (its frame).
    pub arrived: Option<u32>,
    /// The anomalies that depend on the states ([`Anomalies::STATE_BITS`]).
    pub anomalies: Anomalies,
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
    /// The flags that depend on the endpoints' states, which later evidence can revise.
    pub const STATE_BITS: u8 = Self::RST_IN_HANDSHAKE | Self::NOT_ACCEPTABLE;

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
    /// A state passed through on the way (an ACK and a FIN arriving together:
    /// FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT).
    pub via: Option<State>,
    /// After.
    pub to: State,
}

impl Change {
    /// `FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT`, appended to `s`.
    pub fn write(&self, s: &mut String) {
        s.push_str(self.from.name());
        if let Some(v) = self.via {
            s.push_str(" → ");
            s.push_str(v.name());
        }
        s.push_str(" → ");
        s.push_str(self.to.name());
    }
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
    /// One socket talking to itself (a TCP self-connect): `client` and `server` are its state.
    pub itself: bool,
    /// Handshake step, if this segment is one.
    pub stage: Option<Stage>,
    /// Client state after the segment.
    pub client: State,
    /// Server state after the segment.
    pub server: State,
    /// What changed: client first, then server.
    pub changes: [Option<Change>; 2],
    /// In the one-pass view, what this frame showed about earlier ones.
    pub note: Option<Note>,
    /// An earlier segment that arrives only now, just before this one (its frame).
    pub arrived: Option<u32>,
    /// On stages 2 and 3: the ACK number is the peer's ISN + 1.
    pub ack_ok: Option<bool>,
    /// SYN to handshake ACK, once the handshake completed.
    pub irtt_ns: Option<i128>,
    /// On stage 3: the negotiated options.
    pub negotiated: Option<Negotiated>,
    /// On stage 1: the DNS response that answered the server's address.
    pub dns: Option<DnsLink>,
    /// Flags for expert infos.
    pub anomalies: Anomalies,
    /// On the connection's last frame: what happened to it (in one pass, the frame that
    /// closed it; with two passes, its last frame in the capture).
    pub verdict: Option<std::sync::Arc<Verdict>>,
}

impl TcpTrack {
    /// Take `row` as this segment's states (a revision from later evidence).
    pub fn apply(&mut self, row: &Row) {
        self.client = row.client;
        self.server = row.server;
        self.changes = row.changes;
        self.note = row.note;
        self.arrived = row.arrived;
        self.anomalies = Anomalies((self.anomalies.0 & !Anomalies::STATE_BITS) | row.anomalies.0);
    }

    /// This segment's row.
    pub fn row(&self) -> Row {
        Row {
            client: self.client,
            server: self.server,
            changes: self.changes,
            note: self.note,
            arrived: self.arrived,
            anomalies: Anomalies(self.anomalies.0 & Anomalies::STATE_BITS),
        }
    }

    /// One line for people: `Handshake 2/3 SYN+ACK · client SYN_SENT → ESTABLISHED · server
    /// SYN_RECEIVED`; a self-connect's one socket is `socket ...`; a note on earlier frames last
    /// (`... · server: no listener, connection refused`).
    pub fn summary(&self) -> String {
        let mut s = String::with_capacity(96);
        self.write_summary(&mut s);
        s
    }

    /// [`TcpTrack::summary`] appended to `s` (no allocation when `s` has room).
    pub fn write_summary(&self, s: &mut String) {
        if let Some(st) = self.stage {
            s.push_str(if (st as u8) <= 3 { "Handshake " } else { "" });
            s.push_str(st.label());
            s.push_str(" · ");
        }
        let ends: &[(&str, State)] =
            if self.itself { &[("socket", self.client)] } else { &[("client", self.client), ("server", self.server)] };
        for (i, (who, now)) in ends.iter().enumerate() {
            if i > 0 {
                s.push_str(" · ");
            }
            s.push_str(who);
            s.push(' ');
            match self.changes[i] {
                Some(c) => c.write(s),
                None => s.push_str(now.name()),
            }
        }
        if self.inferred {
            s.push_str(" (picked up mid-stream)");
        }
        // What this frame showed about earlier ones (one-pass view), where people read first.
        if let Some(n) = self.note {
            s.push_str(" · ");
            n.write(s);
        }
    }

    /// `client CLOSED → SYN_SENT; server ...`, after what this frame showed about earlier ones
    /// (`server: no listener, connection refused; ...`), or `None` when nothing changed.
    pub fn transition_text(&self) -> Option<String> {
        let mut s = String::new();
        self.write_transition(&mut s).then_some(s)
    }

    /// [`TcpTrack::transition_text`] appended to `s`; false (nothing written) when nothing
    /// changed.
    pub fn write_transition(&self, s: &mut String) -> bool {
        let mut any = false;
        if let Some(n) = self.note {
            n.write(s);
            any = true;
        }
        for c in self.changes.iter().flatten() {
            if any {
                s.push_str("; ");
            }
            any = true;
            s.push_str(if self.itself {
                "socket "
            } else if c.client {
                "client "
            } else {
                "server "
            });
            c.write(s);
        }
        any
    }
}
