//! The tracker's rules, each a pure function of what the segments told so far: which
//! handshake step a segment is (RFC 9293 §3.5), what the handshake negotiated (RFC 7323 §2.2,
//! RFC 2018, RFC 6691), whether a RST is acceptable (§3.10.7) and whether a segment is
//! acceptable in its endpoints' states, and who the client is when no SYN was seen.

use super::key::Endpoint;
use super::state::{Segment, State};
use super::track::{Anomalies, Negotiated, Stage, SynOptions};
use crate::tcp::{Flags, SeqNumber, TcpHeader, TcpOption};

/// What one endpoint's segments told so far: the facts the rules read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Side {
    pub(crate) isn: Option<u32>,
    /// Payload carried on the SYN (TCP Fast Open).
    pub(crate) syn_data: u32,
    pub(crate) syn: Option<SynOptions>,
    /// Sequence number the FIN occupies.
    pub(crate) fin_seq: Option<u32>,
    /// One past the highest sequence number sent.
    pub(crate) next_seq: Option<u32>,
    /// Last acknowledgment number and (scaled) window sent.
    pub(crate) last_ack: Option<u32>,
    pub(crate) last_win: Option<u32>,
    /// It sent a SYN without ACK (an active open).
    pub(crate) sent_pure_syn: bool,
}

/// Whether an endpoint is done: CLOSED, or TIME_WAIT (which only waits out old segments).
pub(crate) fn is_closed(s: State) -> bool {
    matches!(s, State::Closed | State::TimeWait)
}

/// The client of a connection picked up mid-stream: the ephemeral side. A port below 1024
/// facing one above is the server (RFC 6335 §6: system ports are where services listen);
/// otherwise the higher port is the client's.
pub(crate) fn client_by_ports(src: &Endpoint, dst: &Endpoint) -> bool {
    match (src.port < 1024, dst.port < 1024) {
        (true, false) => false,
        (false, true) => true,
        _ => src.port >= dst.port,
    }
}

/// Whether the sender of a connection's first segment seen is its client, and whether that is
/// inferred (mid-stream) rather than shown by the handshake: the first pure SYN's sender is the
/// client, a SYN+ACK's receiver is (it answers a SYN the capture missed), and otherwise the
/// ports decide ([`client_by_ports`]).
pub(crate) fn first_sender_is_client(flags: Flags, src: &Endpoint, dst: &Endpoint) -> (bool, bool) {
    if flags.syn() && !flags.ack() {
        (true, false)
    } else if flags.syn() {
        (false, false)
    } else {
        (client_by_ports(src, dst), true)
    }
}

/// A segment's place in the handshake, as far as its flags and numbers tell.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StageFacts {
    pub(crate) stage: Option<Stage>,
    /// On stages 2 and 3: the ACK number is the peer's ISN + 1.
    pub(crate) ack_ok: Option<bool>,
    pub(crate) negotiated: Option<Negotiated>,
    pub(crate) anomalies: u8,
}

/// What the handshake needs to know about a connection to classify a segment.
pub(crate) struct HandshakeSoFar<'a> {
    /// Frames of the client's first SYN, the server's first SYN+ACK, the stage-3 ACK.
    pub(crate) frames: &'a [Option<u32>; 3],
    /// (client, server); for a self-connect both are the one socket's.
    pub(crate) client: &'a Side,
    pub(crate) server: &'a Side,
    /// One socket talking to itself.
    pub(crate) itself: bool,
    /// A simultaneous-open SYN+ACK has been seen already (from either end).
    pub(crate) simultaneous_synacks: u8,
}

/// RFC 9293 §3.5, Figure 6: the client's SYN is step 1, the server's SYN+ACK step 2, and the
/// client's first ACK of the server's SYN step 3. Figure 7: when the other end sent its own
/// SYN, the exchange is a simultaneous open (each end's SYN, then each end's SYN+ACK), with
/// no step 3.
pub(crate) fn classify(h: &TcpHeader, from_client: bool, hs: &HandshakeSoFar<'_>) -> StageFacts {
    let f = h.flags;
    let (syn, ack, rst) = (f.syn(), f.ack(), f.rst());
    let (me, peer) = if from_client { (hs.client, hs.server) } else { (hs.server, hs.client) };
    let mut out = StageFacts::default();
    let simultaneous = hs.client.sent_pure_syn && (hs.server.sent_pure_syn || hs.itself);
    if syn && !ack && from_client && !(hs.itself && me.sent_pure_syn) {
        out.stage = Some(Stage::Syn);
        if hs.frames[0].is_some() {
            out.anomalies |= Anomalies::SYN_RETRANSMISSION;
        }
    } else if syn && !ack && !from_client {
        out.stage = Some(Stage::SimultaneousSyn);
    } else if syn && ack && me.sent_pure_syn {
        out.stage = Some(Stage::SimultaneousSynAck);
        out.ack_ok = peer.isn.map(|x| h.ack == x.wrapping_add(1));
        // Both ends' SYN+ACKs seen: the open is complete, and what it negotiated is known.
        // (A self-connect's one SYN+ACK completes it: the socket receives it itself.)
        if hs.itself || hs.simultaneous_synacks > 0 && simultaneous {
            out.negotiated = negotiate(hs.client.syn, hs.server.syn);
        }
    } else if syn && ack && (!from_client || hs.itself) {
        out.stage = Some(Stage::SynAck);
        if hs.frames[1].is_some() {
            out.anomalies |= Anomalies::SYNACK_RETRANSMISSION;
        }
        // "ACK x+1" acknowledges the SYN with sequence number x (§3.4, figure 6); a server
        // that accepts Fast Open data also acknowledges that data (RFC 7413 §4.2).
        let c = hs.client;
        out.ack_ok = c.isn.map(|x| {
            let syn_ack = x.wrapping_add(1);
            h.ack == syn_ack || (c.syn_data > 0 && h.ack == syn_ack.wrapping_add(c.syn_data))
        });
    } else if from_client && ack && !syn && !rst && hs.frames[2].is_none() && hs.frames[1].is_some() && !simultaneous {
        if let Some(x) = hs.server.isn {
            if acks_syn(h, hs.server) {
                out.stage = Some(Stage::Ack);
                out.ack_ok = Some(h.ack == x.wrapping_add(1));
                out.negotiated = negotiate(hs.client.syn, hs.server.syn);
            } else {
                // An ACK after the server's SYN+ACK that does not cover its SYN.
                out.anomalies |= Anomalies::ACK_MISMATCH;
            }
        }
    }
    if out.ack_ok == Some(false) {
        out.anomalies |= Anomalies::ACK_MISMATCH;
    }
    out
}

/// RFC 9293 §3.10.7.3: an ACK covers the peer's SYN when ISS < SEG.ACK =< SND.NXT (the peer's
/// ISN, and one past what it sent).
pub(crate) fn acks_syn(h: &TcpHeader, peer: &Side) -> bool {
    let Some(isn) = peer.isn else { return false };
    h.flags.ack() && SeqNumber(h.ack) > SeqNumber(isn) && peer.next_seq.is_none_or(|n| SeqNumber(h.ack) <= SeqNumber(n))
}

/// RFC 7323 §2.2: scaling is in effect only when both SYNs carry the option; §2.3 caps the
/// shift at 14.
pub(crate) fn negotiate(client: Option<SynOptions>, server: Option<SynOptions>) -> Option<Negotiated> {
    let (c, s) = (client?, server?);
    Some(Negotiated {
        mss_client: c.mss,
        mss_server: s.mss,
        ws: c.ws.zip(s.ws).map(|(a, b)| (TcpOption::ws_shift(a), TcpOption::ws_shift(b))),
        sack: c.sack && s.sack,
        ts: c.ts && s.ts,
    })
}

/// RFC 9293 §3.10.7.4 first check (synchronized states and SYN-RECEIVED): a RST is acceptable
/// if its sequence number is in the receive window (RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND;
/// exactly RCV.NXT when the window is zero). RCV.NXT is what the receiver last acknowledged,
/// or else what the sender had sent. (In SYN-SENT, §3.10.7.3 asks instead that its ACK cover
/// the receiver's SYN; the state machine decides which applies.)
pub(crate) fn rst_in_window(h: &TcpHeader, recv_side: &Side, send_side: &Side) -> bool {
    let Some(rcv_nxt) = recv_side.last_ack.or(send_side.next_seq) else { return true };
    let d = SeqNumber(h.seq).diff(SeqNumber(rcv_nxt));
    let wnd = recv_side.last_win.unwrap_or(65535).max(1);
    d >= 0 && (d as u32) < wnd
}

/// A segment its sender should not be sending in its state, or its receiver must refuse:
/// an unacceptable RST; anything but a RST from or to a closed endpoint (§3.10.7.1: a CLOSED
/// endpoint answers with RST); new data after the sender's FIN; and, in a synchronized
/// state, a segment without ACK (§3.10.7.4 fifth: "if the ACK bit is off drop the segment").
pub(crate) fn not_acceptable(
    seg: &Segment,
    has_data: bool,
    data_after_fin: bool,
    sender: State,
    receiver: State,
) -> bool {
    if seg.rst {
        let acceptable = match receiver {
            State::SynSent => seg.ack && seg.acks_peer_syn,
            State::Listen => return false,
            State::Closed => false,
            _ => seg.rst_in_window,
        };
        return !acceptable;
    }
    if (sender == State::Closed || receiver == State::Closed) && !seg.syn {
        return true;
    }
    if sender == State::TimeWait && (has_data || seg.syn) {
        return true;
    }
    if data_after_fin {
        return true;
    }
    let synchronized = !matches!(receiver, State::Listen | State::SynSent | State::Closed);
    synchronized && !seg.ack && !seg.syn
}
