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
}
